import { describe, expect, it } from 'vitest';
import type { ColumnType } from '../types.ts';
import { JsonNumber, JsonText } from '../types.ts';
import type { ColumnPlan, ResolvedFormat } from './column-plan.ts';
import { DEFAULT_NULL_TOKENS } from './defaults.ts';
import { inferColumns } from './infer.ts';
import { createRowNormalizer } from './normalizer.ts';

const FORMAT: ResolvedFormat = {
  nullTokens: DEFAULT_NULL_TOKENS,
  decimalSeparator: '.',
  percent: 'keep',
  dateOrder: 'MDY',
  timeZone: 'UTC',
  twoDigitYearPivot: 70,
};

function plan(
  index: number,
  name: string,
  type: ColumnType,
  format: Partial<ResolvedFormat> = {},
): ColumnPlan {
  return {
    index,
    source: name,
    name,
    type,
    declared: true,
    skip: false,
    format: { ...FORMAT, ...format },
    origins: { dateOrder: 'built-in', timeZone: 'built-in' },
    sampleSize: 0,
    nullCount: 0,
    nonFitting: 0,
    warnings: [],
  };
}

describe('createRowNormalizer', () => {
  it('normalizes a clean row of every type, trimming and reading null tokens', () => {
    const normalizer = createRowNormalizer([
      plan(0, 'id', 'integer'),
      plan(1, 'big', 'bigint'),
      plan(2, 'amount', 'numeric'),
      plan(3, 'paid', 'boolean'),
      plan(4, 'day', 'date'),
      plan(5, 'at', 'timestamptz'),
      plan(6, 'key', 'uuid'),
      plan(7, 'doc', 'jsonb'),
      plan(8, 'note', 'text'),
      plan(9, 'missing', 'text'),
    ]);
    const result = normalizer.normalize([
      ' 42 ',
      '1234567890123456789',
      '$1,234.50',
      'Yes',
      '2024-03-05',
      '2024-03-05 10:30:00',
      '{123E4567-E89B-12D3-A456-426614174000}',
      '{"n": 12345678901234567890}',
      '  hello  ',
      'N/A',
    ]);
    expect(result.errors).toBeNull();
    expect(result.values).toEqual([
      42,
      '1234567890123456789',
      '1234.50',
      true,
      '2024-03-05',
      '2024-03-05T10:30:00Z',
      '123e4567-e89b-12d3-a456-426614174000',
      new JsonText('{"n": 12345678901234567890}'),
      'hello',
      null,
    ]);
  });

  it('never nulls a bad cell silently: each becomes a CellError with column, raw value, reason, message', () => {
    const normalizer = createRowNormalizer([
      plan(0, 'id', 'integer'),
      plan(1, 'amount', 'numeric'),
      plan(2, 'note', 'text'),
    ]);
    const result = normalizer.normalize([' 12.5 ', '1.234,56', 'a\0b']);
    expect(result.errors).toEqual([
      { column: 'id', value: ' 12.5 ', reason: 'invalid_integer', message: "'12.5' is not a whole number" },
      {
        column: 'amount',
        value: '1.234,56',
        reason: 'invalid_number',
        message: "'1.234,56' uses ',' as decimal mark but this column's decimal mark is '.'",
      },
      {
        column: 'note',
        value: 'a\0b',
        reason: 'invalid_text',
        message: "'a\0b' contains a NUL character (U+0000), which PostgreSQL text cannot store",
      },
    ]);
    expect(result.values).toHaveLength(3);
  });

  it('rejects in a jsonb column a JSON number or nested number whose exponent numeric cannot hold', () => {
    // jsonb stores numbers as numeric: the preview let them through and the database refused the row.
    const normalizer = createRowNormalizer([plan(0, 'doc', 'jsonb')]);
    expect(normalizer.normalize([new JsonNumber('4e1000000')]).errors).toEqual([
      {
        column: 'doc',
        value: '4e1000000',
        reason: 'invalid_json',
        message:
          "'4e1000000' cannot be stored as jsonb: the exponent e1000000 is beyond the range of numeric",
      },
    ]);
    expect(normalizer.normalize([new JsonText('{"x":[1e-99999]}')]).errors?.[0]?.message).toBe(
      '\'{"x":[1e-99999]}\' cannot be stored as jsonb: the exponent e-99999 is beyond the range of numeric',
    );
    expect(normalizer.normalize([new JsonNumber('1e300')]).values).toEqual([new JsonText('1e300')]);
  });

  it('rejects text with an unpaired UTF-16 surrogate (as the load does), and keeps pairs', () => {
    const normalizer = createRowNormalizer([plan(0, 'note', 'text')]);
    // The preview showed it as fine and the load then refused it.
    expect(normalizer.normalize(['a\ud800b']).errors).toEqual([
      {
        column: 'note',
        value: 'a\ud800b',
        reason: 'invalid_text',
        message:
          "'a\ud800b' contains an unpaired UTF-16 surrogate (\\ud800), which is not a Unicode character and cannot be stored as text",
      },
    ]);
    expect(normalizer.normalize(['\udc37x']).errors?.[0]?.reason).toBe('invalid_text');
    expect(normalizer.normalize(['x\ud801']).errors?.[0]?.reason).toBe('invalid_text');
    expect(normalizer.normalize(['\ud801\udc37 é']).values).toEqual(['\ud801\udc37 é']);
  });

  it('leaves skipped columns out and reads each column from its source index', () => {
    const skipped = { ...plan(1, 'secret', 'text'), skip: true };
    const normalizer = createRowNormalizer([plan(2, 'c', 'integer'), skipped, plan(0, 'a', 'text')]);
    expect(normalizer.columns).toEqual([
      { name: 'c', type: 'integer', sourceIndex: 2 },
      { name: 'a', type: 'text', sourceIndex: 0 },
    ]);
    expect(normalizer.normalize(['x', 'hidden', '7'])).toEqual({ values: [7, 'x'], errors: null });
    expect(normalizer.normalize(['x'])).toEqual({ values: [null, 'x'], errors: null });
  });

  it('handles JSON and XLSX raw values by target type', () => {
    const normalizer = createRowNormalizer([
      plan(0, 'n', 'numeric', { decimalSeparator: ',' }),
      plan(1, 'i', 'bigint'),
      plan(2, 't', 'text'),
      plan(3, 'b', 'boolean'),
      plan(4, 'j', 'jsonb'),
      plan(5, 'o', 'text'),
      plan(6, 'k', 'jsonb'),
      plan(7, 'd', 'date', { numericDates: 'excel' }),
      plan(8, 'bool_text', 'text'),
      plan(9, 'one', 'boolean'),
    ]);
    const result = normalizer.normalize([
      new JsonNumber('12.50'),
      new JsonNumber('1234567890123456789'),
      new JsonNumber('1e2'),
      true,
      new JsonNumber('1.10'),
      { a: [1, 'x'] },
      [1, 2],
      45000,
      false,
      1,
    ]);
    expect(result.errors).toBeNull();
    expect(result.values).toEqual([
      '12.50',
      '1234567890123456789',
      '1e2',
      true,
      new JsonText('1.10'),
      '{"a":[1,"x"]}',
      [1, 2],
      '2023-03-15',
      'false',
      true,
    ]);
  });

  it('rejects raw values a type cannot take, naming them', () => {
    const normalizer = createRowNormalizer([
      plan(0, 'i', 'integer'),
      plan(1, 'n', 'numeric'),
      plan(2, 'u', 'uuid'),
      plan(3, 'j', 'jsonb'),
      plan(4, 'b', 'boolean'),
    ]);
    const result = normalizer.normalize([true, { a: 1 }, new JsonNumber('5'), { s: 'a\u0000' }, 2]);
    expect(result.errors?.map((e) => [e.column, e.reason, e.value])).toEqual([
      ['i', 'invalid_integer', 'true'],
      ['n', 'invalid_number', '{"a":1}'],
      ['u', 'invalid_uuid', '5'],
      ['j', 'invalid_json', '{"s":"a\\u0000"}'],
      ['b', 'invalid_boolean', '2'],
    ]);
    expect(result.errors?.[0]?.message).toBe('the boolean true cannot be read as integer');
  });

  it('works end to end with inferred plans', () => {
    const columns = ['ID', 'Amount', 'Paid', 'Order Date'];
    const sample = [
      ['1', '$1,200.50', 'yes', '25/12/2024'],
      ['2', '(45.10)', 'no', '01/02/2024'],
      ['3', '', 'Y', '02/01/2024'],
    ];
    const plans = inferColumns({ columns, sample, spec: { format: {} } });
    const normalizer = createRowNormalizer(plans);
    expect(normalizer.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'id:integer',
      'amount:numeric',
      'paid:boolean',
      'order_date:date',
    ]);
    expect(sample.map((row) => normalizer.normalize(row).values)).toEqual([
      [1, '1200.50', true, '2024-12-25'],
      [2, '-45.10', false, '2024-02-01'],
      [3, null, true, '2024-01-02'],
    ]);
    const bad = normalizer.normalize(['4', '12,5', 'maybe', '31/02/2024']);
    expect(bad.errors?.map((e) => e.reason)).toEqual([
      'invalid_number',
      'invalid_boolean',
      'impossible_date',
    ]);
  });
});

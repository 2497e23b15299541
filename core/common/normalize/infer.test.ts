import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../errors.ts';
import type { ColumnSpec, FormatOptions } from '../spec/job-spec.ts';
import { type ColumnType, JsonNumber, type RawValue } from '../types.ts';
import { makeCellFunction } from './column-rule.ts';
import { type ColumnPlan, inferColumns } from './infer.ts';

/** Infers one column from its values. */
function inferOne(
  values: readonly RawValue[],
  options: { header?: string; format?: FormatOptions; column?: Omit<ColumnSpec, 'source'> } = {},
): ColumnPlan {
  const header = options.header ?? 'value';
  const columns = options.column ? [{ source: header, ...options.column }] : undefined;
  const [plan] = inferColumns({
    columns: [header],
    sample: values.map((v) => [v]),
    spec: { format: options.format ?? {}, columns },
  });
  return plan!;
}

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('inferColumns: types', () => {
  it('types integers, and bigint when a value is beyond int4', () => {
    expect(inferOne(['1', '22', '-3', '']).type).toBe('integer');
    const plan = inferOne(['1', '2', '3000000000']);
    expect(plan.type).toBe('bigint');
    expect(plan.nonFitting).toBe(0);
  });

  it('types a pure 0/1 column as integer, and as boolean once a word appears', () => {
    expect(inferOne(['0', '1', '1', '0']).type).toBe('integer');
    expect(inferOne(['0', '1', 'yes', 'No']).type).toBe('boolean');
    expect(inferOne(['true', 'FALSE', 't', 'f']).type).toBe('boolean');
  });

  it('types decimals as numeric, and prefers numeric over integer when it loses nothing', () => {
    const values = [...repeat(300, (i) => String(i)), '2.5'];
    const plan = inferOne(values);
    expect(plan.type).toBe('numeric');
    expect(plan.nonFitting).toBe(0);
    expect(inferOne(['$1,234.50', '(45.10)', '12']).type).toBe('numeric');
  });

  it('types dates, day-first when a value settles it', () => {
    const plan = inferOne(['05/03/2024', '25/03/2024', '01/12/2023']);
    expect(plan.type).toBe('date');
    expect(plan.format.dateOrder).toBe('DMY');
    expect(plan.warnings).toEqual([]);
  });

  it('flags an ambiguous day/month order and uses the built-in default (MDY), saying so', () => {
    const plan = inferOne(['05/03/2024', '04/01/2024']);
    expect(plan.type).toBe('date');
    expect(plan.format.dateOrder).toBe('MDY');
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain("'05/03/2024'");
    expect(plan.warnings[0]).toContain(
      'using MDY (the built-in default date order) — set dateOrder to change it',
    );
  });

  it('uses the job dateOrder for ambiguous values without a warning', () => {
    const plan = inferOne(['05/03/2024', '04/01/2024'], { format: { dateOrder: 'DMY' } });
    expect(plan.format.dateOrder).toBe('DMY');
    expect(plan.warnings).toEqual([]);
  });

  it('types timestamps when values carry a time of day', () => {
    const plan = inferOne(['2024-03-05 10:00:00', '2024-03-06T11:30:00Z', '2024-03-07']);
    expect(plan.type).toBe('timestamptz');
    expect(plan.nonFitting).toBe(0);
  });

  it('types uuid and jsonb', () => {
    expect(
      inferOne(['123e4567-e89b-12d3-a456-426614174000', '{123E4567-E89B-12D3-A456-426614174001}']).type,
    ).toBe('uuid');
    expect(inferOne(['{"a": 1}', '[1, 2]', 'null']).type).toBe('jsonb');
    expect(inferOne(['"a"', '"b"']).type).toBe('text');
  });

  it('keeps zero-padded codes as text, saying why', () => {
    const plan = inferOne(['0101', '0102', '1201', '4801']);
    expect(plan.type).toBe('text');
    expect(plan.warnings).toEqual([
      "kept as text: values such as '0101' have leading zeros, which a number column would drop — declare a type to load them as numbers",
    ]);
    expect(inferOne(['0.5', '0', '10']).type).toBe('numeric');
    expect(inferOne(['0101'], { column: { type: 'integer' } }).type).toBe('integer');
  });

  it('keeps words as text without a warning', () => {
    const plan = inferOne(['alpha', 'bravo', 'charlie']);
    expect(plan.type).toBe('text');
    expect(plan.warnings).toEqual([]);
  });

  it('infers epoch timestamps only from a time-like name and 10/13-digit values in 2000–2100', () => {
    const seconds = ['1700000000', '1700003600', '1700007200'];
    const plan = inferOne(seconds, { header: 'created_at' });
    expect(plan.type).toBe('timestamptz');
    expect(plan.format.numericDates).toBe('epoch_s');
    expect(plan.warnings[0]).toContain('Unix epoch seconds');
    expect(inferOne(['1700000000000', '1700000003600'], { header: 'event time' }).format.numericDates).toBe(
      'epoch_ms',
    );
    expect(inferOne(seconds, { header: 'amount' }).type).toBe('integer');
    expect(inferOne(['1700000000', '17'], { header: 'ts' }).type).toBe('integer');
    expect(inferOne(['9999999999'], { header: 'ts' }).type).toBe('bigint');
  });

  it('reads JSON source values: numbers by their text, booleans, objects', () => {
    expect(inferOne([new JsonNumber('1'), new JsonNumber('2')]).type).toBe('integer');
    expect(inferOne([new JsonNumber('1.50'), new JsonNumber('2')]).type).toBe('numeric');
    expect(inferOne([new JsonNumber('12345678901234567890')]).type).toBe('numeric');
    expect(inferOne([true, false, null]).type).toBe('boolean');
    expect(inferOne([{ a: 1 }, [1, 2]]).type).toBe('jsonb');
    expect(inferOne([1.5, 2]).type).toBe('numeric');
  });

  it('keeps JSON numbers that numeric cannot hold as text, not jsonb (a number is no JSON container)', () => {
    // Was jsonb, with no value counted as rejected: the load then refused the row at the database.
    const plan = inferOne([new JsonNumber('1.5'), new JsonNumber('2'), new JsonNumber('4e1000000')]);
    expect(plan.type).toBe('text');
    expect(plan.nonFitting).toBe(0);
    expect(inferOne([new JsonNumber('1'), { a: 1 }]).type).toBe('jsonb');
  });

  it('types an all-null column as text and says so', () => {
    const plan = inferOne(['', 'NULL', null]);
    expect(plan.type).toBe('text');
    expect(plan.sampleSize).toBe(0);
    expect(plan.nullCount).toBe(3);
    expect(plan.warnings[0]).toContain('all 3 sampled values are null');
  });
});

describe('inferColumns: never types a column so that many of its values are rejected', () => {
  it('keeps 2% junk as text, saying why with an example', () => {
    const values = [...repeat(98, (i) => String(i * 7)), 'abc', 'n.a.'];
    const plan = inferOne(values);
    expect(plan.type).toBe('text');
    expect(plan.nonFitting).toBe(0);
    expect(plan.warnings).toEqual([
      "kept as text: 2 of 100 sampled values are not numbers; for example 'abc' is not a number",
    ]);
  });

  it('says why even when the junk comes first', () => {
    const plan = inferOne([
      'n/a yet',
      'unknown',
      ...repeat(98, (i) => `2024-01-${String((i % 28) + 1).padStart(2, '0')}`),
    ]);
    expect(plan.type).toBe('text');
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(
      /^kept as text: 2 of 100 sampled values are not (dates|timestamps); for example 'n\/a yet'/,
    );
  });

  it('types 0.5% junk, warning with the count and one example', () => {
    const values = [...repeat(995, (i) => `${i}.25`), ...repeat(5, () => 'oops')];
    const plan = inferOne(values);
    expect(plan.type).toBe('numeric');
    expect(plan.nonFitting).toBe(5);
    expect(plan.sampleSize).toBe(1000);
    expect(plan.warnings).toEqual([
      "5 of 1,000 sampled values are not numbers and will be rejected; for example 'oops' is not a number",
    ]);
  });
});

describe('inferColumns: decimal mark and percent', () => {
  it('settles decimal commas per column', () => {
    const plan = inferOne(['1,5', '2,25', '1.234,50']);
    expect(plan.type).toBe('numeric');
    expect(plan.format.decimalSeparator).toBe(',');
    expect(plan.warnings).toEqual([]);
  });

  it('flags an ambiguous mark and a minority of the other convention, which is counted as rejected', () => {
    const values = [...repeat(200, (i) => `${i},5`), '3.5'];
    const plan = inferOne(values);
    expect(plan.type).toBe('numeric');
    expect(plan.format.decimalSeparator).toBe(',');
    expect(plan.nonFitting).toBe(1);
    expect(plan.warnings.some((w) => w.startsWith('decimal mark is ambiguous'))).toBe(true);
    expect(plan.warnings.some((w) => w.includes("'3.5' uses '.' as decimal mark"))).toBe(true);
  });

  it('flags thousands that read either way', () => {
    const plan = inferOne(['1,234', '12,500', '3,000']);
    expect(plan.type).toBe('integer');
    expect(plan.format.decimalSeparator).toBe('.');
    expect(plan.warnings[0]).toMatch(/^decimal mark is ambiguous: values like '1,234' read either way/);
  });

  it('reports percent values and how they load', () => {
    const plan = inferOne(['12.5%', '3%', '100%']);
    expect(plan.type).toBe('numeric');
    expect(plan.format.percent).toBe('keep');
    expect(plan.warnings[0]).toContain("3 sampled values carry '%'");
    const fraction = inferOne(['12.5%'], { format: { percent: 'fraction' } });
    expect(fraction.warnings[0]).toContain('as fractions');
  });

  it('reports different currencies in one column', () => {
    const plan = inferOne(['$5', '€6', '7']);
    expect(plan.type).toBe('integer');
    expect(plan.warnings).toEqual([
      'values carry different currencies ($, €); they load as plain numbers without their currency',
    ]);
  });
});

describe('inferColumns: the spec', () => {
  it('lets a declared type win and still counts what it would reject', () => {
    const plan = inferOne(['1', '2', 'x', '4.5'], { column: { type: 'integer' } });
    expect(plan.type).toBe('integer');
    expect(plan.declared).toBe(true);
    expect(plan.nonFitting).toBe(2);
    expect(plan.warnings).toEqual([
      "2 of 4 sampled values are not whole numbers and will be rejected; for example 'x' is not a number",
    ]);
  });

  it('applies column formats over job formats over defaults', () => {
    const plan = inferOne(['1,5', '\\N', 'NULL'], {
      format: { nullTokens: ['NULL'], timeZone: 'Europe/Paris' },
      column: { nullTokens: ['\\N'], decimalSeparator: '.', twoDigitYearPivot: 50 },
    });
    expect(plan.format).toEqual({
      nullTokens: ['\\N'],
      decimalSeparator: '.',
      percent: 'keep',
      dateOrder: 'MDY',
      timeZone: 'Europe/Paris',
      twoDigitYearPivot: 50,
    });
    expect(plan.nullCount).toBe(1);
    expect(plan.type).toBe('text');
  });

  it('names columns from headers, with user names, and marks skipped ones', () => {
    const plans = inferColumns({
      columns: ['Order Date', 'Sepal.Length', 'Sepal Length', 'note'],
      sample: [['2024-01-05', '5.1', '1', 'x']],
      spec: { format: {}, columns: [{ source: 'note', name: 'remark', skip: true }] },
    });
    expect(plans.map((p) => p.name)).toEqual(['order_date', 'sepal_length', 'sepal_length_2', 'remark']);
    expect(plans.map((p) => p.skip)).toEqual([false, false, false, true]);
    expect(plans.map((p) => p.index)).toEqual([0, 1, 2, 3]);
  });

  it('refuses spec columns that are not in the source, colliding names and unknown time zones', () => {
    const run =
      (columns: ColumnSpec[], format: FormatOptions = {}) =>
      () =>
        inferColumns({ columns: ['a', 'b'], sample: [], spec: { format, columns } });
    expect(run([{ source: 'c' }])).toThrow(LoadstoneError);
    expect(run([{ source: 'c' }])).toThrow("column 'c' is not in the source");
    expect(
      run([
        { source: 'a', name: 'x' },
        { source: 'b', name: 'x' },
      ]),
    ).toThrow("name 'x' is given to both");
    expect(run([], { timeZone: 'Mars/Olympus' })).toThrow("'Mars/Olympus' is not a known IANA time zone");
    try {
      run([
        { source: 'b', name: 'x' },
        { source: 'a', name: 'x' },
      ])();
    } catch (error) {
      expect((error as LoadstoneError).code).toBe('SPEC_INVALID');
      expect((error as LoadstoneError).details).toEqual({
        issues: [{ path: 'columns.0.name', message: "name 'x' is given to both 'a' and 'b'" }],
      });
    }
  });
});

describe('a single stray value', () => {
  const numbers = ['1,5', '2,25', '3', '4,75', '5', '6,5', '7', '8,25', '9'];
  it('among ten or more values is rejected, not a reason to keep the column as text', () => {
    const plan = inferOne([...numbers, '12,3x']);
    expect(plan.type).toBe('numeric');
    expect(plan.nonFitting).toBe(1);
  });
  it('among fewer than ten values keeps the column as text', () => {
    const plan = inferOne([...numbers.slice(0, 8), '12,3x']);
    expect(plan.type).toBe('text');
    expect(plan.warnings[0]).toMatch(/kept as text/);
  });
});

describe('inferColumns: keepText', () => {
  const cell = (plan: ColumnPlan) => makeCellFunction(plan.type, plan.format, plan.sourceType);

  it('true on a CSV column keeps its text as written: not trimmed, no default null tokens', () => {
    const plan = inferOne([' Namibia ', 'NA', '', 'x'], { column: { keepText: true } });
    expect(plan.type).toBe('text');
    expect(plan.format.keepText).toBe(true);
    expect(plan.format.nullTokens).toEqual([]);
    expect(plan.nullCount).toBe(0);
    const f = cell(plan);
    expect([' Namibia ', 'NA', '', null].map((v) => f(v))).toEqual([' Namibia ', 'NA', '', null]);
  });

  it("false on a database's text reads it like a CSV cell (trimmed, the default null tokens)", () => {
    const [plan] = inferColumns({
      columns: ['code'],
      sample: [[' FR '], ['NA'], ['DE']],
      spec: { format: {}, columns: [{ source: 'code', keepText: false }] },
      sourceTypes: ['text'],
    });
    expect(plan!.format.keepText).toBeUndefined();
    const f = cell(plan!);
    expect([' FR ', 'NA'].map((v) => f(v))).toEqual(['FR', null]);
  });

  it('has no effect on a column of another type', () => {
    const plan = inferOne(['1', ' 2 ', 'NA'], { column: { keepText: true } });
    expect(plan.type).toBe('integer');
    expect(plan.format.keepText).toBeUndefined();
  });
});

describe('inferColumns: an existing table types the columns the job does not', () => {
  const intoTable = (
    values: readonly string[],
    table: ColumnType,
    display: string,
    format: FormatOptions = {},
  ) => {
    const [plan] = inferColumns({
      columns: ['d'],
      sample: values.map((v) => [v]),
      spec: { format },
      targetTypes: new Map([['d', { type: table, display }]]),
    });
    return plan!;
  };

  it('keeps a sample of dates as dates into a timestamp column: midnight UTC, not midnight in the job zone', () => {
    // Read as timestamptz, '2024-03-05' in a Berlin job is 2024-03-04 23:00 UTC: in a `timestamp`
    // column the day before, every value moved without a word (dates loaded at midnight until then).
    for (const display of ['timestamp without time zone', 'timestamp with time zone']) {
      const plan = intoTable(['2024-03-05', '2024-03-06'], 'timestamptz', display, {
        timeZone: 'Europe/Berlin',
      });
      expect(plan.type).toBe('date');
      expect(plan.typedByTarget).toBeUndefined();
      expect(makeCellFunction(plan.type, plan.format)('2024-03-05')).toBe('2024-03-05');
    }
  });

  it('still types by the table what the column would refuse: text with a few bad dates, a date into a text column', () => {
    const bad = intoTable(['2024-03-05', 'soon', 'later'], 'timestamptz', 'timestamp without time zone');
    expect(bad).toMatchObject({ type: 'timestamptz', typedByTarget: { sampled: 'text' } });
    expect(intoTable(['2024-03-05', '2024-03-06'], 'text', 'text')).toMatchObject({
      type: 'text',
      typedByTarget: { sampled: 'date' },
    });
  });
});

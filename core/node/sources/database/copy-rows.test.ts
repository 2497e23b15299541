import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rejection } from '../../../common/normalize/cell.ts';
import { makeCellFunction } from '../../../common/normalize/column-rule.ts';
import { DEFAULT_NULL_TOKENS } from '../../../common/normalize/defaults.ts';
import { unescapeCopyField } from '../../pg/copy-escapes.ts';
import { bitNumber, hexText, utcTimestamp } from '../mysql/mysql-values.ts';
import { sqliteValue } from '../sqlite/sqlite-types.ts';
import type { CopyTextKind } from '../verbatim-rows.ts';
import { fieldWriter, RowBytes } from './copy-rows.ts';

/** What the writer of `kind` writes for `value`, or null when it leaves the row to the usual path. */
function written(
  kind: CopyTextKind,
  value: unknown,
  nullTokens: readonly string[] = ['', 'NULL'],
): string | null {
  const out = new RowBytes(16);
  return fieldWriter({ kind, check: null, nullTokens, type: 'text', timeZone: 'UTC' })!(value, out)
    ? out.buf.toString('utf8', 0, out.at)
    : null;
}

const format = {
  nullTokens: ['', 'NULL'],
  decimalSeparator: '.' as const,
  percent: 'keep' as const,
  dateOrder: 'DMY' as const,
  timeZone: 'UTC',
  twoDigitYearPivot: 50,
};

describe('SQLite values written as COPY text', () => {
  it('writes integers and reals exactly as String does (what the normalizer keeps), or not at all', () => {
    const values: number[] = [
      0,
      0.01,
      -0.05,
      0.1,
      12.5,
      98105.09,
      -98105.9,
      1e11 + 0.01,
      999999999999.99,
      0.3,
    ];
    values.push(0.1 + 0.2, 1e-7, 123456789.123, 5, -5, 1e15, 2 ** 52, 1e20, 1 / 3, 1e12 + 0.01);
    for (let i = 0; i < 20000; i++) {
      values.push(
        Math.round((Math.random() - 0.5) * 1e9) / 100,
        (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 14),
      );
    }
    // A real JS writes with an exponent (1e-7) is left to the usual path.
    for (const v of values)
      expect(written('decimalValue', v)).toBe(String(v).includes('e') ? null : String(v));
    for (const v of [1e21, 1e-7 / 2, -0, Number.POSITIVE_INFINITY, Number.NaN])
      expect(written('decimalValue', v)).toBeNull();
    const integers = [
      0n,
      1n,
      -1n,
      9n,
      10n,
      99n,
      100n,
      9007199254740991n,
      -9007199254740991n,
      10n ** 15n,
      10n ** 15n - 1n,
    ];
    for (const v of integers) {
      expect(written('integerValue', v)).toBe(String(v));
      expect(written('decimalValue', v)).toBe(String(v));
    }
    // Beyond 2^53 (read as digits, through the usual path), a real in an integer column, a text.
    for (const v of [9007199254740992n, 2.5, 'twelve', '9007199254740993', ' 12', '0']) {
      expect(written('integerValue', v, ['', '0'])).toBeNull();
    }
    // A number or a decimal's digits as MySQL gives them (BIGINT and DECIMAL come as text).
    expect([
      written('integerValue', 42),
      written('integerValue', '-42'),
      written('int4Value', -2147483648),
    ]).toEqual(['42', '-42', '-2147483648']);
    for (const v of [2147483648, 1.5, 12n, '12']) expect(written('int4Value', v)).toBeNull();
    expect([written('decimalValue', '98105.09'), written('decimalValue', '-0.50')]).toEqual([
      '98105.09',
      '-0.50',
    ]);
    for (const v of ['1e5', '.5', '5.', '1,5', 'NULL', ' 5']) expect(written('decimalValue', v)).toBeNull();
    expect([written('bitValue', 0n), written('bitValue', 1n), written('bitValue', 2n)]).toEqual([
      '0',
      '1',
      null,
    ]);
    expect([written('bitValue', 0), written('bitValue', 1), written('bitValue', true)]).toEqual([
      '0',
      '1',
      null,
    ]);
  });

  it('writes a date or naive timestamp only where the normalizer reads the same value', () => {
    const date = makeCellFunction('date', format, 'date');
    const stamp = makeCellFunction('timestamptz', format, 'timestamptz');
    const dates = ['2024-01-05', '0001-01-01', '9999-12-31', '2000-02-29', '1900-02-29', '2023-02-29'];
    dates.push(
      '0000-01-01',
      '2024-13-01',
      '2024-04-31',
      '2024-1-05',
      ' 2024-01-05',
      '2024-01-05 ',
      '24-01-05',
    );
    for (const d of dates) {
      const w = written('isoDateValue', d);
      if (w !== null) expect(date(d)).toBe(w);
      else
        expect(
          ['2024-1-05', ' 2024-01-05', '2024-01-05 ', '24-01-05'].includes(d) || typeof date(d) !== 'string',
        ).toBe(true);
    }
    expect(written('isoDateValue', 'NULL', ['NULL'])).toBeNull();
    const stamps = [
      '2024-01-05 10:11:12',
      '2024-01-05 10:11:12.5',
      '2024-01-05 10:11:12.123456',
      '0001-01-01 00:00:00',
    ];
    for (const s of stamps) {
      expect(written('naiveTimestampValue', s)).toBe(s);
      expect(Date.parse(String(stamp(s)))).toBe(Date.parse(`${s}Z`.replace(' ', 'T')));
    }
    const refused = [
      '2024-01-05 24:00:00',
      '2024-01-05 23:59:60',
      '2024-01-05 10:11:12.1234567',
      '2024-01-05T10:11:12',
    ];
    refused.push('2024-01-05 10:11:12+02', '2024-01-05 10:11', '2024-02-30 10:11:12');
    for (const s of refused) expect(written('naiveTimestampValue', s)).toBeNull();
  });

  it('writes a text escaped, when the normalizer keeps it as it is', () => {
    for (const t of [
      'plain',
      'tab\there',
      'line\nnext\r\n',
      'back\\slash',
      'ünïcode 😀 mixed\tescape',
      'x\\N',
    ]) {
      const w = written('text', `a${t}z`);
      expect(w).not.toBeNull();
      expect(unescapeCopyField(w!, 0, w!.length)).toBe(`a${t}z`);
    }
    for (const t of ['', ' lead', 'trail ', '\tx', 'NULL', 'nul\0char', '\u00a0nbsp']) {
      expect(written('text', t, DEFAULT_NULL_TOKENS)).toBeNull();
    }
    expect(written('text', Buffer.from([0, 255, 16]))).toBe('00ff10');
    expect(written('text', 12n)).toBeNull();
  });
});

// Generated SQLite values, near the edges of each rule: whatever the writer takes must load as the
// normalizer loads the cell the usual path gives (`sqliteValue`) for a column of that very type.

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);
const generatedFormat = { ...format, nullTokens: [...DEFAULT_NULL_TOKENS] };

const dateText = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 10_000 }), oneOf(1, 9999)),
    fc.oneof(fc.integer({ min: 0, max: 13 }), oneOf(1, 2, 12)),
    fc.oneof(fc.integer({ min: 0, max: 32 }), oneOf(1, 28, 29, 30, 31)),
  )
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);

const stampText = fc
  .tuple(
    dateText,
    oneOf(' ', 'T'),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 61 }),
    fc.integer({ min: 0, max: 61 }),
    fc.option(fc.stringMatching(/^\.[0-9]{0,8}$/)),
    oneOf('', '', 'Z', '+02:00', ' '),
  )
  .map(
    ([d, t, h, m, s, fraction, zone]) =>
      `${d}${t}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${fraction ?? ''}${zone}`,
  );

const someText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({
    unit: oneOf(' ', '\u00a0', '\t', '\n', '\r', '\\', 'N', 'a', 'é', '\u2028', '\0', '😀', '\ufeff'),
    maxLength: 6,
  }),
  oneOf(...DEFAULT_NULL_TOKENS, ' NULL', 'NULL ', 'x'),
);

/** Per writer kind: the column type it is offered for, and values as better-sqlite3 gives them. */
const GENERATED: [CopyTextKind, ColumnTypeName, fc.Arbitrary<unknown>][] = [
  [
    'integerValue',
    'bigint',
    fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }),
      fc.double(),
      fc.stringMatching(/^[-+ ]?[0-9]{1,20}$/),
      someText,
    ),
  ],
  [
    'int4Value',
    'integer',
    fc.oneof(
      fc.integer({ min: -(2 ** 32), max: 2 ** 32 }),
      fc.double(),
      fc.bigInt({ min: -9n, max: 9n }),
      someText,
    ),
  ],
  [
    'decimalValue',
    'numeric',
    fc.oneof(
      fc.double(),
      fc.integer({ min: -(10 ** 14), max: 10 ** 14 }).map((cents) => cents / 100),
      fc.integer({ min: -(10 ** 9), max: 10 ** 9 }).map((mills) => mills / 1000),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.stringMatching(/^[-+]?[0-9]{0,20}(\.[0-9]{0,12})?([eE][-+]?[0-9]{1,3})?$/),
      someText,
    ),
  ],
  [
    'bitValue',
    'boolean',
    fc.oneof(oneOf<unknown>(0n, 1n, 2n, -1n, 0, 1, 0.5, true, 'true', '1', 't'), fc.bigInt()),
  ],
  ['isoDateValue', 'date', fc.oneof(dateText, stampText, someText, fc.bigInt({ min: 0n, max: 99_999_999n }))],
  ['naiveTimestampValue', 'timestamptz', fc.oneof(stampText, dateText, someText, fc.double())],
  [
    'text',
    'text',
    fc.oneof(
      someText,
      fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
      fc.bigInt({ min: -99n, max: 99n }),
      fc.double(),
    ),
  ],
];

type ColumnTypeName = 'bigint' | 'integer' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'text';

/** What PostgreSQL reads from a written field, in the normalizer's terms for the column's type. */
function asRead(type: ColumnTypeName, field: string): unknown {
  const text = unescapeCopyField(field, 0, field.length);
  if (type === 'boolean') return text === '1' || text === 't';
  if (type === 'timestamptz') return instant(text);
  if (type === 'bigint' || type === 'integer' || type === 'numeric') return decimal(text);
  return text;
}

/** A number's text as PostgreSQL keeps it: no leading zeros, no sign on zero, the scale kept. */
function decimal(text: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) throw new Error(`not a plain number: ${text}`);
  const whole = m[2]!.replace(/^0+(?=\d)/, '');
  const fraction = m[3] ?? '';
  return `${/^[0.]+$/.test(whole + fraction) ? '' : m[1]}${whole}${fraction}`;
}

/** An instant to the microsecond: naive text read in UTC (the load's session), or with its Z. */
function instant(text: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(text);
  if (!m) throw new Error(`not a timestamp: ${text}`);
  return `${Date.parse(`${m[1]}T${m[2]}Z`)}.${(m[3] ?? '').padEnd(6, '0')}`;
}

/**
 * Checks 3,000 generated values of `kind`: what is written loads as the normalizer loads the cell
 * `read` makes of the value (the source reader's own conversion).
 */
function checkGenerated(
  kind: CopyTextKind,
  type: ColumnTypeName,
  read: (value: unknown) => unknown,
  values: fc.Arbitrary<unknown>,
  seed: number,
): void {
  const rule = makeCellFunction(type, generatedFormat, type);
  let passed = 0;
  fc.assert(
    fc.property(values, (value) => {
      const field = written(kind, value, generatedFormat.nullTokens);
      if (field === null) return;
      passed++;
      const normalized = rule(read(value) as never);
      expect(normalized, String(value)).not.toBeInstanceOf(Rejection);
      expect(normalized, String(value)).not.toBeNull();
      const expected =
        type === 'timestamptz'
          ? instant(String(normalized))
          : type === 'boolean'
            ? normalized
            : type === 'text' || type === 'date'
              ? String(normalized)
              : decimal(String(normalized));
      expect(asRead(type, field), String(value)).toEqual(expected);
    }),
    { numRuns: 3000, seed },
  );
  // Not vacuous: a good share of the values are taken.
  expect(passed).toBeGreaterThan(50);
}

describe('SQLite values written as COPY text, generated', () => {
  for (const [kind, type, values] of GENERATED) {
    it(`${kind} (${type}): what is written loads as the normalizer loads the usual cell`, () => {
      checkGenerated(kind, type, sqliteValue, values, 20261206);
    });
  }
});

/** MySQL's own kinds: values as mysql2 gives them, read by the MySQL reader's function. */
const MYSQL_GENERATED: [CopyTextKind, ColumnTypeName, (value: unknown) => unknown, fc.Arbitrary<unknown>][] =
  [
    [
      'utcTimestampValue',
      'timestamptz',
      utcTimestamp,
      fc.oneof(stampText, dateText, someText, oneOf('0000-00-00 00:00:00', '2024-02-30 10:00:00')),
    ],
    [
      'bitValue',
      'boolean',
      bitNumber,
      fc.oneof(
        fc.uint8Array({ maxLength: 2 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom(Buffer.from([0]), Buffer.from([1]), 0, 1, 2),
      ),
    ],
    [
      'hexBytesValue',
      'text',
      hexText,
      fc.oneof(
        fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
        someText,
      ),
    ],
  ];

describe('MySQL values written as COPY text, generated', () => {
  for (const [kind, type, read, values] of MYSQL_GENERATED) {
    it(`${kind} (${type}): what is written loads as the normalizer loads the usual cell`, () => {
      checkGenerated(kind, type, read, values, 20261207);
    });
  }
});

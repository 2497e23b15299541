import { describe, expect, it } from 'vitest';
import { makeCellFunction } from '../../../common/normalize/column-rule.ts';
import { DEFAULT_NULL_TOKENS } from '../../../common/normalize/defaults.ts';
import { unescapeCopyField } from '../postgres/copy-text.ts';
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

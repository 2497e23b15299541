import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rejection } from '../../../common/normalize/cell.ts';
import type { ResolvedFormat } from '../../../common/normalize/column-plan.ts';
import { makeCellFunction } from '../../../common/normalize/column-rule.ts';
import { type ColumnType, JsonNumber, type RawValue } from '../../../common/types.ts';
import { unescapeCopyField } from '../../pg/copy-escapes.ts';
import { NdjsonLineParser } from '../ndjson/ndjson-line.ts';
import type { SourceRow } from '../types.ts';
import { isJsonTimestamp, JsonCopyRuns, jsonCopyReparse } from './json-copy-rows.ts';
import { ColumnIndex } from './json-record.ts';
import { copyRunsFor } from './json-verbatim-fixtures.ts';

// The JSON record writer against the normalizer: a value is written as COPY text only where the
// normalizer would load the very value PostgreSQL reads from that text, and a written line reads back
// into the cells the JSON reader gives.

const format = (timeZone = 'UTC'): ResolvedFormat => ({
  nullTokens: ['', 'NULL', 'null', 'N/A'],
  decimalSeparator: '.',
  percent: 'keep',
  dateOrder: 'DMY',
  timeZone,
  twoDigitYearPivot: 70,
});

/** Writes `{"v": <json>}` for one column of `type`: the COPY field, or null when it does not pass. */
function field(type: ColumnType, json: string, timeZone = 'UTC'): string | null {
  const f = format(timeZone);
  const runs = JsonCopyRuns.create(
    ['v'],
    [{ kind: 'jsonValue', check: null, type, timeZone, nullTokens: f.nullTokens }],
  )!;
  const out: SourceRow[] = [];
  const text = `{"v":${json}}`;
  if (!runs.write(text, 0, text.length, 1, out)) return null;
  runs.take(out);
  const row = out[0]!;
  return row.bytes!.toString('utf8', row.textStart, row.textEnd);
}

/** The cell the JSON reader gives for `json`, and what the normalizer makes of it. */
function normalized(type: ColumnType, json: string, timeZone = 'UTC'): { cell: RawValue; value: unknown } {
  const parser = new NdjsonLineParser();
  const columns = new ColumnIndex();
  columns.learn(['v']);
  parser.fixColumns(columns);
  const row = parser.parse(`{"v":${json}}`, 1) as SourceRow;
  const cell = row.values[0]!;
  return { cell, value: makeCellFunction(type, format(timeZone))(cell) };
}

/** What PostgreSQL reads from a COPY field, in the normalizer's terms, for the column's type. */
function readBack(type: ColumnType, copyField: string): unknown {
  if (copyField === '\\N') return null;
  const text = unescapeCopyField(copyField, 0, copyField.length);
  switch (type) {
    case 'boolean':
      return text === 't';
    case 'timestamptz': {
      // The instant, to the microsecond (naive text is read in UTC by the load's session).
      const m = /^(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(text.replace('T', ' '))!;
      const ms = Date.parse(`${m[1]!.replace(' ', 'T')}${m[3] ?? 'Z'}`);
      return `${ms}.${(m[2] ?? '').padEnd(6, '0')}`;
    }
    default:
      return text;
  }
}

function normalizedAsRead(type: ColumnType, value: unknown): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (type === 'timestamptz') {
    const text = String(value);
    const m = /^(.{19})(?:\.(\d+))?Z$/.exec(text)!;
    return `${Date.parse(`${m[1]}Z`)}.${(m[2] ?? '').padEnd(6, '0')}`;
  }
  return String(value);
}

const CASES: Record<string, string[]> = {
  integer: [
    '0',
    '7',
    '-12',
    '2147483647',
    '-2147483648',
    '2147483648',
    '-2147483649',
    '-0',
    '1.0',
    '1e3',
    '"12"',
    'true',
    'null',
    '01',
    '1.',
    '-',
  ],
  bigint: ['0', '123456789012345678', '1234567890123456789', '9007199254740993', '-5', '-0', '2E2', '"5"'],
  numeric: [
    '0',
    '1.10',
    '-0.5',
    '0.000',
    '98105.09',
    '123456789012345678901234.5',
    '-0',
    '-0.0',
    '1e5',
    '1E-3',
    '.5',
    '"1.5"',
    'false',
  ],
  boolean: ['true', 'false', 'null', '"true"', '1', '0', 'tru', 'falsey'],
  date: [
    '"2021-01-15"',
    '"2024-02-29"',
    '"2023-02-29"',
    '"0001-01-01"',
    '"0000-01-01"',
    '"2021-1-5"',
    '" 2021-01-15"',
    '"2021-01-15T00:00:00"',
    '"2021\\u002d01-15"',
    '20210115',
    'null',
  ],
  timestamptz: [
    '"2021-01-15 17:25:59"',
    '"2021-01-15T17:25:59"',
    '"2021-01-15T17:25:59Z"',
    '"2021-01-15T17:25:59.5Z"',
    '"2021-01-15 17:25:59.123456+05:30"',
    '"2021-01-15 17:25:59-08:00"',
    '"2021-01-15T17:25:59+14:00"',
    '"2021-01-15T17:25:59+15:00"',
    '"2021-01-15 17:25:59.1234567"',
    '"2021-01-15 24:00:00"',
    '"2021-01-15 23:59:60"',
    '"2021-01-15 17:25"',
    '"2021-01-15 17:25:59 UTC"',
    '"2021-01-15T17:25:59+0530"',
    '1610731559',
    '"0001-01-01 00:00:00-00:01"',
    '"0001-01-01T00:00:00Z"',
    '"9999-12-31 23:59:59.999999Z"',
    '"9999-12-31 23:00:00+01:00"',
  ],
  text: [
    '"plain"',
    '"said \\"hi\\", then left\\nline two\\ttab \\\\ slash \\/"',
    '"caf\\u00e9 ü 😀 \\ud83d\\ude00"',
    '"\\b\\f"',
    '"  padded "',
    '"x "',
    '"\\u00a0x"',
    '""',
    '"NULL"',
    '"N/A"',
    '"N/B"',
    '"nul\\u006c"',
    '"a\\u0000b"',
    '"\\ud83d"',
    '"\\ude00x"',
    '12',
    'true',
    '{"a":1}',
    '[1,2]',
    '"bad \\x escape"',
  ],
};

describe('JSON values written as COPY text', () => {
  for (const [type, values] of Object.entries(CASES) as [ColumnType, string[]][]) {
    it(`${type}: a value passes only where the normalizer loads what PostgreSQL reads from the text`, () => {
      let passed = 0;
      for (const json of values) {
        const written = field(type, json);
        if (written === null) continue;
        passed++;
        const { value } = normalized(type, json);
        expect(value, json).not.toBeInstanceOf(Rejection);
        expect(readBack(type, written), json).toEqual(normalizedAsRead(type, value));
      }
      expect(passed).toBeGreaterThan(1);
    });
  }

  it('writes exactly the expected fields and refuses the rest', () => {
    expect(field('integer', '-12')).toBe('-12');
    expect(field('integer', '2147483648')).toBeNull();
    expect(field('integer', '-0')).toBeNull();
    expect(field('bigint', '123456789012345678')).toBe('123456789012345678');
    expect(field('bigint', '1234567890123456789')).toBeNull();
    expect(field('numeric', '1.10')).toBe('1.10');
    expect(field('numeric', '-0.0')).toBeNull();
    expect(field('numeric', '1e5')).toBeNull();
    expect(field('boolean', 'true')).toBe('t');
    expect(field('boolean', '"true"')).toBeNull();
    expect(field('date', '"2024-02-29"')).toBe('2024-02-29');
    expect(field('date', '"2023-02-29"')).toBeNull();
    expect(field('timestamptz', '"2021-01-15 17:25:59"')).toBe('2021-01-15 17:25:59');
    // A naive time is written only for a UTC job (the load's session reads it in UTC).
    expect(field('timestamptz', '"2021-01-15 17:25:59"', 'Europe/Paris')).toBeNull();
    expect(field('timestamptz', '"2021-01-15 17:25:59Z"', 'Europe/Paris')).toBe('2021-01-15 17:25:59Z');
    // An offset that moves the instant out of years 0001–9999 (the normalizer rejects it).
    expect(field('timestamptz', '"0001-01-01 00:00:00+00:01"')).toBeNull();
    expect(field('timestamptz', '"9999-12-31T23:59:59-01:00"')).toBeNull();
    expect(field('text', '"said \\"hi\\"\\nnext\\ttab \\\\ \\/"')).toBe('said "hi"\\nnext\\ttab \\\\ /');
    expect(field('text', '"caf\\u00e9 😀"')).toBe('café 😀');
    expect(field('text', '"\\ud83d\\ude00"')).toBe('😀');
    expect(field('text', '"  padded "')).toBeNull();
    expect(field('text', '"NULL"')).toBeNull();
    expect(field('text', '"N/B"')).toBe('N/B');
    expect(field('text', 'null')).toBe('\\N');
    expect(field('text', '"a\\u0000b"')).toBeNull();
  });

  it('an ISO date reads as itself whatever the date order of its column (the writer does not look at it)', () => {
    for (const dateOrder of ['DMY', 'MDY', 'YMD'] as const) {
      const rule = makeCellFunction('date', { ...format(), dateOrder });
      for (const day of ['2021-01-12', '2021-12-01', '0001-02-03', '2024-02-29']) expect(rule(day)).toBe(day);
    }
  });

  it('timestamps: the shapes taken', () => {
    const ok = (s: string, naive = true) => isJsonTimestamp(s, 0, s.length, naive);
    expect(ok('2021-01-15 17:25:59')).toBe(true);
    expect(ok('2021-01-15 17:25:59', false)).toBe(false);
    expect(ok('2021-01-15T17:25:59.123456Z', false)).toBe(true);
    expect(ok('2021-01-15T17:25:59.Z')).toBe(false);
    expect(ok('2021-01-15T17:25:59+05:3')).toBe(false);
  });

  it('takes a record only with the columns as keys, each once, and the whole text', () => {
    const runs = copyRunsFor(['id', 'name'], ['bigint', 'text']);
    const out: SourceRow[] = [];
    let line = 1;
    const ok = (text: string) => runs.write(text, 0, text.length, line, out);
    expect(ok(' { "id" : 1 , "name" : "a" } ')).toBe(true);
    line = 2;
    expect(ok('{"name":"a","id":1,"name":"b"}')).toBe(false);
    expect(ok('{"id":1,"id":2}')).toBe(false);
    expect(ok('{"id":1,"name":"a","extra":2}')).toBe(false);
    expect(ok('{"id":1,"name":"a"}x')).toBe(false);
    expect(ok('{"id":1,"name":"a"')).toBe(false);
    expect(ok('{"i\\u0064":1,"name":"a"}')).toBe(false);
    expect(ok('{"id":1,"name":{"a":1}}')).toBe(false);
    // writeNext finds the record's end in a longer text.
    const text = '{"id":2,"name":"b"},{"id":3,"name":"c"}';
    const past = runs.writeNext(text, 0, text.length, 2, out);
    expect(text.slice(past)).toBe(',{"id":3,"name":"c"}');
    // A record whose number does not follow the run's last starts a new run.
    expect(runs.writeNext(text, past + 1, text.length, 10, out)).toBe(text.length);
    runs.take(out);
    expect(out.map((r) => [r.line, r.rows, r.bytes!.toString('utf8', r.textStart, r.textEnd)])).toEqual([
      [1, 2, '1\ta\n2\tb'],
      [10, 1, '3\tc'],
    ]);
  });

  it('takes a record without some keys or with its keys in another order; not one that may not be NULL', () => {
    const runs = copyRunsFor(['id', 'name', 'n'], ['bigint', 'text', 'integer']);
    const out: SourceRow[] = [];
    const records = [
      '{"id":1}',
      '{"name":"b"}',
      '{ }',
      '{"n":3,"id":4}',
      '{"id":5,"n":6}',
      '{"name":"f","n":7}',
      '{"n":8,"id":9,"id":10}',
      '{"n":8,"other":1}',
      '{ "name" : "q\\"\\u00e9" , "n":null, "id": 11 }',
    ];
    const taken = records.map((text, k) => runs.write(text, 0, text.length, k + 1, out));
    // Keys in another order go too (written in the columns' order); a repeated or unknown key does not.
    expect(taken).toEqual([true, true, true, true, true, true, false, false, true]);
    runs.take(out);
    expect(out.map((r) => r.bytes!.toString('utf8', r.textStart, r.textEnd))).toEqual([
      '1\t\\N\t\\N\n\\N\tb\t\\N\n\\N\t\\N\t\\N\n4\t\\N\t3\n5\t\\N\t6\n\\N\tf\t7',
      '11\tq"é\t\\N',
    ]);
    // A watermark column (not NULL) that is absent sends the record the usual way.
    const watermark = JsonCopyRuns.create(
      ['id', 'at'],
      [
        { kind: 'jsonValue', check: null, type: 'bigint', timeZone: 'UTC', nullTokens: [''] },
        { kind: 'jsonValue', check: null, type: 'bigint', timeZone: 'UTC', nullTokens: [''], notNull: true },
      ],
    )!;
    expect(watermark.write('{"id":1}', 0, 8, 1, out)).toBe(false);
    expect(watermark.write('{"id":1,"at":2}', 0, 15, 1, out)).toBe(true);
  });

  it('a record refused after its run was ended into a fresh buffer leaves nothing behind', () => {
    const runs = copyRunsFor(['id', 'name'], ['bigint', 'text']);
    const out: SourceRow[] = [];
    // 62,000 lines of 16 bytes: the run ends within 64 KB of its 1 MB buffer's end.
    for (let line = 1; line <= 62_000; line++) {
      const record = `{"id":${100_000 + line},"name":"abcdefgh"}`;
      expect(runs.write(record, 0, record.length, line, out)).toBe(true);
    }
    // Not the next line (the run ends, the next goes into a new buffer), and not one record.
    const twice = '{"id":1,"name":"a"} {"id":2,"name":"b"}';
    expect(runs.write(twice, 0, twice.length, 62_005, out)).toBe(false);
    const good = '{"id":7,"name":"seven"}';
    expect(runs.write(good, 0, good.length, 62_006, out)).toBe(true);
    runs.take(out);
    expect(out).toHaveLength(2);
    expect(out[0]!.rows).toBe(62_000);
    const last = out[1]!;
    expect([last.line, last.rows, last.bytes!.toString('utf8', last.textStart, last.textEnd)]).toEqual([
      62_006,
      1,
      '7\tseven',
    ]);
  });

  it('runs move to a fresh buffer as they outgrow its room: none grows with the bytes before it', () => {
    const runs = copyRunsFor(['id', 'name'], ['bigint', 'text']);
    const out: SourceRow[] = [];
    const record = (line: number) => `{"id":${line},"name":"n${line % 97}"}`;
    // 400,000 lines (~5.6 MB), a run ended every 10,000 (as a reader ends one per batch): before,
    // the 1 MB buffer doubled in place each time a run outgrew it, copying every byte written since
    // it began (an NDJSON load reached buffers of 128 MB).
    for (let line = 1; line <= 400_000; line++) {
      const text = record(line);
      if (!runs.write(text, 0, text.length, line, out)) throw new Error(`line ${line} not written`);
      if (line % 10_000 === 0) runs.take(out);
    }
    runs.take(out);
    // One long run (~2.6 MB) too: its buffer is at most twice its size.
    for (let line = 400_001; line <= 600_000; line++) {
      const text = record(line);
      if (!runs.write(text, 0, text.length, line, out)) throw new Error(`line ${line} not written`);
    }
    runs.take(out);
    expect(out).toHaveLength(41);
    const text = (row: SourceRow) => row.bytes!.toString('utf8', row.textStart, row.textEnd);
    const lines = out.flatMap((row) => text(row).split('\n'));
    expect(lines).toHaveLength(600_000);
    expect([lines[0], lines[99_999], lines[599_999]]).toEqual(['1\tn1', '100000\tn90', '600000\tn55']);
    const largest = Math.max(...out.slice(0, 40).map((row) => row.bytes!.length));
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
    const long = out[40]!;
    expect(long.bytes!.length).toBeLessThanOrEqual(2 * (long.textEnd! - long.textStart! + 1) + 1024 * 1024);
  });

  it('a written line reads back into the cells the JSON reader gives', () => {
    const types: ColumnType[] = ['integer', 'numeric', 'boolean', 'date', 'timestamptz', 'text', 'text'];
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const runs = copyRunsFor(names, types);
    const record =
      '{"a":-7,"b":1.10,"c":false,"d":"2024-02-29","e":"2024-01-01T10:00:00Z","f":"x\\ty\\\\z\\n😀","g":null}';
    const out: SourceRow[] = [];
    expect(runs.write(record, 0, record.length, 1, out)).toBe(true);
    runs.take(out);
    const line = out[0]!.bytes!.toString('utf8', out[0]!.textStart, out[0]!.textEnd);
    const parser = new NdjsonLineParser();
    const columns = new ColumnIndex();
    columns.learn(names);
    parser.fixColumns(columns);
    const cells = (parser.parse(record, 1) as SourceRow).values;
    const again = jsonCopyReparse(types)(line);
    expect(again).toEqual(cells);
    expect(again[0]).toBeInstanceOf(JsonNumber);
    expect((again[1] as JsonNumber).text).toBe('1.10');
  });
});

// Generated values, near the edges of each rule: whatever the writer takes must load as the
// normalizer loads it, it must never take text that is not JSON, and a line it wrote must read back
// into the cells the JSON reader gives (what a refused row is reported with).

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);

const jsonNumber = fc
  .tuple(
    oneOf('', '', '-', '+'),
    fc.oneof(fc.stringMatching(/^[0-9]{1,3}$/), fc.stringMatching(/^[0-9]{9,21}$/), oneOf('0', '00', '')),
    fc.option(fc.stringMatching(/^\.[0-9]{0,4}$/)),
    fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{0,2}$/)),
  )
  .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction ?? ''}${exponent ?? ''}`);

const datePart = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 10_000 }), oneOf(1, 9999)),
    fc.oneof(fc.integer({ min: 0, max: 13 }), oneOf(1, 12)),
    fc.oneof(fc.integer({ min: 0, max: 32 }), oneOf(1, 31)),
  )
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);

const timestamp = fc
  .tuple(
    datePart,
    oneOf(' ', 'T', 't', '_'),
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 25 }), oneOf(0, 23)),
      fc.oneof(fc.integer({ min: 0, max: 61 }), oneOf(0, 59)),
      fc.oneof(fc.integer({ min: 0, max: 61 }), oneOf(0, 59)),
    ),
    fc.option(fc.stringMatching(/^\.[0-9]{0,8}$/)),
    fc.oneof(
      oneOf('', 'Z', 'z', ' UTC', '+0530'),
      fc
        .tuple(oneOf('+', '-'), fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 61 }))
        .map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`),
    ),
  )
  .map(
    ([d, t, [h, mi, s], fraction, zone]) =>
      `${d}${t}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${fraction ?? ''}${zone}`,
  );

/** A JSON string as JSON text: stringified, or with some characters written as \u escapes. */
const jsonString = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, fc.boolean()).map(([s, escapeAll]) => {
    const json = JSON.stringify(s);
    if (!escapeAll) return json;
    const inner = [...s].map((c) =>
      c.length === 1 && c.charCodeAt(0) > 0x7e
        ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
        : JSON.stringify(c).slice(1, -1),
    );
    return `"${inner.join('')}"`;
  });

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(' ', '\u00a0', '\t', '\n', '\\', '"', '/', 'a', 'é', '\u2028', '\0', '😀'),
    maxLength: 6,
  }),
  oneOf('', 'NULL', 'null', 'N/A', 'N/B', ' NULL', '-'),
);

/** JSON text for a value of a column of `type`, valid or not. */
const VALUES: Record<string, fc.Arbitrary<string>> = {
  integer: fc.oneof(
    jsonNumber,
    oneOf('2147483647', '-2147483648', '2147483648', '-2147483649', 'null', '"7"'),
  ),
  bigint: fc.oneof(jsonNumber, oneOf('999999999999999999', '-999999999999999999', '9223372036854775808')),
  numeric: jsonNumber,
  boolean: oneOf('true', 'false', 'null', '"true"', '1', '0', 'True', 'tru'),
  date: fc.oneof(jsonString(datePart), jsonString(timestamp), jsonString(anyText)),
  timestamptz: fc.oneof(jsonString(timestamp), jsonString(datePart), jsonNumber),
  text: fc.oneof(
    jsonString(anyText),
    jsonNumber,
    oneOf('true', 'null', '{}', '[1]', '"\\x"', '"\\ud83d"', '"a\u0001b"'),
  ),
};

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('JSON values written as COPY text, generated', () => {
  for (const [type, values] of Object.entries(VALUES) as [ColumnType, fc.Arbitrary<string>][]) {
    it(`${type}: what is written loads as the normalizer loads it; nothing that is not JSON is written`, () => {
      let passed = 0;
      fc.assert(
        fc.property(values, oneOf('UTC', 'America/New_York'), (json, timeZone) => {
          const written = field(type, json, timeZone);
          if (written !== null) passed++;
          if (!isJson(`{"v":${json}}`)) {
            expect(written, json).toBeNull();
            return;
          }
          if (written === null) return;
          const { cell, value } = normalized(type, json, timeZone);
          expect(value, json).not.toBeInstanceOf(Rejection);
          expect(readBack(type, written), json).toEqual(normalizedAsRead(type, value));
          expect(jsonCopyReparse([type])(written), json).toEqual([cell]);
        }),
        { numRuns: 3000, seed: 20261206 },
      );
      // Not vacuous: a good share of the values are taken (100–1,100 of 3,000 per type).
      expect(passed).toBeGreaterThan(50);
    });
  }
});

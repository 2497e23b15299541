import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonText, type RawValue } from '../../../common/types.ts';
import { ColumnIndex, ProblemItem, RecordItem } from '../json/json-record.ts';
import { NdjsonLineParser } from './ndjson-line.ts';

function fields(text: string): Record<string, unknown> {
  const item = new NdjsonLineParser().parse(text, 1);
  if (!(item instanceof RecordItem)) throw new Error(`not a record: ${JSON.stringify(item)}`);
  const out: Record<string, unknown> = {};
  item.keys.forEach((k, i) => {
    const v = item.values[i];
    out[k] = v instanceof JsonNumber ? `#${v.text}` : v instanceof JsonText ? `json:${v.text}` : v;
  });
  return out;
}

describe('NdjsonLineParser', () => {
  it('finds the exact text of top-level numbers whatever surrounds them', () => {
    expect(
      fields(
        ' { "a\\"b" : 1.50 , "s": "x,\\"y\\": 2", "n": {"in": 3.0, "arr": [4, "}"]}, "e\\u0041": -7E-2 ,"z":0}\t',
      ),
    ).toEqual({ 'a"b': '#1.50', s: 'x,"y": 2', n: 'json:{"in":3.0,"arr":[4,"}"]}', eA: '#-7E-2', z: '#0' });
  });

  it('keeps the last of repeated keys, like JSON.parse', () => {
    expect(fields('{"a": 1.0, "b": true, "a": 2.00}')).toEqual({ a: '#2.00', b: true });
  });

  it('returns problems for invalid JSON and non-objects', () => {
    const parser = new NdjsonLineParser();
    const bad = parser.parse('{"a": 01}', 9);
    expect(bad).toBeInstanceOf(ProblemItem);
    expect(bad).toMatchObject({ line: 9, reason: 'invalid_json_line', rawText: '{"a": 01}' });
    expect(parser.parse('42', 3)).toMatchObject({
      reason: 'not_an_object',
      message: 'line 3: expected a JSON object, found a number',
    });
  });

  it('aligns rows with fixed columns', () => {
    const parser = new NdjsonLineParser();
    const columns = new ColumnIndex();
    columns.learn(['b', 'a']);
    parser.fixColumns(columns);
    expect(parser.parse('{"a": 1, "b": "x"}', 4)).toEqual({ line: 4, values: ['x', new JsonNumber('1')] });
    expect(parser.parse('{"a": 2}', 5)).toEqual({ line: 5, values: [null, new JsonNumber('2')] });
  });

  it('round-trips any number text exactly (property)', () => {
    const integer = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String);
    const decimal = fc
      .tuple(integer, fc.stringMatching(/^[0-9]{1,20}$/), fc.option(fc.integer({ min: -400, max: 400 })))
      .map(([i, f, e]) => `${i}.${f}${e === null ? '' : `e${e}`}`);
    const number = fc.oneof(integer, decimal);
    const value = fc.oneof(
      number.map((text) => ({ text, exact: true })),
      fc.jsonValue().map((v) => ({ text: JSON.stringify(v), exact: false })),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), value, { maxKeys: 6 }),
        fc.constantFrom('', ' ', '\t '),
        (record, ws) => {
          const entries = Object.entries(record);
          const line = `{${entries.map(([k, v]) => `${ws}${JSON.stringify(k)}${ws}:${ws}${v.text}`).join(',')}${ws}}`;
          const item = new NdjsonLineParser().parse(line, 1);
          expect(item).toBeInstanceOf(RecordItem);
          const got = item as RecordItem;
          entries.forEach(([key, v]) => {
            const at = got.keys.lastIndexOf(key);
            const actual: RawValue | undefined = got.values[at];
            if (v.exact) expect(actual).toEqual(new JsonNumber(v.text));
            else if (actual instanceof JsonNumber) expect(Number(actual.text)).toBe(JSON.parse(v.text));
            else expect(actual).toEqual(JSON.parse(v.text));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonText, type RawValue } from '../../common/types.ts';
import { parseRaw, rawCellTexts, splitTopLevel, stringifyRaw } from './raw-json.ts';

describe('raw records', () => {
  it('keeps JsonNumber source text exactly', () => {
    const raw: Record<string, RawValue> = {
      price: new JsonNumber('12.50'),
      id: new JsonNumber('12345678901234567890'),
      small: new JsonNumber('7'),
      name: 'a "b"',
      nested: { a: [1, 2, { b: null }] },
      flag: true,
      nothing: null,
    };
    const { json, exact } = stringifyRaw(raw);
    expect(exact).toBe(true);
    expect(json).toContain('"price":12.50');
    expect(json).toContain('"id":12345678901234567890');
    const back = parseRaw(json, exact);
    expect(back.price).toEqual(new JsonNumber('12.50'));
    expect(back.id).toEqual(new JsonNumber('12345678901234567890'));
    expect(back.nested).toEqual({ a: [1, 2, { b: null }] });
    expect([...rawCellTexts(json, exact)]).toEqual([
      ['price', '12.50'],
      ['id', '12345678901234567890'],
      ['small', '7'],
      ['name', 'a "b"'],
      ['nested', '{"a":[1,2,{"b":null}]}'],
      ['flag', 'true'],
      ['nothing', ''],
    ]);
  });

  it('keeps nested JSON holding numbers JSON.parse would change exactly, as JsonText', () => {
    const raw: Record<string, RawValue> = {
      doc: new JsonText('{"id":12345678901234567890,"p":1.10}'),
      plain: { a: [1, 2.5] },
      n: 'x',
    };
    const { json, exact } = stringifyRaw(raw);
    expect(exact).toBe(true);
    expect(json).toBe('{"doc":{"id":12345678901234567890,"p":1.10},"plain":{"a":[1,2.5]},"n":"x"}');
    expect(parseRaw(json, exact)).toEqual(raw);
    expect(rawCellTexts(json, exact).get('doc')).toBe('{"id":12345678901234567890,"p":1.10}');
  });

  it('takes the native path for all-string records', () => {
    const raw = { a: '1', b: '' };
    expect(stringifyRaw(raw)).toEqual({ json: JSON.stringify(raw), exact: false });
    expect(parseRaw(JSON.stringify(raw), false)).toEqual(raw);
  });

  it('a JsonNumber whose text is not a JSON number is kept as a string', () => {
    const { json } = stringifyRaw({ n: new JsonNumber('NaN') });
    expect(JSON.parse(json)).toEqual({ n: 'NaN' });
  });

  it('splits any JSON object into its top-level values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const json = JSON.stringify(obj);
        const pairs = splitTopLevel(json);
        expect(Object.fromEntries(pairs.map(([k, v]) => [k, JSON.parse(v)]))).toEqual(JSON.parse(json));
      }),
    );
  });
});

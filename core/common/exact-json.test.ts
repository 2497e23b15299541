import { describe, expect, it } from 'vitest';
import { stringifyExact } from './exact-json.ts';
import { JsonNumber, JsonText } from './types.ts';

describe('stringifyExact', () => {
  it('writes exact numbers and JSON texts as their text, everything else as JSON.stringify does', () => {
    const value = {
      id: new JsonNumber('12345678901234567890'),
      amount: new JsonNumber('1.10'),
      small: new JsonNumber('12'),
      doc: new JsonText('{"n": 1.10, "big": 98765432109876543210}'),
      list: [new JsonNumber('0.30'), undefined, () => 1, 'x'],
      skipped: undefined,
      nested: { at: new Date(Date.UTC(2026, 0, 2)), flag: true, none: null, text: 'a"b\u0000' },
    };
    const text = stringifyExact(value);
    expect(text).toBe(
      '{"id":12345678901234567890,"amount":1.10,"small":12,"doc":{"n": 1.10, "big": 98765432109876543210},' +
        '"list":[0.30,null,null,"x"],"nested":{"at":"2026-01-02T00:00:00.000Z","flag":true,"none":null,"text":"a\\"b\\u0000"}}',
    );
    // Valid JSON; with no exact value in it, the same as JSON.stringify.
    expect(() => JSON.parse(text)).not.toThrow();
    const plain = { a: [1, 'two', { b: null }], c: false, d: undefined };
    expect(stringifyExact(plain)).toBe(JSON.stringify(plain));
    expect(stringifyExact(undefined)).toBe('null');
  });
});

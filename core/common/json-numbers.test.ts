import { describe, expect, it } from 'vitest';
import { numberIsExact, prettyJson } from './json-numbers.ts';

describe('prettyJson', () => {
  it('lays JSON out on lines and keeps every number as written', () => {
    const text =
      '[{"id":12345678901234567890,"amount":12.50,"tags":["a","b"],"none":{},"list":[],"ok":true}]';
    expect(prettyJson(text)).toBe(
      [
        '[',
        '  {',
        '    "id": 12345678901234567890,',
        '    "amount": 12.50,',
        '    "tags": [',
        '      "a",',
        '      "b"',
        '    ],',
        '    "none": {},',
        '    "list": [],',
        '    "ok": true',
        '  }',
        ']',
      ].join('\n'),
    );
    // What JSON.stringify would have lost.
    expect(numberIsExact('12.50')).toBe(false);
  });

  it('leaves strings alone, brackets, commas, colons, escapes and blanks included', () => {
    const text = '{ "a" : "x, {y}: [z] \\" q" ,"b":"\\\\","c" : [ 1 , -2.0e+3 ] }';
    expect(prettyJson(text)).toBe(
      '{\n  "a": "x, {y}: [z] \\" q",\n  "b": "\\\\",\n  "c": [\n    1,\n    -2.0e+3\n  ]\n}',
    );
    // Valid JSON in, the same value out.
    expect(JSON.parse(prettyJson(text))).toEqual(JSON.parse(text));
  });

  it('an empty array of records, a scalar, and a text cut short come out without an error', () => {
    expect(prettyJson('[]')).toBe('[]');
    expect(prettyJson('7')).toBe('7');
    expect(prettyJson('{"a":[1,')).toBe('{\n  "a": [\n    1,\n    ');
  });
});

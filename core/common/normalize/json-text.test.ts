import { describe, expect, it } from 'vitest';
import { JsonText } from '../types.ts';
import { isRejection, type Rejection } from './cell.ts';
import { jsonbEscapeProblem, jsonTextRule, looksLikeJsonContainer } from './json-text.ts';

function rejection(value: unknown): Rejection {
  if (!isRejection(value)) throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  return value;
}

describe('jsonTextRule', () => {
  it('keeps valid JSON as its exact text, so big and scaled numbers keep every digit', () => {
    const text = '{"id": 12345678901234567890, "price": 1.10, "tags": ["a", "b"]}';
    const result = jsonTextRule(text);
    expect(result).toBeInstanceOf(JsonText);
    expect((result as JsonText).text).toBe(text);
    // For display (toJSON), numbers a JS number would change show as strings of their exact text.
    expect(JSON.stringify({ v: result })).toBe(
      '{"v":{"id":"12345678901234567890","price":"1.10","tags":["a","b"]}}',
    );
    expect(JSON.stringify(new JsonText('[-0.5, 2, "3.10", {"e": 1E3, "f": 1e-7}]'))).toBe(
      '[-0.5,2,"3.10",{"e":"1E3","f":1e-7}]',
    );
  });

  it('accepts any JSON value PostgreSQL jsonb accepts, arrays and scalars included', () => {
    for (const text of [
      '[]',
      '[1, [2, {"a": null}]]',
      '"text"',
      '5',
      'true',
      'null',
      '{"a":"b","a":"c"}',
      '{"":1}',
    ]) {
      expect(jsonTextRule(text)).toBeInstanceOf(JsonText);
    }
  });

  it('rejects invalid JSON with invalid_json and the parser position', () => {
    const result = rejection(jsonTextRule('{"a": 1,}'));
    expect(result.reason).toBe('invalid_json');
    expect(result.message).toMatch(/^'\{"a": 1,\}' is not valid JSON: .*position 8/);
    for (const text of ["{'a': 1}", '{a:1}', '[1, 2', 'NaN', '{"a": 1} // c', 'hello']) {
      expect(rejection(jsonTextRule(text)).reason).toBe('invalid_json');
    }
  });

  it('rejects what jsonb cannot store: \\u0000 and unpaired surrogates', () => {
    expect(rejection(jsonTextRule('{"a": "x\\u0000y"}')).message).toBe(
      `'{"a": "x\\u0000y"}' is valid JSON but PostgreSQL jsonb cannot store it: it holds \\u0000 (NUL)`,
    );
    expect(rejection(jsonTextRule('["\\ud800"]')).message).toContain('unpaired surrogate');
    expect(rejection(jsonTextRule('["\\udc00x"]')).message).toContain('unpaired surrogate');
    expect(jsonTextRule('["\\ud83d\\ude00"]')).toBeInstanceOf(JsonText);
    // An escaped backslash followed by u0000 is plain text, not an escape.
    expect(jsonTextRule('["\\\\u0000"]')).toBeInstanceOf(JsonText);
    expect(jsonbEscapeProblem('{"a":"\\n\\t\\u0041"}')).toBeUndefined();
  });

  it('rejects exponents beyond PostgreSQL numeric, but not the same text inside strings', () => {
    expect(rejection(jsonTextRule('[1e999999]')).message).toContain('1e999999');
    expect(rejection(jsonTextRule('{"a": -1E-20000}')).reason).toBe('invalid_json');
    expect(jsonTextRule('["1e999999"]')).toBeInstanceOf(JsonText);
    expect(jsonTextRule('[1e1000]')).toBeInstanceOf(JsonText);
  });

  it('tells object and array text from other text', () => {
    expect(looksLikeJsonContainer('{"a":1}')).toBe(true);
    expect(looksLikeJsonContainer('[1]')).toBe(true);
    expect(looksLikeJsonContainer('5')).toBe(false);
    expect(looksLikeJsonContainer('{oops')).toBe(false);
  });
});

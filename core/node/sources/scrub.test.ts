import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonText, type RejectedRow } from '../../common/types.ts';
import { Secrets } from './http/secrets.ts';
import { scrubJson, scrubRaw, scrubRejected } from './scrub.ts';

const secrets = new Secrets({});
secrets.remember('Tok/en+1');
secrets.remember('98765432');
const scrub = (text: string): string => secrets.scrub(text);

describe('scrubbing what a record shows', () => {
  it('keeps a value without a secret as it is (same object: exact numbers and nested JSON text)', () => {
    const n = new JsonNumber('12.50');
    const t = new JsonText('{"id":12345678901234567890}');
    const nested = { a: [1, 'x'] };
    expect(scrubRaw(n, scrub)).toBe(n);
    expect(scrubRaw(t, scrub)).toBe(t);
    expect(scrubRaw(nested, scrub)).toBe(nested);
    const row: RejectedRow = {
      line: 1,
      stage: 'normalize',
      raw: { n, t, s: 'plain' },
      rawText: '{"s":"plain"}',
      errors: [{ column: 's', value: 'plain', reason: 'invalid_number', message: "'plain' is not a number" }],
    };
    expect(scrubRejected(row, scrub)).toBe(row);
  });

  it('scrubs strings, numbers, nested keys and values, JSON text and encoded spellings', () => {
    expect(scrubRaw('Bearer Tok/en+1', scrub)).toBe('Bearer ***');
    expect(scrubRaw('?k=Tok%2Fen%2B1', scrub)).toBe('?k=***');
    expect(scrubRaw(98765432, scrub)).toBe('***');
    expect(scrubRaw(new JsonNumber('98765432'), scrub)).toBe('***');
    // Nested JSON text: still JSON after scrubbing, or text when the secret was a number in it.
    expect(scrubRaw(new JsonText('{"a":"Tok\\/en+1","id":12345678901234567890}'), scrub)).toEqual(
      new JsonText('{"a":"***","id":12345678901234567890}'),
    );
    expect(scrubRaw(new JsonText('[98765432,12345678901234567890]'), scrub)).toBe(
      '[***,12345678901234567890]',
    );
    expect(scrubJson({ 'Tok/en+1': ['a', { b: 'x Tok/en+1' }] }, scrub)).toEqual({
      '***': ['a', { b: 'x ***' }],
    });
  });

  it("scrubs a rejected row's values, record text and errors, keeping its columns and place", () => {
    const row: RejectedRow = {
      line: 2,
      at: { kind: 'page', page: 1, url: 'http://x/?k=***', record: 2 },
      stage: 'normalize',
      raw: { id: new JsonNumber('2'), n: 'x Tok/en+1' },
      rawText: '{"id":2,"n":"x Tok\\/en+1"}',
      errors: [
        {
          column: 'n',
          value: 'x Tok/en+1',
          reason: 'invalid_number',
          message: "'x Tok/en+1' is not a number",
        },
      ],
    };
    const out = scrubRejected(row, scrub);
    expect(out).toEqual({
      ...row,
      raw: { id: row.raw.id, n: 'x ***' },
      rawText: '{"id":2,"n":"x ***"}',
      errors: [{ column: 'n', value: 'x ***', reason: 'invalid_number', message: "'x ***' is not a number" }],
    });
    expect(Object.keys(out.raw)).toEqual(['id', 'n']);
  });
});

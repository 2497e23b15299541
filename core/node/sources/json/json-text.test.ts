import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { createStrictDecoder } from './json-text.ts';

/** Decodes `bytes` cut into pieces of `size` bytes. */
function decodeInPieces(bytes: Buffer, size: number): string {
  const decoder = createStrictDecoder('utf-8', 'f.json');
  let text = '';
  for (let i = 0; i < bytes.length; i += size) text += decoder.decode(bytes.subarray(i, i + size));
  return text + decoder.end();
}

describe('the strict UTF-8 decoder', () => {
  const text = '{"a":"café ü € 😀 \\u00e9"}\n'.repeat(7);
  const bytes = Buffer.from(text, 'utf8');

  it('gives the same text however the bytes are cut (characters split across pieces)', () => {
    for (const size of [1, 2, 3, 5, 7, 64]) expect(decodeInPieces(bytes, size)).toBe(text);
  });

  it('drops a leading BOM, even one cut across pieces, and keeps one elsewhere', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    for (const size of [1, 2, 4]) expect(decodeInPieces(withBom, size)).toBe(text);
    expect(decodeInPieces(Buffer.from('x\ufeff', 'utf8'), 1)).toBe('x\ufeff');
  });

  it('refuses bad bytes with their offset, and a sequence the input cuts off', () => {
    const bad = Buffer.concat([Buffer.from('{"a":"ok'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    for (const size of [1, 3, 64]) {
      expect(() => decodeInPieces(bad, size)).toThrow(/not valid UTF-8 \(bad bytes near byte offset 8\)/);
    }
    const cut = Buffer.concat([Buffer.from('ab'), Buffer.from([0xe2, 0x82])]);
    expect(() => decodeInPieces(cut, 64)).toThrow(LoadstoneError);
    // Cut off at the end of the input: placed at the end, as the streaming TextDecoder placed it.
    expect(() => decodeInPieces(cut, 3)).toThrow(/near byte offset 4\)/);
    expect(() => decodeInPieces(Buffer.from([0xed, 0xa0, 0x80]), 64)).toThrow(/not valid UTF-8/);
  });
});

import { describe, expect, it } from 'vitest';
import { byteOrderMark, encodable, encodeText, toEncodable } from './encode-text.ts';

describe('encodeText', () => {
  it('writes text back in the encoding it was read in', () => {
    const text = 'Café – 12,50 € “ok”';
    for (const enc of ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const) {
      const bytes = encodeText(text, enc);
      // `stream: true`, as the readers decode: Node 20's one-shot Windows-1252 decode is Latin-1.
      expect(new TextDecoder(enc).decode(bytes, { stream: true })).toBe(text);
    }
    expect([...encodeText('é€', 'latin1')]).toEqual([0xe9, 0x80]);
  });

  it('knows what Windows-1252 cannot hold, and makes such text writable with ?', () => {
    expect(encodable('Malmö €', 'windows-1252')).toBe(true);
    expect(encodable('→ 東京', 'windows-1252')).toBe(false);
    expect(encodable('→ 東京', 'utf-8')).toBe(true);
    expect(toEncodable('a → b', 'windows-1252')).toBe('a ? b');
    expect(encodable('\u0081', 'windows-1252')).toBe(false); // undefined in Windows-1252
  });

  it('gives each Unicode encoding its byte-order mark and the single-byte ones none', () => {
    expect([...byteOrderMark('utf-8')]).toEqual([0xef, 0xbb, 0xbf]);
    expect([...byteOrderMark('utf-16le')]).toEqual([0xff, 0xfe]);
    expect([...byteOrderMark('utf-16be')]).toEqual([0xfe, 0xff]);
    expect(byteOrderMark('windows-1252').length).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ChunkDecoder, decodeAll } from './chunk-decoder.ts';
import { type DecoderLabel, detectEncoding } from './detect-encoding.ts';

const TEXT = 'café,Straße,€ 12,“smart” ‘quotes’,😀\n';
/** The same text without the emoji, for Windows-1252, which cannot hold it. */
const TEXT_1252 = 'café,Straße,€ 12,“smart” ‘quotes’\n';

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return be;
}

/** Windows-1252 bytes for the characters used here (Node has no encoder for it). */
function cp1252(text: string): Buffer {
  const special: Record<string, number> = { '€': 0x80, '“': 0x93, '”': 0x94, '‘': 0x91, '’': 0x92 };
  return Buffer.from([...text].map((ch) => special[ch] ?? ch.charCodeAt(0)));
}

const ENCODED: [DecoderLabel, Buffer, string][] = [
  ['utf-8', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]), TEXT],
  ['utf-8', Buffer.from(TEXT), TEXT],
  ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]), TEXT],
  ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), TEXT],
  ['windows-1252', cp1252(TEXT_1252), TEXT_1252],
];

describe('detectEncoding', () => {
  it('detects BOMs, BOM-less UTF-8 and falls back to Windows-1252 for bytes that are not UTF-8', () => {
    expect(detectEncoding(ENCODED[0]![1], true)).toEqual({ encoding: 'utf-8', label: 'utf-8', bom: true });
    expect(detectEncoding(ENCODED[1]![1], true)).toEqual({ encoding: 'utf-8', label: 'utf-8', bom: false });
    expect(detectEncoding(ENCODED[2]![1], true)).toEqual({
      encoding: 'utf-16le',
      label: 'utf-16le',
      bom: true,
    });
    expect(detectEncoding(ENCODED[3]![1], true)).toEqual({
      encoding: 'utf-16be',
      label: 'utf-16be',
      bom: true,
    });
    expect(detectEncoding(ENCODED[4]![1], true)).toEqual({
      encoding: 'windows-1252',
      label: 'windows-1252',
      bom: false,
    });
    expect(detectEncoding(Buffer.from('plain ascii,1\n'), true).encoding).toBe('utf-8');
  });

  it('detects BOM-less UTF-16 by where the NUL bytes are', () => {
    expect(detectEncoding(Buffer.from('id,name\n1,Zoë\n', 'utf16le'), true).encoding).toBe('utf-16le');
    expect(detectEncoding(utf16be('id,name\n1,Zoë\n'), true).encoding).toBe('utf-16be');
  });

  it('does not take a UTF-8 character cut off by the end of the head as invalid', () => {
    const head = Buffer.from('abc €').subarray(0, 5); // € cut after its first byte
    expect(detectEncoding(head, false).encoding).toBe('utf-8');
    expect(detectEncoding(head, true).encoding).toBe('windows-1252');
  });

  it('lets the spec win; latin1 decodes as Windows-1252 but is reported as asked', () => {
    expect(detectEncoding(Buffer.from(TEXT), true, 'windows-1252')).toEqual({
      encoding: 'windows-1252',
      label: 'windows-1252',
      bom: false,
    });
    expect(detectEncoding(cp1252('é'), true, 'latin1')).toEqual({
      encoding: 'latin1',
      label: 'windows-1252',
      bom: false,
    });
    expect(detectEncoding(ENCODED[0]![1], true, 'utf-8').bom).toBe(true);
  });
});

describe('ChunkDecoder', () => {
  it.each(ENCODED)('decodes %s right whatever byte the chunks are cut at', (label, bytes, text) => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const step of [1, 2, 3, 5]) {
        // First piece up to `cut`, then the rest in `step`-byte pieces: every split point is hit.
        const decoder = new ChunkDecoder(label);
        let out = decoder.decode(bytes.subarray(0, cut));
        for (let i = cut; i < bytes.length; i += step) out += decoder.decode(bytes.subarray(i, i + step));
        out += decoder.end();
        expect(out).toBe(text);
        expect(decoder.invalidSeen).toBe(false);
      }
    }
  });

  it('notices bytes that are not UTF-8, but not a literal U+FFFD in valid UTF-8', () => {
    const literal = new ChunkDecoder('utf-8');
    expect(literal.decode(Buffer.from('a\uFFFDb\n'))).toBe('a\uFFFDb\n');
    expect(literal.invalidSeen).toBe(false);

    const latin = new ChunkDecoder('utf-8');
    latin.decode(Buffer.from('ok\n'));
    expect(latin.invalidSeen).toBe(false);
    expect(latin.decode(cp1252('café\n'))).toBe('caf\uFFFD\n');
    expect(latin.invalidSeen).toBe(true);
  });

  it('notices a UTF-8 sequence cut off by the end of the file', () => {
    const decoder = new ChunkDecoder('utf-8');
    decoder.decode(Buffer.from([0x61, 0xe2, 0x82]));
    expect(decoder.invalidSeen).toBe(false);
    expect(decoder.end()).toBe('\uFFFD');
    expect(decoder.invalidSeen).toBe(true);
  });
});

describe('decodeAll', () => {
  it('drops a character cut off at the end of an incomplete head instead of inventing U+FFFD', () => {
    const bytes = Buffer.from('ab€');
    expect(decodeAll(bytes.subarray(0, 4), 'utf-8', false)).toBe('ab');
    expect(decodeAll(bytes.subarray(0, 4), 'utf-8', true)).toBe('ab\uFFFD');
    expect(decodeAll(ENCODED[2]![1], 'utf-16le', true)).toBe(TEXT);
  });
});

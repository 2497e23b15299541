import type { Encoding } from '../../common/spec/job-spec.ts';

/** Windows-1252's 0x80–0x9F (undefined bytes left out). */
const CP1252_HIGH: Record<number, number> = {
  8364: 0x80,
  8218: 0x82,
  402: 0x83,
  8222: 0x84,
  8230: 0x85,
  8224: 0x86,
  8225: 0x87,
  710: 0x88,
  8240: 0x89,
  352: 0x8a,
  8249: 0x8b,
  338: 0x8c,
  381: 0x8e,
  8216: 0x91,
  8217: 0x92,
  8220: 0x93,
  8221: 0x94,
  8226: 0x95,
  8211: 0x96,
  8212: 0x97,
  732: 0x98,
  8482: 0x99,
  353: 0x9a,
  8250: 0x9b,
  339: 0x9c,
  382: 0x9e,
  376: 0x9f,
};

/**
 * Whether every character of `text` has a byte in `encoding` (the Unicode ones have them all).
 * Reading decodes `latin1` as Windows-1252 (as browsers do), so both write as Windows-1252.
 */
export function encodable(text: string, encoding: Encoding): boolean {
  if (encoding !== 'windows-1252' && encoding !== 'latin1') return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x100 || (c >= 0x80 && c < 0xa0)) {
      if (CP1252_HIGH[c] === undefined) return false;
    }
  }
  return true;
}

/** `text` with each character `encoding` has no byte for replaced by `?`. */
export function toEncodable(text: string, encoding: Encoding): string {
  if (encodable(text, encoding)) return text;
  let out = '';
  for (const ch of text) out += encodable(ch, encoding) ? ch : '?';
  return out;
}

/** `text` in `encoding` (with no byte-order mark); characters must be `encodable`. */
export function encodeText(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-16le':
      return Buffer.from(text, 'utf16le');
    case 'utf-16be':
      return Buffer.from(text, 'utf16le').swap16();
    default: {
      const out = Buffer.allocUnsafe(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        out[i] = c < 0x80 || (c >= 0xa0 && c < 0x100) ? c : (CP1252_HIGH[c] ?? 0x3f);
      }
      return out;
    }
  }
}

/** The byte-order mark of `encoding` (none for the single-byte ones). */
export function byteOrderMark(encoding: Encoding): Buffer {
  if (encoding === 'utf-8') return Buffer.from([0xef, 0xbb, 0xbf]);
  if (encoding === 'utf-16le') return Buffer.from([0xff, 0xfe]);
  if (encoding === 'utf-16be') return Buffer.from([0xfe, 0xff]);
  return Buffer.alloc(0);
}

import { LoadstoneError } from '../../../common/errors.ts';
import type { Encoding } from '../../../common/spec/job-spec.ts';

/** The text encoding a JSON/NDJSON file is read with, and whether a BOM announced it. */
export interface JsonEncoding {
  readonly encoding: Encoding;
  readonly bom: boolean;
}

/**
 * Picks the encoding of a JSON/NDJSON file: a byte-order mark wins (it is part of the file),
 * then the declared encoding, then RFC 4627's zero-byte pattern for BOM-less UTF-16, else UTF-8.
 */
export function detectJsonEncoding(head: Buffer, declared?: Encoding): JsonEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: true };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bom: true };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: true };
  if (declared) return { encoding: declared, bom: false };
  if (head.length >= 2) {
    // JSON text starts with an ASCII character, so a zero byte beside it means UTF-16.
    if (head[0] === 0 && head[1] !== 0) return { encoding: 'utf-16be', bom: false };
    if (head[0] !== 0 && head[1] === 0) return { encoding: 'utf-16le', bom: false };
  }
  return { encoding: 'utf-8', bom: false };
}

/** A streaming decoder that refuses malformed input instead of inserting U+FFFD. */
export interface StrictDecoder {
  /** Decodes the next chunk (a character split across chunks is carried over). */
  decode(chunk: Buffer): string;
  /** Flushes the decoder at the end of the input. */
  end(): string;
}

/**
 * Creates a strict decoder for `encoding` (the BOM, if any, is dropped).
 * @throws LoadstoneError SOURCE_FORMAT naming the file and the byte offset of the bad bytes.
 */
export function createStrictDecoder(encoding: Encoding, path: string): StrictDecoder {
  // windows-1252 maps every byte, so only the UTF encodings can fail.
  const decoder = new TextDecoder(encoding === 'latin1' ? 'windows-1252' : encoding, { fatal: true });
  let offset = 0;
  const fail = (chunk: Buffer | undefined, error: unknown): never => {
    const at = chunk && encoding === 'utf-8' ? offset + firstInvalidUtf8(chunk) : offset;
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${path}: the file is not valid ${encoding.toUpperCase()} (bad bytes near byte offset ${at}); ` +
        'set the source encoding if it is another one',
      { details: { path, byteOffset: at, encoding }, cause: error },
    );
  };
  return {
    decode(chunk) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch (error) {
        return fail(chunk, error);
      }
      offset += chunk.length;
      return text;
    },
    end() {
      try {
        return decoder.decode();
      } catch (error) {
        return fail(undefined, error);
      }
    },
  };
}

/**
 * Index of the first byte that starts a malformed UTF-8 sequence in `bytes`, or `bytes.length`
 * when the only problem is a sequence cut off at the end. Used on the error path only.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return bytes.length;
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return i;
}

/** The first character that is not JSON whitespace, or '' when there is none. */
export function firstSignificantChar(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) return text.charAt(i);
  }
  return '';
}

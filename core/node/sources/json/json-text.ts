import { isUtf8 } from 'node:buffer';
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

/** How a decoding error names what was read and what to do (a file's by default). */
export interface DecodeWording {
  /** 'the file', 'the response body'. */
  readonly what: string;
  /** What to do about it. */
  readonly advice: string;
}

const FILE_WORDING: DecodeWording = {
  what: 'the file',
  advice: 'set the source encoding if it is another one',
};

/**
 * Creates a strict decoder for `encoding` (the BOM, if any, is dropped).
 * @throws LoadstoneError SOURCE_FORMAT naming the file and the byte offset of the bad bytes.
 */
export function createStrictDecoder(
  encoding: Encoding,
  path: string,
  wording: DecodeWording = FILE_WORDING,
): StrictDecoder {
  if (encoding === 'utf-8') return createUtf8Decoder(path, wording);
  // windows-1252 maps every byte, so only the UTF encodings can fail.
  const decoder = new TextDecoder(encoding === 'latin1' ? 'windows-1252' : encoding, { fatal: true });
  let offset = 0;
  const fail = (_chunk: Buffer | undefined, error: unknown): never => {
    const at = offset;
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${path}: ${wording.what} is not valid ${encoding.toUpperCase()} (bad bytes near byte offset ${at}); ` +
        wording.advice,
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
 * Bytes at the end of `bytes` that begin a UTF-8 sequence the chunk does not finish (0–3): they are
 * carried over to the next chunk.
 */
function unfinishedTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/**
 * The UTF-8 decoder: each chunk is checked with `isUtf8` (native, SIMD) and decoded by
 * `Buffer#toString`, several times faster than a fatal streaming `TextDecoder` (which measured
 * ~0.4 s of an API load's 183 MB); a sequence cut by the chunk's end is carried over. A leading
 * BOM is dropped, as `TextDecoder` does.
 */
function createUtf8Decoder(path: string, wording: DecodeWording): StrictDecoder {
  let offset = 0;
  let carry: Buffer | undefined;
  let started = false;
  const fail = (chunk: Buffer, at: number): never => {
    const bad = offset + at + firstInvalidUtf8(chunk.subarray(at));
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${path}: ${wording.what} is not valid UTF-8 (bad bytes near byte offset ${bad}); ${wording.advice}`,
      { details: { path, byteOffset: bad, encoding: 'utf-8' } },
    );
  };
  return {
    decode(chunk) {
      let bytes = chunk;
      if (carry) {
        bytes = Buffer.concat([carry, chunk]);
        offset -= carry.length;
        carry = undefined;
      }
      let from = 0;
      if (!started && bytes.length > 0) {
        if (bytes.length < 3 && bytes[0] === 0xef) {
          // Too short to tell whether a BOM begins here.
          carry = bytes;
          offset += bytes.length;
          return '';
        }
        started = true;
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) from = 3;
      }
      const tail = unfinishedTail(bytes);
      const end = bytes.length - tail;
      const body = from === 0 && end === bytes.length ? bytes : bytes.subarray(from, end);
      if (!isUtf8(body)) fail(bytes, from);
      if (tail > 0) carry = Buffer.from(bytes.subarray(end));
      offset += bytes.length;
      return body.toString('utf8');
    },
    end() {
      if (carry && carry.length > 0) {
        if (!started && carry.length < 3) {
          started = true;
          if (isUtf8(carry)) return carry.toString('utf8');
        }
        offset -= carry.length; // the carried bytes were counted: the offset is where they start
        return fail(carry, 0);
      }
      return '';
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

import { TextDecoder } from 'node:util';
import type { DecoderLabel } from './detect-encoding.ts';

/** U+FFFD REPLACEMENT CHARACTER, what a non-fatal decoder puts in place of bytes it cannot read. */
export const REPLACEMENT_CHAR = '\uFFFD';
const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Streaming decoder: bytes in, text out, a character split across chunks decoded once it is
 * whole. The byte-order mark of the encoding is stripped (WHATWG `TextDecoder` default).
 *
 * For UTF-8 it also notices bytes that are not valid UTF-8 (the decoder replaces them with
 * U+FFFD) without a second decoding pass: a chunk whose text holds more U+FFFD than its bytes
 * hold literal EF BF BD sequences had invalid bytes. From then on `invalidSeen` is true, and
 * the caller flags records that contain U+FFFD (a literal U+FFFD in a record after that point
 * is flagged too; one split across two chunks may also set the flag: both err on the side of
 * telling).
 */
export class ChunkDecoder {
  private readonly decoder: TextDecoder;
  private readonly checkUtf8: boolean;
  /** True once bytes that are not valid UTF-8 were seen (UTF-8 only). */
  invalidSeen = false;

  constructor(label: DecoderLabel) {
    this.decoder = new TextDecoder(label);
    this.checkUtf8 = label === 'utf-8';
  }

  /** Decodes the next chunk; an incomplete trailing character waits for the next one. */
  decode(chunk: Uint8Array): string {
    const text = this.decoder.decode(chunk, { stream: true });
    if (this.checkUtf8 && !this.invalidSeen && text.includes(REPLACEMENT_CHAR)) {
      this.invalidSeen = count(text, REPLACEMENT_CHAR) > countBytes(chunk, REPLACEMENT_UTF8);
    }
    return text;
  }

  /** Flushes the decoder: a character cut off by the end of the file becomes U+FFFD. */
  end(): string {
    const text = this.decoder.decode();
    if (this.checkUtf8 && text.includes(REPLACEMENT_CHAR)) this.invalidSeen = true;
    return text;
  }
}

/**
 * Decodes a whole buffer at once (the head, for detection). With `complete` false a
 * character cut off at the end is dropped rather than turned into U+FFFD.
 */
export function decodeAll(bytes: Uint8Array, label: DecoderLabel, complete: boolean): string {
  return new TextDecoder(label).decode(bytes, { stream: !complete });
}

function count(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

function countBytes(bytes: Uint8Array, needle: Buffer): number {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = buf.indexOf(needle); i !== -1; i = buf.indexOf(needle, i + needle.length)) n++;
  return n;
}

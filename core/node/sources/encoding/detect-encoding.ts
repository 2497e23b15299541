import { TextDecoder } from 'node:util';
import type { Encoding } from '../../../common/spec/job-spec.ts';

/** The WHATWG decoder labels Loadstone decodes with. */
export type DecoderLabel = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding a text file will be decoded with. */
export interface EncodingInfo {
  /** Reported encoding: the one detected, or the one the spec asked for (`latin1` stays `latin1`). */
  encoding: Encoding;
  /** The decoder used (`latin1` decodes as windows-1252, as browsers do). */
  label: DecoderLabel;
  /** Whether the file starts with a byte-order mark of that encoding (the decoder strips it). */
  bom: boolean;
}

/** Bytes looked at for the BOM-less UTF-16 test: enough for a verdict, cheap to count. */
const UTF16_SAMPLE = 4096;

/**
 * Works out the text encoding from the first bytes of a file.
 * BOM first (UTF-8, UTF-16 LE/BE); then BOM-less UTF-16 by its NUL-byte pattern; then
 * UTF-8 when the bytes are valid UTF-8 (pure ASCII included); else Windows-1252, the
 * usual encoding of "ANSI" files from Excel and Windows tools.
 * @param head the first bytes of the (decompressed) file
 * @param complete whether `head` is the whole file (a cut-off trailing character is then invalid)
 * @param forced the encoding the spec asks for; it wins over detection
 */
export function detectEncoding(head: Uint8Array, complete: boolean, forced?: Encoding): EncodingInfo {
  const bom = bomOf(head);
  if (forced) {
    const label = forced === 'latin1' ? 'windows-1252' : forced;
    return { encoding: forced, label, bom: bom === label };
  }
  if (bom) return { encoding: bom, label: bom, bom: true };
  const utf16 = utf16ByNulPattern(head);
  if (utf16) return { encoding: utf16, label: utf16, bom: false };
  if (isValidUtf8(head, complete)) return { encoding: 'utf-8', label: 'utf-8', bom: false };
  return { encoding: 'windows-1252', label: 'windows-1252', bom: false };
}

function bomOf(head: Uint8Array): DecoderLabel | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * Mostly-ASCII text in UTF-16 has a NUL in every other byte: at odd offsets in LE, even in BE.
 * Text files in the other encodings have (next to) no NULs at all.
 */
function utf16ByNulPattern(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(head.length, UTF16_SAMPLE) & ~1;
  if (n < 4) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd > pairs * 0.3 && even < pairs * 0.05) return 'utf-16le';
  if (even > pairs * 0.3 && odd < pairs * 0.05) return 'utf-16be';
  return undefined;
}

function isValidUtf8(head: Uint8Array, complete: boolean): boolean {
  try {
    // In stream mode a character cut off by the end of the head is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

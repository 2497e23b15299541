import { isAscii, isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { TextDecoder } from 'node:util';
import type { ProblemCell, RowProblem } from '../../../common/types.ts';

// A SQL_ASCII database keeps whatever bytes a program stored (legacy systems hold Latin-1 or
// Windows-1252 there) and the server converts none of them: with the session's client encoding
// UTF8 it refuses the whole read ("invalid byte sequence for encoding "UTF8": 0xe9"). The source
// reads such a database with `client_encoding = SQL_ASCII` (the bytes as they are) and decodes them
// here: as the encoding the job names (`source.encoding`), or as UTF-8, a line holding bytes that are
// not UTF-8 then being a rejected row that says which column and which bytes. A database of any
// other encoding is converted to UTF-8 by the server and read with `utf8Decoder`, as before.

/** Turns COPY's bytes into text, chunk by chunk. */
export interface CopyDecoder {
  /** The text of the next chunk; a character (or, for `checkedUtf8Decoder`, a line) cut by its end waits for the next. */
  write(chunk: Buffer): string;
  /** What is left once the stream ended (text here means a cut stream). */
  end(): string;
  /**
   * After `write`: the lines of its text whose bytes were not valid UTF-8, by where each starts in
   * that text, with the line's bytes (without its newline); null when every line was.
   */
  readonly invalid: ReadonlyMap<number, Buffer> | null;
}

/** UTF-8 from a server that converts (every encoding but SQL_ASCII): what the reader always did. */
export function utf8Decoder(): CopyDecoder {
  const decoder = new StringDecoder('utf8');
  return { write: (chunk) => decoder.write(chunk), end: () => decoder.end(), invalid: null };
}

/** A SQL_ASCII database's bytes read as the single-byte encoding the job names (every byte is a character). */
export function legacyDecoder(label: 'windows-1252'): CopyDecoder {
  const decoder = new TextDecoder(label);
  return {
    // Text that is all ASCII (most of it, mostly) is the same in either encoding: the fast decode.
    write: (chunk) => (isAscii(chunk) ? chunk.toString('latin1') : decoder.decode(chunk, { stream: true })),
    end: () => decoder.decode(),
    invalid: null,
  };
}

const NEWLINE = 0x0a;
const TAB = 0x09;

/**
 * A SQL_ASCII database's bytes read as UTF-8, by whole lines: a stretch of lines that is valid UTF-8
 * (one check of its bytes) is decoded at once; otherwise each line is checked, and one that is not
 * UTF-8 is decoded with U+FFFD for its bad bytes and listed in `invalid`.
 */
export function checkedUtf8Decoder(): CopyDecoder {
  let carry: Buffer | null = null;
  let invalid: Map<number, Buffer> | null = null;
  return {
    get invalid() {
      return invalid;
    },
    write(chunk) {
      invalid = null;
      const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      const last = bytes.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = bytes;
        return '';
      }
      carry = last + 1 < bytes.length ? Buffer.from(bytes.subarray(last + 1)) : null;
      const lines = bytes.subarray(0, last + 1);
      if (isUtf8(lines)) return lines.toString('utf8');
      let text = '';
      let at = 0;
      while (at < lines.length) {
        const newline = lines.indexOf(NEWLINE, at);
        const line = lines.subarray(at, newline);
        if (!isUtf8(line)) {
          invalid ??= new Map();
          invalid.set(text.length, Buffer.from(line));
        }
        text += `${line.toString('utf8')}\n`;
        at = newline + 1;
      }
      return text;
    },
    end() {
      const rest = carry ? carry.toString('utf8') : '';
      carry = null;
      return rest;
    },
  };
}

/**
 * Why a row of a SQL_ASCII database whose COPY line `line` (its bytes) is not valid UTF-8 is not
 * loaded: each column holding such bytes (a `cells` entry, which the report gives as an error of
 * that column), with the bad bytes in hex, where they are, and the value's bytes (the first 64);
 * `columns` are the read's column names, in order.
 */
export function invalidBytesProblem(line: Buffer, columns: readonly string[]): RowProblem {
  const cells: ProblemCell[] = [];
  let at = 0;
  for (let i = 0; i < columns.length && at <= line.length; i++) {
    let stop = line.indexOf(TAB, at);
    if (stop === -1) stop = line.length;
    const field = line.subarray(at, stop);
    at = stop + 1;
    if (isUtf8(field)) continue;
    const value = unescapeCopyBytes(field);
    const bad = invalidUtf8Spans(value)
      .slice(0, 5)
      .map((s) => `x'${value.subarray(s.start, s.end).toString('hex')}' at byte ${s.start + 1}`);
    const shown = value.subarray(0, 64).toString('hex');
    cells.push({
      column: i,
      value: value.toString('utf8'),
      message: `column '${columns[i]}' holds bytes that are not valid UTF-8: ${bad.join(', ')} of x'${shown}${value.length > 64 ? '…' : ''}'`,
    });
  }
  const advice =
    ' (shown as U+FFFD); the database is SQL_ASCII, which keeps any bytes: if you know which encoding ' +
    'they are in, give it as the source\'s encoding (e.g. "encoding": "windows-1252" in the job, ' +
    '--source-encoding windows-1252 on the command line)';
  return {
    reason: 'invalid_encoding',
    message: `${cells.map((c) => c.message).join('; ')}${advice}`,
    cells: cells.map((c) => ({ ...c, message: c.message + advice })),
  };
}

const SIMPLE: Record<number, number> = { 98: 8, 102: 12, 110: 10, 114: 13, 116: 9, 118: 11 };

/** A COPY text field's bytes with its backslash escapes (`\\\\`, `\\t`, `\\n`…, the only ones COPY TO writes) undone. */
function unescapeCopyBytes(field: Buffer): Buffer {
  if (field.indexOf(0x5c) === -1) return field;
  const out: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const b = field[i]!;
    if (b !== 0x5c || i + 1 === field.length) {
      out.push(b);
      continue;
    }
    const next = field[++i]!;
    out.push(SIMPLE[next] ?? next);
  }
  return Buffer.from(out);
}

/**
 * The stretches of `bytes` that are not UTF-8 (each the bytes of one ill-formed sequence, neighbours
 * merged), by byte offset; exported for tests.
 */
export function invalidUtf8Spans(bytes: Uint8Array): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    const prev = spans[spans.length - 1];
    if (prev && prev.end === i) prev.end = i + 1;
    else spans.push({ start: i, end: i + 1 });
    i++;
  }
  return spans;
}

/** The length of the well-formed UTF-8 sequence at `i`, or 0 when there is none (RFC 3629's table). */
function sequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

import { isUtf8 } from 'node:buffer';
import { LoadstoneError } from '../../../common/errors.ts';
import type { ByteInput } from '../byte-input.ts';
import type { JsonCopyRuns } from '../json/json-copy-rows.ts';
import { type ParsedOutput, ProblemItem, RecordItem } from '../json/json-record.ts';
import { createStrictDecoder, firstInvalidUtf8, type JsonEncoding } from '../json/json-text.ts';
import type { NdjsonLineParser } from './ndjson-line.ts';

const LF = 0x0a;
const BLANK = /^[ \t\r]*$/;

/** How lines are read: the parser, the bound on one line (characters) and the file, for messages. */
export interface LineReading {
  readonly parser: NdjsonLineParser;
  readonly maxChars: number;
  readonly path: string;
  /** Once the load allows it: writes the lines whose records pass as COPY text (json-copy-rows.ts). */
  copy?: JsonCopyRuns | undefined;
}

/** Turns one line (without its LF) into an item, or undefined for a blank line. */
export function lineItem(parser: NdjsonLineParser, text: string, line: number): ParsedOutput | undefined {
  if (text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
  if (text.charCodeAt(0) !== 0x7b && BLANK.test(text)) return undefined;
  return parser.parse(text, line);
}

/** The row for a line longer than the bound: not parsed, not kept. */
function tooLongItem(line: number, max: number): ProblemItem {
  return new ProblemItem(
    line,
    'line_too_long',
    `line ${line}: longer than ${max.toLocaleString('en-US')} characters (the line limit, maxLineChars), so it is not read; reading goes on at the next line`,
    undefined,
  );
}

/** The whole-file error for a line that runs on for twice the bound: not NDJSON. */
function runaway(path: string, line: number, max: number): LoadstoneError {
  return new LoadstoneError(
    'SOURCE_FORMAT',
    `${path}: line ${line} runs on for more than ${(2 * max).toLocaleString('en-US')} characters without a line break; is the file really NDJSON (one object per line)? If it is, raise the line limit, maxLineChars`,
    { details: { path, line } },
  );
}

/**
 * Characters (UTF-16 code units, as a JS string counts them) that UTF-8 bytes decode to: one per
 * byte that does not continue a sequence, two for a four-byte sequence.
 */
function utf8Chars(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

/** Splits decoded text into lines, appending items; returns the line number reached. */
function splitText(r: LineReading, text: string, line: number, out: ParsedOutput[]): number {
  let start = 0;
  const copy = r.copy;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) break;
    line++;
    if (end - start > r.maxChars) {
      if (end - start > 2 * r.maxChars) throw runaway(r.path, line, r.maxChars);
      copy?.take(out);
      out.push(tooLongItem(line, r.maxChars));
      start = end + 1;
      continue;
    }
    if (copy) {
      // A record that passes goes as a line of COPY text (a CR before the LF is a blank it allows).
      if (copy.write(text, start, end, line, out)) {
        start = end + 1;
        continue;
      }
      copy.take(out);
    }
    const item = lineItem(r.parser, text.slice(start, end), line);
    if (item) {
      if (!(item instanceof RecordItem) && !(item instanceof ProblemItem) && !item.problem) {
        // An aligned row: say where its line is (`text` is shared by the lines of this piece).
        item.text = text;
        item.textStart = start;
        item.textEnd = end;
      }
      out.push(item);
    }
    start = end + 1;
  }
  copy?.take(out);
  return line;
}

/** Splits complete lines (ending in LF) held as bytes; returns the line number reached. */
function splitBytes(r: LineReading, bytes: Buffer, line: number, out: ParsedOutput[]): number {
  if (isUtf8(bytes)) return splitText(r, bytes.toString('utf8'), line, out);
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(LF, start);
    if (end < 0) return line;
    line++;
    const piece = bytes.subarray(start, end);
    start = end + 1;
    const chars = piece.length > r.maxChars ? utf8Chars(piece) : piece.length;
    if (chars > r.maxChars) {
      if (chars > 2 * r.maxChars) throw runaway(r.path, line, r.maxChars);
      out.push(tooLongItem(line, r.maxChars));
    } else if (isUtf8(piece)) {
      const item = lineItem(r.parser, piece.toString('utf8'), line);
      if (item) out.push(item);
    } else {
      const text = piece.toString('utf8').replace(/\r$/, '');
      const column = firstInvalidUtf8(piece) + 1;
      out.push(
        new ProblemItem(
          line,
          'invalid_encoding',
          `line ${line}: bytes that are not valid UTF-8 at byte ${column} of the line`,
          text,
        ),
      );
    }
  }
}

/**
 * The unfinished last line, kept as the pieces it came in (joined once, when it ends: joining at
 * every chunk would copy a long line once per chunk), with its length in characters. A line that
 * grows past the bound is reported at once and the rest of it skipped, so memory stays bounded.
 */
class Carry<T extends Buffer | string> {
  pieces: T[] = [];
  chars = 0;
  /** Skipping the rest of line `skipLine`; characters of it seen past the bound. */
  skipLine = 0;
  skipped = -1;

  constructor(
    private readonly r: LineReading,
    private readonly count: (piece: T) => number,
  ) {}

  get skipping(): boolean {
    return this.skipped >= 0;
  }

  /**
   * Adds a piece without a line break to the current line (line number `line` + 1). Returns the
   * lines done: `line`, or `line` + 1 once the line is reported as too long.
   */
  add(piece: T, line: number, out: ParsedOutput[]): number {
    if (piece.length === 0) return line;
    const max = this.r.maxChars;
    if (this.skipping) {
      this.skipped += this.count(piece);
      if (this.skipped > max) throw runaway(this.r.path, this.skipLine, max);
      return line;
    }
    this.pieces.push(piece);
    this.chars += this.count(piece);
    if (this.chars <= max) return line;
    out.push(tooLongItem(line + 1, max));
    this.skipLine = line + 1;
    this.skipped = this.chars - max;
    this.pieces = [];
    this.chars = 0;
    if (this.skipped > max) throw runaway(this.r.path, this.skipLine, max);
    return line + 1;
  }

  /**
   * Ends the current line with `piece` (its text up to, not including, the line break). Returns the
   * line's pieces to parse, or no pieces when it was skipped or is too long (then reported, and
   * counted in the returned line number).
   */
  end(piece: T, line: number, out: ParsedOutput[]): { line: number; pieces: T[] | undefined } {
    const max = this.r.maxChars;
    if (this.skipping) {
      this.skipped += this.count(piece);
      if (this.skipped > max) throw runaway(this.r.path, this.skipLine, max);
      this.skipped = -1;
      return { line, pieces: undefined };
    }
    const chars = this.chars + this.count(piece);
    const pieces = this.pieces;
    this.pieces = [];
    this.chars = 0;
    if (chars > max) {
      if (chars > 2 * max) throw runaway(this.r.path, line + 1, max);
      out.push(tooLongItem(line + 1, max));
      return { line: line + 1, pieces: undefined };
    }
    pieces.push(piece);
    return { line, pieces };
  }
}

/**
 * Splits UTF-8 NDJSON bytes, fed in chunks of any size, into line items. Works on bytes so that
 * one line with bad bytes is reported alone; runs of complete lines that are valid UTF-8 (nearly
 * always all of them) are decoded in one go. A UTF-8 BOM is dropped.
 */
export class Utf8LineSplitter {
  private readonly carry: Carry<Buffer>;
  /** Lines done so far. */
  private line = 0;
  /** The first bytes, until there are three (they may be a BOM). */
  private lead: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly r: LineReading) {
    this.carry = new Carry<Buffer>(r, utf8Chars);
  }

  /** Reads the next chunk; appends the items of the lines it completes. */
  push(chunk: Buffer, out: ParsedOutput[]): void {
    let bytes = chunk;
    if (this.lead) {
      bytes = Buffer.concat([this.lead, chunk]);
      if (bytes.length < 3) {
        this.lead = bytes;
        return;
      }
      this.lead = undefined;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    this.read(bytes, out);
  }

  /** Ends the input: the last line needs no line break. */
  finish(out: ParsedOutput[]): void {
    if (this.lead && this.lead.length > 0) this.read(this.lead, out);
    this.lead = undefined;
    this.read(Buffer.of(LF), out);
  }

  private read(bytes: Buffer, out: ParsedOutput[]): void {
    const { r, carry } = this;
    let line = this.line;
    const first = bytes.indexOf(LF);
    if (first < 0) {
      this.line = carry.add(bytes, line, out);
      return;
    }
    const ended = carry.end(bytes.subarray(0, first), line, out);
    line = ended.line;
    if (ended.pieces) {
      ended.pieces.push(bytes.subarray(first, first + 1));
      line = splitBytes(r, Buffer.concat(ended.pieces), line, out);
    }
    const last = bytes.lastIndexOf(LF);
    if (last > first) line = splitBytes(r, bytes.subarray(first + 1, last + 1), line, out);
    this.line = carry.add(bytes.subarray(last + 1), line, out);
  }
}

/** Splits decoded NDJSON text, fed in pieces of any size, into line items. */
export class TextLineSplitter {
  private readonly carry: Carry<string>;
  private line = 0;

  constructor(private readonly r: LineReading) {
    this.carry = new Carry<string>(r, (piece) => piece.length);
  }

  /** Reads the next piece of text; appends the items of the lines it completes. */
  push(text: string, out: ParsedOutput[]): void {
    const { r, carry } = this;
    let line = this.line;
    const first = text.indexOf('\n');
    if (first < 0) {
      this.line = carry.add(text, line, out);
      return;
    }
    const ended = carry.end(text.slice(0, first), line, out);
    line = ended.line;
    if (ended.pieces) line = splitText(r, `${ended.pieces.join('')}\n`, line, out);
    const last = text.lastIndexOf('\n');
    if (last > first) line = splitText(r, text.slice(first + 1, last + 1), line, out);
    this.line = carry.add(text.slice(last + 1), line, out);
  }

  /** Ends the input: the last line needs no line break. */
  finish(out: ParsedOutput[]): void {
    this.push('\n', out);
  }
}

/** Reads a UTF-8 NDJSON file into line items, a batch per chunk. */
export async function* readUtf8Lines(
  input: ByteInput,
  r: LineReading,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedOutput[], void, undefined> {
  const splitter = new Utf8LineSplitter(r);
  for await (const chunk of input.chunks(signal)) {
    const out: ParsedOutput[] = [];
    splitter.push(chunk, out);
    if (out.length > 0) yield out;
  }
  if (signal?.aborted) return;
  const out: ParsedOutput[] = [];
  splitter.finish(out);
  if (out.length > 0) yield out;
}

/** Other encodings (UTF-16, Windows-1252): decode strictly, then split the text. */
export async function* readDecodedLines(
  input: ByteInput,
  encoding: JsonEncoding,
  r: LineReading,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedOutput[], void, undefined> {
  const decoder = createStrictDecoder(encoding.encoding, input.path);
  const splitter = new TextLineSplitter(r);
  for await (const chunk of input.chunks(signal)) {
    const out: ParsedOutput[] = [];
    splitter.push(decoder.decode(chunk), out);
    if (out.length > 0) yield out;
  }
  if (signal?.aborted) return;
  const out: ParsedOutput[] = [];
  splitter.push(decoder.end(), out);
  splitter.finish(out);
  if (out.length > 0) yield out;
}

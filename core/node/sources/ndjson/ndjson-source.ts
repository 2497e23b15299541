import { isUtf8 } from 'node:buffer';
import { LoadstoneError } from '../../../common/errors.ts';
import type { SourceSpec } from '../../../common/spec/job-spec.ts';
import type { ByteInput } from '../byte-input.ts';
import { type ColumnIndex, type ParsedOutput, ProblemItem, RecordItem } from '../json/json-record.ts';
import {
  createStrictDecoder,
  detectJsonEncoding,
  firstInvalidUtf8,
  type JsonEncoding,
} from '../json/json-text.ts';
import { openRecordSource } from '../json/record-source.ts';
import type { OpenedSource, OpenSourceOptions } from '../types.ts';
import { NdjsonLineParser } from './ndjson-line.ts';

/** A line longer than this is not NDJSON (or not one record per line): stop instead of eating memory. */
export const MAX_LINE_BYTES = 128 * 1024 * 1024;

const LF = 0x0a;
const BLANK = /^[ \t\r]*$/;

/**
 * Opens an NDJSON file (one JSON object per line). `line` is the physical line number; blank
 * lines are skipped; CRLF is accepted. A line that is not valid JSON becomes an
 * `invalid_json_line` row (its text in `rawText`) and reading goes on; valid JSON that is not an
 * object becomes `not_an_object`; bytes that are not UTF-8 make that line `invalid_encoding`.
 * Columns are the keys of the first 10,000 records; top-level numbers arrive as `JsonNumber`.
 */
export async function openNdjsonSource(
  input: ByteInput,
  spec: SourceSpec,
  opts: OpenSourceOptions,
): Promise<OpenedSource> {
  try {
    const encoding = detectJsonEncoding(input.head, spec.encoding);
    const parser = new NdjsonLineParser();
    let fixed: ColumnIndex | undefined;
    return await openRecordSource({
      format: {
        kind: 'ndjson',
        encoding: encoding.encoding,
        compression: input.compression,
        header: true,
        bom: encoding.bom,
      },
      items:
        encoding.encoding === 'utf-8'
          ? readUtf8Lines(input, parser, opts.signal)
          : readDecodedLines(input, encoding, parser, opts.signal),
      fixColumns: (columns) => {
        fixed = columns;
        parser.fixColumns(columns);
      },
      // A row in flight is remembered by where its line is; a refused one is read again from it.
      reparse: (recordText) => {
        const again = new NdjsonLineParser();
        if (fixed) again.fixColumns(fixed);
        const item = lineItem(again, recordText, 0);
        return item && !(item instanceof RecordItem) && !(item instanceof ProblemItem)
          ? [...item.values]
          : [];
      },
      totalBytes: input.totalBytes,
      bytesRead: () => input.bytesRead(),
      release: () => input.close(),
      what: 'line',
      signal: opts.signal,
    });
  } catch (error) {
    await input.close();
    throw error;
  }
}

/** Turns one line (without its LF) into an item, or undefined for a blank line. */
function lineItem(parser: NdjsonLineParser, text: string, line: number): ParsedOutput | undefined {
  if (text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
  if (text.charCodeAt(0) !== 0x7b && BLANK.test(text)) return undefined;
  return parser.parse(text, line);
}

/** Splits decoded text into lines, appending items; returns the line number reached. */
function splitText(parser: NdjsonLineParser, text: string, line: number, out: ParsedOutput[]): number {
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) break;
    line++;
    const item = lineItem(parser, text.slice(start, end), line);
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
  return line;
}

function tooLong(path: string, line: number): LoadstoneError {
  return new LoadstoneError(
    'SOURCE_FORMAT',
    `${path}: line ${line} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB; is the file really NDJSON (one object per line)?`,
    { details: { path, line } },
  );
}

/**
 * UTF-8 fast path: works on bytes so that one line with bad bytes is reported alone. Runs of
 * complete lines that are valid UTF-8 (nearly always all of them) are decoded in one go.
 */
async function* readUtf8Lines(
  input: ByteInput,
  parser: NdjsonLineParser,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedOutput[], void, undefined> {
  let carry: Buffer | undefined;
  let line = 0;
  let first = true;
  for await (const chunk of input.chunks(signal)) {
    let bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
    if (first) {
      if (bytes.length < 3) {
        carry = bytes;
        continue;
      }
      first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const last = bytes.lastIndexOf(LF);
    if (last < 0) {
      if (bytes.length > MAX_LINE_BYTES) throw tooLong(input.path, line + 1);
      carry = bytes;
      continue;
    }
    carry = bytes.subarray(last + 1);
    const out: ParsedOutput[] = [];
    line = splitBytes(parser, bytes.subarray(0, last + 1), line, out);
    if (out.length > 0) yield out;
  }
  if (signal?.aborted) return;
  if (carry && carry.length > 0) {
    const out: ParsedOutput[] = [];
    splitBytes(parser, Buffer.concat([carry, Buffer.of(LF)]), line, out);
    if (out.length > 0) yield out;
  }
}

/** Splits complete lines (ending in LF) held as bytes; returns the line number reached. */
function splitBytes(parser: NdjsonLineParser, bytes: Buffer, line: number, out: ParsedOutput[]): number {
  if (isUtf8(bytes)) return splitText(parser, bytes.toString('utf8'), line, out);
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(LF, start);
    if (end < 0) return line;
    line++;
    const piece = bytes.subarray(start, end);
    if (isUtf8(piece)) {
      const item = lineItem(parser, piece.toString('utf8'), line);
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
    start = end + 1;
  }
}

/** Other encodings (UTF-16, Windows-1252): decode strictly, then split the text. */
async function* readDecodedLines(
  input: ByteInput,
  encoding: JsonEncoding,
  parser: NdjsonLineParser,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedOutput[], void, undefined> {
  const decoder = createStrictDecoder(encoding.encoding, input.path);
  let carry = '';
  let line = 0;
  for await (const chunk of input.chunks(signal)) {
    const text = carry + decoder.decode(chunk);
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      if (text.length > MAX_LINE_BYTES / 2) throw tooLong(input.path, line + 1);
      carry = text;
      continue;
    }
    carry = text.slice(last + 1);
    const out: ParsedOutput[] = [];
    line = splitText(parser, text.slice(0, last + 1), line, out);
    if (out.length > 0) yield out;
  }
  if (signal?.aborted) return;
  const rest = `${carry}${decoder.end()}\n`;
  const out: ParsedOutput[] = [];
  splitText(parser, rest, line, out);
  if (out.length > 0) yield out;
}

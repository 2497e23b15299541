import { LoadstoneError } from '../../../common/errors.ts';
import type { FileSourceSpec } from '../../../common/spec/job-spec.ts';
import { type ByteInput, HEAD_BYTES } from '../byte-input.ts';
import { ChunkDecoder, decodeAll } from '../encoding/chunk-decoder.ts';
import { detectEncoding } from '../encoding/detect-encoding.ts';
import type { DetectedFormat, OpenedSource, OpenSourceOptions, SourceRow } from '../types.ts';
import { detectHeader, generatedNames, headerNames } from './header.ts';
import { RowChecker } from './row-checker.ts';
import { type Dialect, headerCandidate, sniffDialect } from './sniff.ts';
import { DelimitedTokenizer, reparseRecord, type TokenizerOptions } from './tokenizer.ts';

/** Rows per yielded batch. */
export const BATCH_ROWS = 1000;

/**
 * Largest head read for detection. The usual 64 KiB head is grown (×16 each time, up to this)
 * while it holds fewer than SNIFF_MIN_RECORDS whole records, so a header row of 20,000 columns is
 * seen whole and detected as a header.
 */
export const MAX_SNIFF_BYTES = 16 * 1024 * 1024;
/** Whole records the head should hold for the delimiter and header to be judged. */
const SNIFF_MIN_RECORDS = 10;

/** What the file name says about a delimited file (`.tsv` → tab, `.psv` → pipe). */
export interface DelimitedHints {
  delimiter?: string;
}

/**
 * Opens a CSV/TSV (any single-character delimiter) for reading.
 * Encoding, delimiter, quote and header are detected from the head of the file unless the
 * spec sets them (see `detectEncoding`, `sniffDialect`, `detectHeader`). Takes ownership of
 * `input`: it is closed when the rows are read, the consumer stops, the signal aborts, or
 * `close()` is called.
 * @throws LoadstoneError SPEC_INVALID when delimiter and quote cannot work together
 */
export async function openDelimitedSource(
  input: ByteInput,
  spec: FileSourceSpec,
  opts: OpenSourceOptions = {},
  hints: DelimitedHints = {},
): Promise<OpenedSource> {
  checkDialectSpec(spec);
  let head = input.head;
  let complete = head.length < HEAD_BYTES;
  const enc = detectEncoding(head, complete, spec.encoding);
  const hintsOf = {
    delimiter: spec.delimiter,
    quote: spec.quote,
    preferredDelimiter: hints.delimiter,
    maxLineChars: spec.maxLineChars,
  };
  const sniff = (): Dialect => {
    try {
      return sniffDialect(decodeAll(head, enc.label, complete), complete, hintsOf);
    } catch (error) {
      throw withPath(error, input.path);
    }
  };
  let dialect = sniff();
  while (!complete && dialect.records.length < SNIFF_MIN_RECORDS && head.length < MAX_SNIFF_BYTES) {
    // Long records: look further, so that the header and a few rows are seen whole.
    const want = Math.min(head.length * 16, MAX_SNIFF_BYTES);
    head = await input.readHead(want);
    complete = head.length < want;
    dialect = sniff();
  }
  // A header given by the spec is the first record; a detected one may follow title lines.
  const at = spec.header === undefined ? headerCandidate(dialect.records, dialect.fieldCount) : 0;
  const sample = dialect.records.slice(at).map((r) => r.values as string[]);
  const first = sample[0] ?? [];
  const header =
    spec.header ??
    (first.length === dialect.fieldCount && dialect.records.length > 0 && detectHeader(sample));
  const headerLine = header ? (dialect.records[at]?.line ?? 1) : 0;
  const columns = header ? headerNames(first) : generatedNames(dialect.fieldCount);
  const format: DetectedFormat = {
    kind: dialect.delimiter === '\t' ? 'tsv' : 'csv',
    encoding: enc.encoding,
    compression: input.compression,
    delimiter: dialect.delimiter,
    quote: dialect.quote,
    header,
    bom: enc.bom,
  };

  let started = false;
  return {
    format,
    columns,
    totalBytes: input.totalBytes,
    bytesRead: () => input.bytesRead(),
    rows(): AsyncIterable<SourceRow[]> {
      if (started) throw new LoadstoneError('INTERNAL', `${input.path}: rows() can be read only once`);
      started = true;
      const options = { delimiter: dialect.delimiter, quote: dialect.quote, maxLineChars: spec.maxLineChars };
      return readRows(input, enc.label, options, headerLine, columns, opts.signal);
    },
    close: () => input.close(),
    reparse: (recordText) =>
      reparseRecord(
        { delimiter: dialect.delimiter, quote: dialect.quote, maxLineChars: Number.MAX_SAFE_INTEGER },
        recordText,
      ),
  };
}

async function* readRows(
  input: ByteInput,
  label: ConstructorParameters<typeof ChunkDecoder>[0],
  options: TokenizerOptions,
  headerLine: number,
  columns: readonly string[],
  signal: AbortSignal | undefined,
): AsyncGenerator<SourceRow[]> {
  const tokenizer = new DelimitedTokenizer(options);
  const decoder = new ChunkDecoder(label);
  const checker = new RowChecker(columns);
  let pending: SourceRow[] = [];
  let checked = 0;
  let skipHeader = headerLine > 0;
  try {
    const settle = (): void => {
      if (skipHeader) {
        // The header is among the first few records (after title lines, see headerCandidate).
        const i = pending.findIndex((r) => r.line >= headerLine);
        if (i !== -1) {
          if (pending[i]!.line === headerLine) pending.splice(i, 1);
          skipHeader = false;
        }
      }
      const checkEncoding = decoder.invalidSeen;
      for (; checked < pending.length; checked++) checker.check(pending[checked]!, checkEncoding);
    };
    for await (const chunk of input.chunks(signal)) {
      tokenizer.push(decoder.decode(chunk), pending);
      settle();
      if (pending.length >= BATCH_ROWS) {
        let i = 0;
        for (; i + BATCH_ROWS <= pending.length; i += BATCH_ROWS) {
          if (signal?.aborted) return;
          yield pending.slice(i, i + BATCH_ROWS);
        }
        pending = pending.slice(i);
        checked = pending.length;
      }
      if (signal?.aborted) return;
    }
    if (signal?.aborted) return;
    const tail = decoder.end();
    if (tail) tokenizer.push(tail, pending);
    tokenizer.finish(pending);
    settle();
    if (pending.length > 0) yield pending;
  } catch (error) {
    throw withPath(error, input.path);
  } finally {
    await input.close();
  }
}

/** The tokenizer's whole-file error (a line with no end) with the file it is about. */
function withPath(error: unknown, path: string): unknown {
  if (
    !(error instanceof LoadstoneError) ||
    error.code !== 'SOURCE_FORMAT' ||
    error.message.startsWith(path)
  ) {
    return error;
  }
  return new LoadstoneError('SOURCE_FORMAT', `${path}: ${error.message}`, {
    details: { path, ...error.details },
  });
}

function checkDialectSpec(spec: FileSourceSpec): void {
  const { delimiter, quote } = spec;
  if (delimiter === '\n' || delimiter === '\r') {
    throw new LoadstoneError('SPEC_INVALID', 'source.delimiter: a line break cannot be the delimiter');
  }
  if (quote === '\n' || quote === '\r') {
    throw new LoadstoneError('SPEC_INVALID', 'source.quote: a line break cannot be the quote character');
  }
  if (delimiter !== undefined && delimiter === quote) {
    throw new LoadstoneError('SPEC_INVALID', `source.delimiter and source.quote are both '${delimiter}'`);
  }
}

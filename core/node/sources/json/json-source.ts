import type { Token } from 'stream-json/core/parser.js';
import { LoadstoneError } from '../../../common/errors.ts';
import type { FileSourceSpec } from '../../../common/spec/job-spec.ts';
import { JsonNumber, type RawValue } from '../../../common/types.ts';
import { type ByteInput, HEAD_BYTES } from '../byte-input.ts';
import type { OpenedSource, OpenSourceOptions } from '../types.ts';
import { ArrayRecordAssembler } from './json-assembler.ts';
import { type JsonCopyRuns, jsonCopyText } from './json-copy-rows.ts';
import type { ColumnIndex, ParsedOutput } from './json-record.ts';
import { recoverSyntaxError } from './json-syntax-error.ts';
import {
  createStrictDecoder,
  detectJsonEncoding,
  firstSignificantChar,
  type JsonEncoding,
} from './json-text.ts';
import { createTokenizer, NONE } from './json-tokens.ts';
import { openRecordSource } from './record-source.ts';
import { RecordSplitter } from './record-splitter.ts';
import { type CapturedScalar, RecordsRouter } from './records-path.ts';

/** How the file is read: what the records' columns are, and the COPY writer once the load allows it. */
interface ArrayReading {
  columns: ColumnIndex | undefined;
  copy: JsonCopyRuns | undefined;
}

/**
 * Opens a JSON file holding one array of objects (`[{...}, {...}]`, or the array at `records`),
 * streaming it: the records are cut out of the text and parsed natively (record-splitter.ts, as an
 * HTTP API body is), or written straight into COPY text once the load allows it (json-copy-rows.ts);
 * the text around them goes through stream-json. Columns are the keys of the first 10,000 records in
 * first-seen order; `line` is the 1-based record number. Record fields that are numbers arrive as
 * `JsonNumber` with their exact text.
 * @throws LoadstoneError SOURCE_FORMAT when the file is empty or its top level is not an array;
 *   `rows()` throws SOURCE_FORMAT (with line and column) on a syntax error, after the rows before it.
 */
export async function openJsonSource(
  input: ByteInput,
  spec: FileSourceSpec,
  opts: OpenSourceOptions,
): Promise<OpenedSource> {
  try {
    const encoding = detectJsonEncoding(input.head, spec.encoding);
    if (spec.records === undefined) checkTopLevel(input, encoding);
    const assembler = new ArrayRecordAssembler(input.path);
    const router = spec.records === undefined ? undefined : new RecordsRouter(spec.records, [], assembler);
    const reading: ArrayReading = { columns: undefined, copy: undefined };
    const source = await openRecordSource({
      format: {
        kind: 'json',
        encoding: encoding.encoding,
        compression: input.compression,
        header: true,
        bom: encoding.bom,
      },
      items: readArray(input, encoding, assembler, reading, opts.signal, router),
      fixColumns: (columns) => {
        reading.columns = columns;
        assembler.fixColumns(columns);
      },
      totalBytes: input.totalBytes,
      bytesRead: () => input.bytesRead(),
      release: () => input.close(),
      what: 'record',
      signal: opts.signal,
    });
    return {
      ...source,
      // JSON strings are data: `"NA"` and `""` are values (null is JSON's own).
      textIsData: true,
      // Records with the columns as keys, in order, and values that pass go on as COPY text.
      copyText: jsonCopyText(source.columns, (runs) => {
        reading.copy = runs;
      }),
    };
  } catch (error) {
    await input.close();
    throw error;
  }
}

/** A captured scalar as the cell the JSON reader gives (a number as its exact text). */
function scalarCell(value: CapturedScalar | undefined): RawValue {
  if (value === undefined || value === null || typeof value !== 'object') return value ?? null;
  return new JsonNumber(value.number);
}

/** Fails early, with a clear message, when the file cannot be an array of objects. */
function checkTopLevel(input: ByteInput, encoding: JsonEncoding): void {
  let head: string;
  try {
    head = new TextDecoder(encoding.encoding === 'latin1' ? 'windows-1252' : encoding.encoding).decode(
      input.head,
    );
  } catch {
    return; // the streaming decoder reports bad bytes with their offset
  }
  const first = firstSignificantChar(head);
  if (first === '[') return;
  if (first === '' && input.head.length < HEAD_BYTES) {
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${input.path}: the file is empty; expected a JSON array of objects`,
      {
        details: { path: input.path },
      },
    );
  }
  if (first === '{') {
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${input.path}: the JSON file holds one object at the top level; expected an array of objects ` +
        '([{...}, {...}]). When the records are an array inside it, give its path as source.records ' +
        '(--records); for one object per line, read it as NDJSON.',
      { details: { path: input.path } },
    );
  }
  // Other starts (a scalar, garbage) are reported by the parser with their position.
}

/** The records path of a JSON file led to no array. */
export function noRecordsAt(where: string, router: RecordsRouter, path?: string): LoadstoneError {
  const records = path ?? 'the records path';
  const found =
    router.recordsNotArray !== undefined
      ? `holds ${router.recordsNotArray}, not an array of records`
      : router.topLevel === 'object'
        ? `is not in the document (its top-level keys: ${router.topKeys.map((k) => JSON.stringify(k)).join(', ') || 'none'})`
        : `cannot be followed: the document's top level is ${router.topLevel === 'array' ? 'an array' : router.topLevel === 'none' ? 'empty' : 'a scalar'}`;
  return new LoadstoneError('SOURCE_FORMAT', `${where}: ${records} ${found}`, {
    details: { path: where },
  });
}

/**
 * Streams the file, yielding the elements completed in each chunk: object records cut out of the
 * text by the splitter (parsed natively, or written as COPY text once `reading.copy` is set), the rest
 * through stream-json's tokenizer and the router. The writer and the columns are picked up when the
 * splitter is made, at the first chunk after they are set.
 */
async function* readArray(
  input: ByteInput,
  encoding: JsonEncoding,
  assembler: ArrayRecordAssembler,
  reading: ArrayReading,
  signal: AbortSignal | undefined,
  router?: RecordsRouter,
): AsyncGenerator<ParsedOutput[], void, undefined> {
  const decoder = createStrictDecoder(encoding.encoding, input.path);
  const tokenize = createTokenizer();
  // Without a records path the document itself is the array (its top level watched, for a message).
  const route = router ?? new RecordsRouter(undefined, [''], assembler);
  const tokenizeInto = (text: string | typeof NONE, out: ParsedOutput[]): void => {
    route.consume(tokenize(text), out);
  };
  const splitter = new RecordSplitter(route, assembler, tokenizeInto);
  let columns: ColumnIndex | undefined;
  let syntaxError: unknown;
  const feed = (text: string | typeof NONE): ParsedOutput[] => {
    const out: ParsedOutput[] = [];
    // The columns and the writer come once the read-ahead fixed them and the load allowed it.
    if (reading.columns !== columns) {
      columns = reading.columns;
      if (columns) splitter.fixColumns(columns);
    }
    splitter.setCopyWriter(reading.copy);
    try {
      if (text === NONE) {
        splitter.end(out);
        tokenizeInto(NONE, out);
      } else splitter.push(text, out);
    } catch (error) {
      // The records before the error in this chunk are handed out; the replay finds where it is.
      reading.copy?.take(out);
      syntaxError = error;
    }
    return out;
  };
  const fail = async function* (): AsyncGenerator<ParsedOutput[], never, undefined> {
    const route = router
      ? (replay: ArrayRecordAssembler) => {
          const again = new RecordsRouter(router.target, [], replay);
          return (tokens: readonly Token[], out: ParsedOutput[]) => again.consume(tokens, out);
        }
      : undefined;
    const { items, error } = await recoverSyntaxError(input, encoding, syntaxError, assembler, route);
    if (items.length > 0) yield items;
    throw error;
  };

  for await (const chunk of input.chunks(signal)) {
    const out = feed(decoder.decode(chunk));
    if (out.length > 0) yield out;
    if (syntaxError !== undefined) return yield* fail();
  }
  if (signal?.aborted) return;
  let out = feed(decoder.end());
  if (syntaxError === undefined) out = out.concat(feed(NONE));
  if (out.length > 0) yield out;
  if (syntaxError !== undefined) return yield* fail();
  if (router && !router.recordsDone) throw noRecordsAt(input.path, router, `records path '${router.target}'`);
  if (!router && route.topLevel === 'scalar') throw assembler.scalarAtTop(scalarCell(route.captured.get('')));
  if (!assembler.done) {
    // The parser accepted the end of input, so only an empty document can get here.
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${input.path}: the file is empty; expected a JSON array of objects`,
      {
        details: { path: input.path },
      },
    );
  }
}

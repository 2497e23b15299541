import { DEFAULT_MAX_LINE_CHARS, type FileSourceSpec } from '../../../common/spec/job-spec.ts';
import type { ByteInput } from '../byte-input.ts';
import { jsonCopyText } from '../json/json-copy-rows.ts';
import { type ColumnIndex, ProblemItem, RecordItem } from '../json/json-record.ts';
import { detectJsonEncoding } from '../json/json-text.ts';
import { openRecordSource } from '../json/record-source.ts';
import type { OpenedSource, OpenSourceOptions } from '../types.ts';
import { type LineReading, lineItem, readDecodedLines, readUtf8Lines } from './line-reader.ts';
import { NdjsonLineParser } from './ndjson-line.ts';

/**
 * Opens an NDJSON file (one JSON object per line). `line` is the physical line number; blank
 * lines are skipped; CRLF is accepted. A line that is not valid JSON becomes an
 * `invalid_json_line` row (its text in `rawText`) and reading goes on; valid JSON that is not an
 * object becomes `not_an_object`; bytes that are not UTF-8 make that line `invalid_encoding`; a
 * line longer than `spec.maxLineChars` is `line_too_long` and skipped (one that runs on for twice
 * that stops the read with SOURCE_FORMAT).
 * Columns are the keys of the first 10,000 records; top-level numbers arrive as `JsonNumber`.
 */
export async function openNdjsonSource(
  input: ByteInput,
  spec: FileSourceSpec,
  opts: OpenSourceOptions,
): Promise<OpenedSource> {
  try {
    const encoding = detectJsonEncoding(input.head, spec.encoding);
    const parser = new NdjsonLineParser();
    const reading: LineReading = {
      parser,
      maxChars: spec.maxLineChars ?? DEFAULT_MAX_LINE_CHARS,
      path: input.path,
    };
    let fixed: ColumnIndex | undefined;
    const source = await openRecordSource({
      format: {
        kind: 'ndjson',
        encoding: encoding.encoding,
        compression: input.compression,
        header: true,
        bom: encoding.bom,
      },
      items:
        encoding.encoding === 'utf-8'
          ? readUtf8Lines(input, reading, opts.signal)
          : readDecodedLines(input, encoding, reading, opts.signal),
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
    return {
      ...source,
      // JSON strings are data: `"NA"` and `""` are values (null is JSON's own).
      textIsData: true,
      // Lines whose record has the columns as keys, in order, and values that pass go on as COPY text.
      copyText: jsonCopyText(source.columns, (runs) => {
        reading.copy = runs;
      }),
    };
  } catch (error) {
    await input.close();
    throw error;
  }
}

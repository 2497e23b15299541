import { LoadstoneError } from '../../../common/errors.ts';
import type { Encoding, ReadKind } from '../../../common/spec/job-spec.ts';
import type { ColumnType, RawValue, RecordPlace, RowProblem } from '../../../common/types.ts';
import type { OpenedSource, SourceRow } from '../types.ts';
import { type CopyTextSource, leavingColumnsOut } from '../verbatim-rows.ts';

/** Rows per batch a database source hands over (and fetches from its cursor at a time). */
export const DATABASE_BATCH_ROWS = 1000;

/** What a database driver gives a `databaseSource`: batches of rows, aligned with the columns. */
export interface DatabaseReader {
  /** Up to `max` more rows; an empty array at the end. Throws a LoadstoneError naming the source. */
  next(max: number): Promise<RawValue[][]>;
  /** Ends the read (closes the cursor, ends the transaction, lets the connection go). Idempotent. */
  close(): Promise<void>;
  /**
   * Instead of `next`, for a driver that reads rows as text it can read again (PostgreSQL's COPY
   * text): up to about `max` more rows with where each one's text is, so that the loader keeps
   * three numbers per row in flight instead of its cells (see `OpenedSource.reparse`).
   */
  nextText?(max: number): Promise<TextRows>;
  /** With `nextText`: reads a row again from its text (becomes `OpenedSource.reparse`). */
  reparse?(recordText: string): RawValue[];
  /** With `nextText`: the reader can hand rows on as their text (`OpenedSource.copyText`). */
  copyText?: CopyTextSource;
}

/** `TextRows.values` of a row whose text goes on as it is (see `OpenedSource.copyText`). */
export const VERBATIM_ROW = Object.freeze([]) as unknown as RawValue[];

/**
 * Rows with their source text: `values[i]` was read from `texts[i].slice(starts[i], ends[i])`, a row
 * without text has `''`. A `VERBATIM_ROW` entry is a run of `counts[i]` rows, one per line (its text
 * may be UTF-8 bytes, a Buffer); any other entry is one row.
 */
export interface TextRows {
  values: RawValue[][];
  texts: (string | Buffer)[];
  starts: number[];
  ends: number[];
  /** By index: a row that could not be read as it is (its `values` what was read), and why. */
  problems?: Record<number, RowProblem>;
  counts: number[];
}

/**
 * One `OpenedSource` over any database driver (PostgreSQL, SQLite, MySQL): the driver reads, this
 * numbers rows (`line` = 1-based row number in the result), honours the abort signal between
 * batches and closes the reader whether the consumer reads to the end, breaks out or fails.
 */
export function databaseSource(parts: {
  kind: ReadKind;
  /** What the messages call the source (`sourceLabel`, never a secret). */
  label: string;
  columns: readonly string[];
  columnTypes: readonly (ColumnType | null)[];
  /** `OpenedSource.nativeTypes` (PostgreSQL). */
  nativeTypes?: readonly (string | null)[] | undefined;
  reader: DatabaseReader;
  signal?: AbortSignal | undefined;
  placeOf?: ((line: number, raw: Readonly<Record<string, RawValue>>) => RecordPlace | undefined) | undefined;
  /** `OpenedSource.estimatedRows`: given only for a table read whole. */
  estimatedRows?: number | undefined;
  /** How the database's text was decoded (default UTF-8): a SQL_ASCII PostgreSQL's as its job says. */
  encoding?: Encoding | undefined;
  /** `OpenedSource.readSample`: rows read apart from `reader` (their `line` 1, 2, …). */
  readSample?: ((rows: number) => Promise<SourceRow[]>) | undefined;
}): OpenedSource {
  const { reader, signal, label } = parts;
  let iterated = false;
  let rowsRead = 0;
  const nextText = reader.nextText && reader.reparse ? reader.nextText.bind(reader) : undefined;
  const source: OpenedSource = {
    format: { kind: parts.kind, encoding: parts.encoding ?? 'utf-8', compression: 'none', header: true },
    columns: parts.columns,
    columnTypes: parts.columnTypes,
    ...(parts.nativeTypes ? { nativeTypes: parts.nativeTypes } : {}),
    totalBytes: undefined,
    bytesRead: () => 0,
    readsNoBytes: true,
    ...(parts.estimatedRows !== undefined && parts.estimatedRows > 0
      ? { estimatedRows: parts.estimatedRows }
      : {}),
    close: () => reader.close(),
    rows(): AsyncIterable<SourceRow[]> {
      if (iterated) throw new Error('a database source can be iterated once');
      iterated = true;
      return {
        async *[Symbol.asyncIterator]() {
          try {
            while (true) {
              if (signal?.aborted) {
                throw new LoadstoneError('LOAD_CANCELLED', `${label}: cancelled while reading`);
              }
              if (nextText) {
                const rows = await nextText(DATABASE_BATCH_ROWS);
                const n = rows.values.length;
                if (n === 0) return;
                const { values, texts, starts, ends, counts } = rows;
                const batch: SourceRow[] = [];
                for (let i = 0; i < n; i++) {
                  const text = texts[i]!;
                  const run = counts[i]!;
                  if (values[i] === VERBATIM_ROW) {
                    batch.push({
                      line: rowsRead + 1,
                      values: VERBATIM_ROW,
                      ...(typeof text === 'string' ? { text } : { bytes: text }),
                      textStart: starts[i]!,
                      textEnd: ends[i]!,
                      verbatim: true,
                      rows: run,
                    });
                  } else if (text === '') {
                    const problem = rows.problems?.[i];
                    batch.push(
                      problem
                        ? { line: rowsRead + 1, values: values[i]!, problem }
                        : { line: rowsRead + 1, values: values[i]! },
                    );
                  } else {
                    batch.push({
                      line: rowsRead + 1,
                      values: values[i]!,
                      text: text as string,
                      textStart: starts[i]!,
                      textEnd: ends[i]!,
                    });
                  }
                  rowsRead += run;
                }
                yield batch;
                continue;
              }
              const rows = await reader.next(DATABASE_BATCH_ROWS);
              if (rows.length === 0) return;
              const batch: SourceRow[] = new Array(rows.length);
              for (let i = 0; i < rows.length; i++) batch[i] = { line: ++rowsRead, values: rows[i]! };
              yield batch;
            }
          } finally {
            await reader.close();
          }
        },
      };
    },
  };
  if (nextText && reader.reparse) {
    (source as { reparse?: OpenedSource['reparse'] }).reparse = reader.reparse.bind(reader);
    if (reader.copyText) {
      // A reader that writes its rows' COPY text can leave columns out of it.
      (source as { copyText?: CopyTextSource }).copyText = reader.copyText.skips
        ? leavingColumnsOut(reader.copyText, source.columns, reader.reparse.bind(reader))
        : reader.copyText;
    }
  }
  if (parts.readSample) {
    (source as { readSample?: OpenedSource['readSample'] }).readSample = parts.readSample;
  }
  if (parts.placeOf) {
    const placeOf = parts.placeOf;
    (source as { placeOf?: OpenedSource['placeOf'] }).placeOf = placeOf;
  }
  return source;
}

/**
 * The provenance of a row: its key values when the source table has a primary key that the read
 * returns whole, else its row number in the result.
 */
export function keyPlace(
  keyColumns: readonly string[] | null,
): (line: number, raw: Readonly<Record<string, RawValue>>) => RecordPlace {
  return (line, raw) => {
    if (!keyColumns || keyColumns.length === 0) return { kind: 'row', row: line };
    const key: Record<string, string | null> = {};
    for (const column of keyColumns) {
      const value = raw[column];
      if (value === undefined) return { kind: 'row', row: line };
      key[column] = value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    return { kind: 'key', key };
  };
}

/**
 * The source column an incremental load's watermark is compared on, when the read can push
 * `WHERE col > mark ORDER BY col` down; undefined when there is no mark or no such column.
 */
export function pushdownColumn(
  incremental:
    | { after: string; sourceColumn: (columns: readonly string[]) => string | undefined }
    | undefined,
  columns: readonly string[],
): { column: string; after: string } | undefined {
  if (!incremental) return undefined;
  const column = incremental.sourceColumn(columns);
  return column === undefined ? undefined : { column, after: incremental.after };
}

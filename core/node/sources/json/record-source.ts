import { LoadstoneError } from '../../../common/errors.ts';
import type { RawValue } from '../../../common/types.ts';
import type { DetectedFormat, OpenedSource, SourceRow } from '../types.ts';
import { ColumnIndex, type ParsedOutput, RecordItem, toSourceRow } from './json-record.ts';

/** Records read ahead to decide the columns (the union of their keys). */
export const COLUMN_SAMPLE_RECORDS = 10_000;

/** Rows per yielded batch. */
export const BATCH_ROWS = 1_000;

/** What a JSON-family parser provides to `openRecordSource`. */
export interface RecordSourceParts {
  readonly format: DetectedFormat;
  /** Parsed items in file order, in batches of any size. Throws LoadstoneError on a whole-file error. */
  readonly items: AsyncGenerator<ParsedOutput[], void, undefined>;
  /** Called once the read-ahead has fixed the columns: the parser may then yield aligned rows. */
  fixColumns(columns: ColumnIndex): void;
  readonly totalBytes: number | undefined;
  bytesRead(): number;
  /** Releases the underlying file. */
  release(): Promise<void>;
  /** Word for the position in messages: "record" (JSON array) or "line" (NDJSON). */
  readonly what: string;
  /** Reads one record again from its text, for parsers whose rows say where their text is. */
  readonly reparse?: (recordText: string) => RawValue[];
  readonly signal: AbortSignal | undefined;
  /**
   * Records read ahead to decide the columns (default COLUMN_SAMPLE_RECORDS): a preview of an API
   * reads only its sample, not 10,000 records' worth of pages.
   */
  readonly readAhead?: number | undefined;
}

/**
 * Reads the first records ahead to fix the columns, then serves every row in batches,
 * replaying the read-ahead first. Memory stays bounded by the read-ahead.
 *
 * A whole-file error met during the read-ahead is thrown at once when no record came before it;
 * otherwise it is thrown by `rows()` after the rows that precede it, as it would be when met later.
 */
export async function openRecordSource(parts: RecordSourceParts): Promise<OpenedSource> {
  const { items, signal, what } = parts;
  const readAhead = parts.readAhead ?? COLUMN_SAMPLE_RECORDS;
  const ahead: ParsedOutput[] = [];
  let deferred: unknown;
  let finished = false;
  let closed = false;

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await items.return(undefined);
    } finally {
      await parts.release();
    }
  };

  try {
    while (ahead.length < readAhead && !signal?.aborted) {
      const next = await items.next();
      if (next.done) {
        finished = true;
        break;
      }
      for (const item of next.value) ahead.push(item);
    }
  } catch (error) {
    if (ahead.length === 0) {
      await close();
      throw error;
    }
    deferred = error;
    finished = true;
  }

  const columns = new ColumnIndex();
  // Only the read-ahead decides the columns; a later new key is reported, not added.
  const sampled = Math.min(ahead.length, readAhead);
  for (let i = 0; i < sampled; i++) {
    const item = ahead[i]!;
    if (item instanceof RecordItem) columns.learn(item.keys);
  }
  parts.fixColumns(columns);

  let iterated = false;
  async function* rows(): AsyncGenerator<SourceRow[], void, undefined> {
    if (iterated) throw new LoadstoneError('INTERNAL', 'the rows of a source can be read only once');
    iterated = true;
    try {
      let batch: SourceRow[] = [];
      // Rows toward a batch: a run of rows written as COPY text counts as its rows.
      let batchRows = 0;
      for (const item of ahead.splice(0)) {
        batch.push(toSourceRow(item, columns, what));
        if (++batchRows >= BATCH_ROWS) {
          if (signal?.aborted) return;
          yield batch;
          batch = [];
          batchRows = 0;
        }
      }
      // The rows read ahead go out even when they fill no batch: a preview that read its sample of
      // 20 records stops here, and an API is not asked for 1,000 records' worth of pages more.
      if (batch.length > 0 && deferred === undefined && !finished) {
        if (signal?.aborted) return;
        yield batch;
        batch = [];
        batchRows = 0;
      }
      if (deferred !== undefined) {
        if (batch.length > 0 && !signal?.aborted) yield batch;
        throw deferred;
      }
      if (!finished) {
        for (;;) {
          if (signal?.aborted) return;
          let next: IteratorResult<ParsedOutput[], void>;
          try {
            next = await items.next();
          } catch (error) {
            // A whole-file error: the rows before it (a batch not yet full) still come out first.
            if (batch.length > 0 && !signal?.aborted) yield batch;
            throw error;
          }
          if (next.done) break;
          for (const item of next.value) {
            const row = toSourceRow(item, columns, what);
            batch.push(row);
            batchRows += row.rows ?? 1;
            if (batchRows >= BATCH_ROWS) {
              if (signal?.aborted) return;
              yield batch;
              batch = [];
              batchRows = 0;
            }
          }
        }
      }
      if (batch.length > 0 && !signal?.aborted) yield batch;
    } finally {
      await close();
    }
  }

  return {
    format: parts.format,
    columns: columns.names,
    totalBytes: parts.totalBytes,
    bytesRead: () => parts.bytesRead(),
    rows,
    close,
    ...(parts.reparse ? { reparse: parts.reparse } : {}),
  };
}

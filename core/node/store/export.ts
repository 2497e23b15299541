import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { REPORT_COLUMNS, REPORT_RAW_TEXT_COLUMN } from '../../common/export-format.ts';
import type { RecordPlace } from '../../common/types.ts';
import { PRIVATE_FILE_MODE } from '../runtime/private-files.ts';
import { runSeqOf } from './context.ts';
import { csvRecord } from './csv.ts';
import type { RunStore } from './open-store.ts';
import { rawCellTexts } from './raw-json.ts';
import { type RejectedRowRecord, RowSelector } from './reports.ts';
import type { ReportFilter } from './types.ts';

/** Error report file formats. */
export const REPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
/** One of REPORT_FORMATS. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report columns added after the source columns of a CSV report. */
export const CSV_REPORT_COLUMNS = REPORT_COLUMNS;

/**
 * Where a record came from (JSON's `at`, see `RecordPlace`), as CSV columns between the source
 * columns and `line`, only in the report of a run whose rejected records have such a place: an HTTP
 * API's page number, the record's 1-based index in it and the page's URL (masked as stored); a
 * database row's primary key (`id=42`, `region=eu, id=2`; `NULL` for a null part). A database row
 * without a key is numbered by `line` (its row in the result), as a file's is.
 */
export const CSV_PLACE_COLUMNS = {
  page: ['at_page', 'at_record', 'at_url'],
  key: ['at_key'],
} as const;
/** The kinds of place a CSV report has columns for, in column order. */
type PlaceColumnKind = keyof typeof CSV_PLACE_COLUMNS;
const PLACE_KINDS: readonly PlaceColumnKind[] = ['page', 'key'];

export interface ExportOptions {
  filter?: ReportFilter;
  /** Start a CSV file with a UTF-8 byte-order mark (Excel on Windows then reads it as UTF-8). */
  bom?: boolean;
  /** Checked between batches; an aborted export removes its partial file. */
  signal?: AbortSignal;
  /** Rows read from SQLite per batch (default 500): bounds memory. */
  batchSize?: number;
}

/** `.csv` → csv, `.json` → json, `.ndjson`/`.jsonl` → ndjson. @throws LoadstoneError BAD_USAGE otherwise. */
export function reportFormatFromPath(file: string): ReportFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw new LoadstoneError(
    'BAD_USAGE',
    `cannot tell the report format of '${file}': use a .csv, .json, .ndjson or .jsonl file name`,
  );
}

/**
 * Names of the CSV report columns: the source columns, then the place columns of `placeColumns`
 * (`CSV_PLACE_COLUMNS`), then `line, stage, column, reason, message` (and `raw_text` when some record
 * could not be split into fields). A column of Loadstone's whose name a source column already has
 * (compared case-insensitively, as target names are derived lower-case) is suffixed `_2`, `_3`, …
 * until unique; the source columns keep their names so the file re-loads, and the trailing columns
 * mark the file as a Loadstone report (`exportLayout` in core/common/export-format.ts), so a reload
 * removes the formula guards the export added: the place columns go before them, never after.
 */
export function csvReportHeader(
  sourceColumns: readonly string[],
  withRawText: boolean,
  placeColumns: readonly PlaceColumnKind[] = [],
): string[] {
  const taken = new Set(sourceColumns.map((c) => c.toLowerCase()));
  const extra: string[] = [];
  const places = PLACE_KINDS.filter((kind) => placeColumns.includes(kind)).flatMap(
    (kind) => CSV_PLACE_COLUMNS[kind],
  );
  for (const base of [...places, ...CSV_REPORT_COLUMNS, ...(withRawText ? [REPORT_RAW_TEXT_COLUMN] : [])]) {
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    taken.add(name.toLowerCase());
    extra.push(name);
  }
  return [...sourceColumns, ...extra];
}

/**
 * Streams a run's rejected rows to a file or a stream, never holding the report in memory:
 * rows are read in keyset batches (no statement or transaction stays open across an await) and
 * written with backpressure.
 * - CSV: one line per rejected record: the source columns as read, then where an API or database
 *   record came from (`CSV_PLACE_COLUMNS`, only for a run whose records have a place), then line,
 *   stage, and the record's errors' column / reason / message joined by `; ` (SQLSTATE appended to
 *   the message). Cells are formula-neutralised (see csv.ts).
 * - JSON (an array) and NDJSON (one object a line): `{ line, at, stage, raw, rawText, errors }`
 *   (`at`: where an API or database record came from, see `RecordPlace`; null for a file), with
 *   `raw` exactly as stored (JSON numbers keep their source text) and `errors` as an array.
 * A file path is written to a temporary name and renamed when complete; a stream is not ended.
 * @returns the number of rows written and the path (null for a stream).
 */
export async function exportReport(
  store: RunStore,
  runId: string,
  format: ReportFormat,
  out: string | NodeJS.WritableStream,
  opts: ExportOptions = {},
): Promise<{ rows: number; path: string | null }> {
  const ctx = store.context;
  const seq = runSeqOf(ctx, runId);
  const filter = opts.filter ?? {};
  const batchSize = Math.max(1, opts.batchSize ?? 500);
  const sourceColumns = JSON.parse(
    ctx.db.prepare('SELECT source_columns FROM runs WHERE seq = ?').pluck().get(seq) as string,
  ) as string[];
  const withRawText =
    format === 'csv' &&
    ctx.db
      .prepare('SELECT 1 FROM rejected_rows WHERE run_seq = ? AND raw_text IS NOT NULL LIMIT 1')
      .get(seq) !== undefined;
  // The kinds of place the run's records have (none for a file): the same columns whatever the filter.
  const placeKinds =
    format === 'csv'
      ? (
          ctx.db
            .prepare(
              "SELECT DISTINCT json_extract(place, '$.kind') FROM rejected_rows WHERE run_seq = ? AND place IS NOT NULL",
            )
            .pluck()
            .all(seq) as unknown[]
        ).filter((kind): kind is PlaceColumnKind => PLACE_KINDS.includes(kind as PlaceColumnKind))
      : [];

  const cancelled = () => new LoadstoneError('LOAD_CANCELLED', 'the export was cancelled');
  if (opts.signal?.aborted) throw cancelled();
  const target =
    typeof out === 'string' ? await openFile(out) : { stream: out, commit: async () => {}, abort: () => {} };
  const sink = new Sink(target.stream);
  let cursor: { next(): RejectedRowRecord[]; close(): void } | undefined;
  let rows = 0;
  try {
    cursor = new RowSelector(ctx).cursor(seq, filter, batchSize);
    if (format === 'csv') {
      await sink.write(
        (opts.bom ? '\uFEFF' : '') + csvRecord(csvReportHeader(sourceColumns, withRawText, placeKinds)),
      );
    } else if (format === 'json') {
      await sink.write('[');
    }
    for (;;) {
      if (opts.signal?.aborted) throw cancelled();
      const batch = cursor.next();
      if (batch.length === 0) break;
      let chunk = '';
      for (const row of batch) {
        if (format === 'csv') chunk += csvLine(row, sourceColumns, withRawText, placeKinds);
        else if (format === 'ndjson') chunk += `${jsonRecord(row)}\n`;
        else chunk += `${rows === 0 ? '\n' : ',\n'}${jsonRecord(row)}`;
        rows++;
      }
      await sink.write(chunk);
    }
    if (format === 'json') await sink.write(rows === 0 ? ']\n' : '\n]\n');
    await target.commit();
  } catch (error) {
    target.abort();
    throw error;
  } finally {
    cursor?.close();
    sink.detach();
  }
  return { rows, path: typeof out === 'string' ? path.resolve(out) : null };
}

function csvLine(
  row: RejectedRowRecord,
  sourceColumns: readonly string[],
  withRawText: boolean,
  placeKinds: readonly PlaceColumnKind[],
): string {
  const cells = rawCellTexts(row.raw, row.raw_exact === 1);
  const errors = JSON.parse(row.errors) as Array<{
    column: string | null;
    reason: string;
    message: string;
    sqlstate: string | null;
  }>;
  const fields: string[] = sourceColumns.map((c) => cells.get(c) ?? '');
  if (placeKinds.length > 0) fields.push(...placeCells(row.place, placeKinds));
  fields.push(
    String(row.line),
    row.stage,
    errors.map((e) => e.column ?? '').join('; '),
    errors.map((e) => e.reason).join('; '),
    errors
      .map((e) =>
        e.sqlstate && !e.message.includes(e.sqlstate) ? `${e.message} (SQLSTATE ${e.sqlstate})` : e.message,
      )
      .join('; '),
  );
  if (withRawText) fields.push(row.raw_text ?? '');
  return csvRecord(fields);
}

/** The place columns' cells of a record (`CSV_PLACE_COLUMNS`): empty where its place is of another kind. */
function placeCells(place: string | null, kinds: readonly PlaceColumnKind[]): string[] {
  const at = place === null ? null : (JSON.parse(place) as RecordPlace);
  const cells: string[] = [];
  for (const kind of PLACE_KINDS) {
    if (!kinds.includes(kind)) continue;
    if (kind === 'page') {
      cells.push(...(at?.kind === 'page' ? [String(at.page), String(at.record), at.url] : ['', '', '']));
    } else {
      cells.push(
        at?.kind === 'key'
          ? Object.entries(at.key)
              .map(([name, value]) => `${name}=${value === null ? 'NULL' : value}`)
              .join(', ')
          : '',
      );
    }
  }
  return cells;
}

function jsonRecord(row: RejectedRowRecord): string {
  // raw and errors are spliced as stored: valid JSON, and raw keeps exact number text.
  return `{"line":${row.line},"at":${row.place ?? 'null'},"stage":"${row.stage}","raw":${row.raw},"rawText":${
    row.raw_text === null ? 'null' : JSON.stringify(row.raw_text)
  },"errors":${row.errors}}`;
}

/** Writes with backpressure and turns a stream error into a rejected write. */
export class Sink {
  #error: Error | undefined;
  readonly #stream: NodeJS.WritableStream;
  readonly #onError = (error: Error) => {
    this.#error = error;
  };

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
    stream.on('error', this.#onError);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        this.#stream.off('drain', onDrain);
        this.#stream.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      this.#stream.on('drain', onDrain);
      this.#stream.on('error', done);
    });
  }

  detach(): void {
    this.#stream.off('error', this.#onError);
  }
}

/** A file written (mode 0600) under a temporary name beside the target, renamed into place when complete. */
export async function openFile(file: string): Promise<{
  stream: NodeJS.WritableStream;
  commit(): Promise<void>;
  abort(): void;
}> {
  const final = path.resolve(file);
  const temp = path.join(path.dirname(final), `.${path.basename(final)}.${process.pid}.partial`);
  // A leftover of a crashed export keeps its old mode: start afresh, private (rejected rows are the
  // operator's data; the rename below keeps the mode).
  rmSync(temp, { force: true });
  const stream = createWriteStream(temp, { flags: 'wx', mode: PRIVATE_FILE_MODE });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `cannot write the report to '${file}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return {
    stream,
    async commit() {
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
      try {
        renameSync(temp, final);
      } catch (error) {
        throw new LoadstoneError(
          'BAD_USAGE',
          `cannot write the report to '${file}': ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    },
    abort() {
      // Writes still in flight fail once destroyed: expected, not worth an uncaught error.
      stream.on('error', () => {});
      stream.destroy();
      try {
        rmSync(temp, { force: true });
      } catch {
        // Best effort: the partial file has a telling name if it survives.
      }
    },
  };
}

import type { Encoding, ReadKind } from '../../common/spec/job-spec.ts';
import type { ColumnType, RawValue, RecordPlace, RowProblem } from '../../common/types.ts';
import type { ResolvedConnection } from '../store/resolve-connection.ts';
import type { MysqlConnectionConfig } from './mysql/mysql-url.ts';
import type { CopyTextSource } from './verbatim-rows.ts';

/** What a source found out (or was told) about the file it reads. */
export interface DetectedFormat {
  /** The file format, or the kind of a non-file source (database, HTTP API: UTF-8, no compression, header true). */
  kind: ReadKind;
  /** Text encoding (XLSX: always 'utf-8'). */
  encoding: Encoding;
  compression: 'none' | 'gzip';
  /** Delimited text only. */
  delimiter?: string;
  /** Delimited text only; '' when quoting is off. */
  quote?: string;
  /** Whether the first record was taken as the header (JSON/NDJSON: keys are the header, always true). */
  header: boolean;
  /** XLSX only: the sheet read, and every sheet in the workbook. */
  sheet?: string;
  sheets?: string[];
  /** Whether a byte-order mark was present. */
  bom?: boolean;
}

/**
 * One record read from a source.
 * `values` is aligned with `OpenedSource.columns` (missing fields are `null`;
 * for delimited text every present field is a string, empty string for an empty field).
 * When the record could not be read properly, `problem` says why and `values` holds whatever
 * could be read (all raw fields, so a report can show and re-load them); `rawText` holds the
 * record's source text when the fields could not be split at all (e.g. a bad NDJSON line).
 */
export interface SourceRow {
  /** 1-based physical line where the record starts (record number for JSON arrays and XLSX rows). */
  line: number;
  values: RawValue[];
  problem?: RowProblem;
  rawText?: string;
  /** Extra fields beyond the header (delimited text with too many fields), kept for the report. */
  extra?: RawValue[];
  /**
   * Where the record's text is, for a source that can read a record again (`OpenedSource.reparse`):
   * `text.slice(textStart, textEnd)`. `text` is a large string shared by many rows (the tokenizer's
   * buffer), so a row in flight can be remembered by two numbers instead of its cells.
   */
  text?: string;
  /** Instead of `text`, for a `verbatim` row: its COPY text as UTF-8 bytes `textStart` to `textEnd`. */
  bytes?: Buffer;
  textStart?: number;
  textEnd?: number;
  /**
   * The row's `text` is COPY text the target takes as it is (see `OpenedSource.copyText`); its
   * `values` are not read (empty), `reparse` of the text gives them when needed.
   */
  verbatim?: true;
  /**
   * With `verbatim`: the number of consecutive source rows the text holds (one per line, lines
   * `line`, `line + 1`…), when the source hands a run of verbatim rows over as one; absent: one.
   */
  rows?: number;
}

/** A source opened for reading: format, header, then rows in batches. */
export interface OpenedSource {
  readonly format: DetectedFormat;
  /** Source column names in file order (header text, or `column_1`, `column_2`, … without a header). */
  readonly columns: readonly string[];
  /** Total bytes of the file on disk, when known (compressed size for .gz). */
  readonly totalBytes: number | undefined;
  /** Bytes of the file on disk consumed so far (compressed bytes for .gz). */
  bytesRead(): number;
  /** A source that reads no file (a database): `bytesRead` means nothing and is not shown. */
  readonly readsNoBytes?: true;
  /**
   * About how many rows the read gives, when the source can tell without reading them: a database
   * table read whole (PostgreSQL's planner estimate, MySQL's TABLE_ROWS, SQLite's largest rowid).
   * Absent for a file (its bytes say how far the read is), a query, an API, or a read of the rows
   * above an incremental mark. Progress shows the rows read against it, and the time left.
   */
  readonly estimatedRows?: number;
  /**
   * The rows, in file order, in batches (about 1,000 rows each). Can be iterated once.
   * Stops early (and releases the file) when the consumer breaks out or the signal aborts.
   */
  rows(): AsyncIterable<SourceRow[]>;
  /** Releases the file. Safe to call more than once. */
  close(): Promise<void>;
  /**
   * The first `rows` rows read apart from `rows()`, for inferring the columns' types, by a source
   * that reads its rows elsewhere (SQLite: on this thread's own connection, while the worker thread
   * that reads the load's rows starts). These rows are not loaded: `rows()` still reads from the
   * start. Absent: the sample is the first rows of `rows()`, handed on to the load.
   */
  readSample?(rows: number): Promise<SourceRow[]>;
  /**
   * Reads one record again from its text (see `SourceRow.text`): all its fields, `values` then
   * `extra`, exactly as `rows()` gave them. Only sources that give rows a `text` have it.
   */
  reparse?(recordText: string): RawValue[];
  /**
   * The target type each column's values already have (a database column's declared type), or null
   * where the source only has text or mixed values. Inference takes these types instead of guessing;
   * a value of that type passes through without being parsed again.
   */
  readonly columnTypes?: readonly (ColumnType | null)[];
  /**
   * A PostgreSQL column's own type (`format_type`: `integer[]`, `interval`, `inet`…) where its values
   * are loaded as that type's exact text and an existing target column of exactly that type takes the
   * text back unchanged (built-in types whose text round-trips whatever the session's settings); null
   * for the other columns. Lets such a column load into its own type instead of only into text.
   */
  readonly nativeTypes?: readonly (string | null)[];
  /**
   * Its strings are data as written (JSON, JSON Lines, an HTTP API: formats with a null of their
   * own): a column loaded as text keeps them exactly, not trimmed, `"NA"` and `""` values, like a
   * database's text (`ResolvedFormat.keepText`). A CSV's or a spreadsheet's text is normalized.
   */
  readonly textIsData?: boolean;
  /** A source that reads COPY text can hand rows on as that text (PostgreSQL; see pipeline/verbatim.ts). */
  readonly copyText?: CopyTextSource;
  /**
   * Where a record is, for the error report, when its line (record number) alone does not say:
   * an API page and the record's index in it, or a database row's key. `raw` is keyed by source column.
   */
  placeOf?(line: number, raw: Readonly<Record<string, RawValue>>): RecordPlace | undefined;
  /**
   * What a network source did so far, for the preview: the requests it made (secrets masked), their
   * status, where the next page comes from, and any retry.
   */
  notes?(): readonly string[];
  /**
   * The text with every secret the source sent (a token, an API key, a password, as written or
   * encoded) replaced by `***`: for what a record shows or a report keeps of the source's data
   * (preview rows, rejected rows), never for what is loaded. Present only on a source that holds
   * secrets (an HTTP API source with credentials), so a source without any costs nothing.
   */
  scrub?(text: string): string;
}

/** Something a source tells the operator while it reads (a retry, a wait), kept with the run. */
export interface SourceEvent {
  readonly kind: string;
  /** Safe to show: no secret, URLs masked. */
  readonly message: string;
  readonly data?: Record<string, unknown>;
  /**
   * Something about the data the operator should act on (not a retry or a wait): a preview shows it
   * among its warnings (`PreviewResultDto.sourceWarnings`).
   */
  readonly warning?: true;
}

/** Saved connections as database sources resolve them (the run store's, given by the caller). */
export interface SourceConnections {
  /** A MySQL source's saved connection name or `mysql://` URL → its config (password included). */
  mysql?(nameOrUrl: string): MysqlConnectionConfig;
}

export interface OpenSourceOptions {
  signal?: AbortSignal;
  /**
   * An incremental load's stored watermark (the target's normalized value as text). A source that
   * can ask for newer records only (a database query's `WHERE col > $mark`, an API's request
   * parameter) does so; the loader still skips rows below it, so a source may ignore it.
   * `sourceColumn` names the source column that becomes the watermark column, given the source's columns.
   */
  incremental?: {
    after: string;
    sourceColumn: (columns: readonly string[]) => string | undefined;
  };
  /**
   * Resolves a database source's saved connection name (or URL) to what it connects with: the run
   * store's connections. Without it a source accepts URLs only.
   */
  connections?: SourceConnections;
  /** A reload of an export for fixing: drop its trailing `loadstone_error` column (`dropFixingColumn`). */
  reload?: boolean;
  /**
   * Resolves a database source's `connection` (a saved connection name or a URL) with its secret,
   * as the run store does for targets. Without it only a URL (password in it, PGPASSWORD or
   * ~/.pgpass) can be used.
   */
  resolveConnection?: (nameOrUrl: string) => ResolvedConnection;
  /**
   * Source columns the job's spec gives a type (`columns[].type`) or leaves out (`skip`): a source
   * does not warn that it cannot tell their types (a MySQL UNION's, see `source_metadata_lost`).
   */
  declaredTypes?: ReadonlySet<string>;
  /** A preview reads about `rows` rows and stops: a database source may sample (`sample: 'tablesample'`). */
  preview?: { rows: number };
  /** Environment for `{ "env": … }` secret references (default: the process environment). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Reads a secret the app saved (`{ "secret": id }`) for a request to a URL; absent in the CLI. */
  secret?: ((id: string, url: string) => string) | undefined;
  /** Told of every retry and wait while the source reads. */
  onEvent?: ((event: SourceEvent) => void) | undefined;
  /**
   * Told after each page an HTTP API source has read (the pages and records so far): what a preview
   * or a load still sampling shows while a slow API answers. Other sources do not call it.
   */
  onRead?: ((read: SourceRead) => void) | undefined;
}

/** How far a source has read (see `OpenSourceOptions.onRead`). */
export interface SourceRead {
  readonly pages: number;
  readonly records: number;
}

import type pg from 'pg';
import type { LoadMode } from '../../common/spec/job-spec.ts';
import type { ColumnType, NormalizedValue, RawValue, RejectedRow } from '../../common/types.ts';
import type { QualifiedTable } from '../pg/identifiers.ts';

/** One normalized row on its way to the target. */
export interface LoadRow {
  /** Physical line or record number in the source, for rejected-row reports. */
  readonly line: number;
  /**
   * Optional: the row's 1-based position among all records the source gave (rejected ones
   * included), counted from the start of the file. With it a commit can say where the committed
   * prefix of the source ends (`LoadCommitPoint.through`).
   */
  readonly ordinal?: number | undefined;
  /** One value per load column, in `LoadInput.columns` order. */
  readonly values: readonly NormalizedValue[];
  /**
   * The source cells (keyed by source column name), reported if the database refuses the row.
   * May be a getter that builds the record on each read (the pipeline's rows do): read it only
   * for a row being reported.
   */
  readonly raw: Record<string, RawValue>;
  /**
   * Optional: what `raw` is built from, for rows that build it on demand. When `cells` is given,
   * `raw` must equal `rawRecord(rawColumns, cells, extra)`; the loader then keeps only these (not
   * the row and its normalized values) while the row's chunk is in flight.
   */
  readonly cells?: readonly RawValue[];
  /** Source column names `cells` line up with (shared by all rows of a source). */
  readonly rawColumns?: readonly string[];
  /** Source fields beyond the columns, reported as `extra_1`, `extra_2`… */
  readonly extra?: readonly RawValue[] | undefined;
  /**
   * Optional, with `cells`: the record's source text is `text.slice(textStart, textEnd)` (a large
   * string shared by many rows) and `reparse` of that text gives back `cells` then `extra`. The
   * loader then keeps two numbers per row in flight instead of the cells: a chunk's rows live long
   * enough to reach V8's old space, and every object kept per row costs GC time.
   */
  readonly text?: string | Buffer | undefined;
  readonly textStart?: number | undefined;
  readonly textEnd?: number | undefined;
  readonly reparse?: ((recordText: string) => readonly RawValue[]) | undefined;
  /**
   * Optional, with `text`: `text.slice(textStart, textEnd)` is the row's COPY text for the target as
   * it is (`LoadInput.verbatim` turned it on); `values` are not read. Its source checked each field.
   * Only such rows may have their text as a Buffer (UTF-8 bytes `textStart` to `textEnd`).
   */
  readonly verbatim?: boolean;
  /**
   * Optional, with `verbatim`: the text holds this many rows (lines `line`, `line + 1`… and
   * ordinals likewise), sent and held as one: no object per row. Absent: one row.
   */
  readonly rows?: number | undefined;
}

/** What the pipeline hands the loader at a time. */
export interface LoadBatch {
  readonly rows: readonly LoadRow[];
  /** Rows already rejected by the parser or normalizer; passed on to `onRejected` and counted. */
  readonly rejectedUpstream: readonly RejectedRow[];
  /** Cumulative rows read by the source so far, rejected ones included. */
  readonly rowsRead: number;
  readonly bytesRead?: number;
  readonly totalBytes?: number;
  /** The source's estimate of its rows (`OpenedSource.estimatedRows`), when it has one. */
  readonly estimatedRows?: number;
}

/** A target column: name (target identifier, any text) and type. */
export interface LoadColumn {
  readonly name: string;
  readonly type: ColumnType;
  /**
   * A text column's type in the source database (`OpenedSource.nativeTypes`): an existing target
   * column of exactly that type takes its values (their text is that type's own).
   */
  readonly nativeType?: string;
}

/** Where a load is; `merging` only when rows are staged first (`duplicateKeys: 'reject'`). */
export type LoadPhase =
  | 'preparing'
  | 'loading'
  | 'merging'
  | 'swapping'
  /** A replace's swap waits for the old table's lock (`LoadProgress.notice` says who holds it). */
  | 'waiting_for_lock'
  | 'committing'
  | 'done';

/** Progress, at most ten times a second (a phase change shows in the next event), and once at the end. */
/** A replace's swap waiting for the old table's lock. */
export interface LockWait {
  /** The table, as messages show it (`public.stock`). */
  readonly table: string;
  /** Who holds it: `held by pid 4242 (user alice, …)`, or that another session holds or wants it. */
  readonly heldBy: string;
}

export interface LoadProgress {
  readonly phase: LoadPhase;
  /** What the load is waiting for, in words (a replace waiting for the table's lock); absent otherwise. */
  readonly notice?: string;
  /** The lock a replace's swap waits for (phase `waiting_for_lock`), as `notice` says it. */
  readonly lockWait?: LockWait;
  readonly bytesRead: number | null;
  readonly totalBytes: number | null;
  readonly rowsRead: number;
  /** Rows inserted, updated or found unchanged so far (in this transaction, for a dry run). */
  readonly loaded: number;
  readonly rejected: number;
  /** Rows whose outcome is committed (0 until the first commit; always 0 in a dry run). */
  readonly committedRows: number;
  readonly rowsPerSecond: number;
  /** The source's estimate of its rows (a database table read whole), else null. */
  readonly estimatedRows: number | null;
  /**
   * From the byte rate, when the source knows its size; else from the row rate and the estimate of
   * the rows (0 once the rows read pass it); otherwise null.
   */
  readonly etaSeconds: number | null;
}

/** What a commit makes durable: handed to `LoadInput.onCommit` before and after the COMMIT. */
export interface LoadCommitPoint {
  /** The target table as resolved (the control row can live next to it). */
  readonly table: QualifiedTable;
  /**
   * The last row of the committed chunks, when the rows carry their `ordinal` and chunks follow
   * the source order (null otherwise: the rows staged first, `duplicateKeys: 'reject'`). Every
   * source record up to `ordinal` is then either committed or rejected.
   */
  readonly through: { readonly line: number; readonly ordinal: number } | null;
  /** Source rows this load has read so far (rejected ones included). */
  readonly rowsRead: number;
  /** Bytes of the file the source had consumed (at least the end of `through`); null when unknown. */
  readonly bytesRead: number | null;
  /** Committed outcome counts of this load. */
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly superseded: number;
  /** True for the load's final COMMIT. */
  readonly final: boolean;
}

/**
 * Hooks around every COMMIT of a load that has any (`commitEvery`, and the final one).
 * `inTransaction` runs on the load's connection inside the transaction being committed, so what it
 * writes (a control row) commits with the rows or not at all; `committed` runs right after.
 */
export interface LoadCommitHooks {
  inTransaction(client: pg.Client, point: LoadCommitPoint): Promise<void>;
  committed(point: LoadCommitPoint): void;
}

/** Everything `loadIntoPostgres` needs. */
export interface LoadInput {
  /** A connected client; the loader owns its transaction for the duration of the load. */
  readonly client: pg.Client;
  /**
   * Opens a second connection to cancel the running statement (`pg_cancel_backend`); the loader
   * ends it. Default: a new client with `client`'s connection settings.
   */
  readonly cancelClient?: () => Promise<pg.Client>;
  /** `[schema.]table` as the user typed it (see `parseTableName`). */
  readonly table: string;
  /**
   * The target as it is safe to show (`local`, a saved connection's name, a URL without its
   * password), named by a lost connection's message. Default: `postgresql://user@host:port/database`
   * from the client's settings.
   */
  readonly targetLabel?: string;
  readonly columns: readonly LoadColumn[];
  readonly mode: LoadMode;
  /** Key columns (target names), required for `upsert` and `incremental`. */
  readonly key?: readonly string[];
  /** `incremental` only: rows whose `column` value is above `after` are loaded. */
  readonly watermark?: { readonly column: string; readonly after: string | number | null };
  readonly duplicateKeys: 'last' | 'reject';
  readonly addMissingColumns: boolean;
  /**
   * Append only: empty the table (TRUNCATE) before the rows go in, inside the load's transaction,
   * so a load that fails or is cancelled leaves the old rows. Refused with `commitEvery`.
   */
  readonly truncate?: boolean;
  readonly dryRun: boolean;
  /** Commit every N rows; committed rows stay if the load later fails. Ignored by replace and dry runs. */
  readonly commitEvery?: number;
  /** Abort when rejected / read exceeds this fraction (see `ERROR_RATE_MIN_ROWS`). */
  readonly maxErrorRate: number;
  /** Abort when more rows than this are rejected. */
  readonly maxErrors?: number;
  readonly batches: AsyncIterable<LoadBatch>;
  /**
   * Optional: asks the pipeline to send rows on as their source's COPY text where it can (see
   * pipeline/verbatim.ts), given each load column's target; true when it will. Asked before the
   * batches are read, only by a load that COPYs rows straight into the target in column order.
   */
  readonly verbatim?: (targets: readonly VerbatimTarget[]) => boolean;
  /** Receives upstream rejects as they pass and load-stage rejects as they are found. */
  readonly onRejected: (rows: RejectedRow[]) => void;
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly signal?: AbortSignal;
  /** Rows per COPY/merge chunk (default 50,000). Tests use small chunks to cross boundaries. */
  readonly chunkRows?: number;
  /** Called around each COMMIT (not in a dry run). */
  readonly onCommit?: LoadCommitHooks;
}

/** A load column's target, as far as sending a row's text as it is goes (`LoadInput.verbatim`). */
export interface VerbatimTarget {
  /** The existing column's base type (`pg_type.typname`), or null when the load creates it. */
  readonly base: string | null;
  /** Whether the target rounds the column's values (a `numeric(p,s)`, a `timestamptz(p)`). */
  readonly rounds: boolean;
  /**
   * When what rounds is a `numeric(p,s)` with s ≥ 0: s, the decimal places it keeps. Its values may
   * still go as they are, each checked to have no more significant decimals than that.
   */
  readonly decimals?: number;
  /**
   * When what rounds is a `timestamp(p)`/`timestamptz(p)` (p < 6): p, the fraction digits it keeps. Its
   * values may still go as they are, each checked to have no more significant fraction digits.
   */
  readonly secondsDigits?: number;
  /** The incremental load's watermark column: a row whose value is NULL must come the usual way. */
  readonly notNull?: boolean;
}

/** A target column the source does not provide. */
export interface ExtraColumn {
  readonly column: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

/** A column whose table type cannot take the spec type, or a NOT NULL column the source leaves empty. */
export interface IncompatibleColumn {
  readonly column: string;
  readonly tableType: string;
  /** Null for a NOT NULL table column without default that the source does not provide. */
  readonly specType: ColumnType | null;
  readonly reason: string;
}

/**
 * A change the operator may make to let the load go ahead (the Target step offers it; the load
 * itself never makes it): create a missing schema, or a unique index on the upsert key.
 */
export type TargetFix =
  | { readonly kind: 'create_schema'; readonly schema: string; readonly sql: string }
  | {
      readonly kind: 'create_unique_index';
      readonly table: QualifiedTable;
      readonly columns: readonly string[];
      readonly sql: string;
    };

/** How an existing table matches the column spec; shown before a load. */
export interface CompatibilityReport {
  /** The table as resolved (schema filled in from the search path when not given). */
  readonly table: QualifiedTable;
  readonly exists: boolean;
  /** Spec columns the table lacks (added with `addMissingColumns`, otherwise an error). */
  readonly missing: readonly { readonly column: string; readonly type: ColumnType }[];
  /** Table columns the source does not provide; fine when nullable or defaulted. */
  readonly extra: readonly ExtraColumn[];
  readonly incompatible: readonly IncompatibleColumn[];
  /** Table-level problems: missing schema, not a table, no unique key for upsert, no columns… */
  readonly problems: readonly string[];
  /** What the operator may run to solve some of the problems (each with its statement). */
  readonly fixes: readonly TargetFix[];
  /**
   * The statements the load will run on the table before any row moves (the same text): `CREATE
   * TABLE` for a missing table, `ALTER TABLE … ADD COLUMN` for added columns, `TRUNCATE` (append
   * with `truncate`). Empty when it changes nothing (and when it cannot go ahead).
   */
  readonly ddl: readonly string[];
  /** Whether a load can go ahead with these options. */
  readonly ok: boolean;
}

/** What a load did (or, for a dry run, would do). */
export interface LoadResult {
  readonly table: QualifiedTable;
  readonly mode: LoadMode;
  readonly dryRun: boolean;
  readonly inserted: number;
  readonly updated: number;
  /** Upsert/incremental: rows identical to the table as the load found it. */
  readonly unchanged: number;
  /** Incremental: rows below the watermark the load started from, left alone. */
  readonly skipped: number;
  /**
   * Upsert/incremental with `duplicateKeys: 'last'`: rows replaced by a later row of the same key
   * in this load (the later one is counted as inserted, updated or unchanged once, for the key).
   */
  readonly superseded: number;
  /** All rejected rows: upstream (parse/normalize) and load stage. */
  readonly rejected: number;
  /** inserted + updated + unchanged + skipped + superseded + rejected. */
  readonly rowsRead: number;
  readonly createdTable: boolean;
  /** Whether the table was emptied first (`truncate`). */
  readonly truncated: boolean;
  /** The DDL the load ran (see `CompatibilityReport.ddl`). */
  readonly ddl: readonly string[];
  readonly addedColumns: readonly string[];
  readonly compatibility: CompatibilityReport;
  /** Incremental: the highest watermark among loaded rows, as text; null when none was loaded. */
  readonly newWatermark: string | null;
  readonly committedRows: number;
  readonly durationMs: number;
}

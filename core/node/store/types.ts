import type { ColumnSpec, JobSpec, LoadMode } from '../../common/spec/job-spec.ts';
import type { SourceDialect } from '../../common/spec/source-dialect.ts';
import type { RawValue, RecordPlace, RejectStage, RowError } from '../../common/types.ts';
import type { SslMode } from './postgres-url.ts';

/** Run lifecycle. `interrupted`: the process ended while the run was still `running`. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** The statuses a run may be finished with. */
export type FinalRunStatus = Exclude<RunStatus, 'running' | 'interrupted'>;

/**
 * Row counts of a run: read = inserted + updated + unchanged + skipped + superseded + rejected once
 * it has ended (a failed or cancelled run knows only read and rejected).
 */
export interface RunCounts {
  read: number;
  inserted: number;
  updated: number;
  /** Upsert/incremental: identical to the table as the load found it. */
  unchanged: number;
  /** Incremental: below the watermark the run started from. */
  skipped: number;
  /** Upsert/incremental: replaced by a later row of the same key in the same load. */
  superseded: number;
  rejected: number;
}

/** What a run is started with: the spec is snapshotted (connection URL passwords redacted). */
export interface RunSnapshot {
  spec: JobSpec;
  /** Name of the saved job, when the run came from one. */
  jobName?: string | null;
  /** Source column names as read (header order); the CSV report's columns. */
  sourceColumns?: readonly string[];
  dryRun?: boolean;
  /** The source's dialect as read (an export for fixing writes it back so). */
  sourceFormat?: SourceDialect;
  /** The columns as the run decided them (a reload of its fixed rows loads them so). */
  columnPlans?: readonly ColumnSpec[];
  /** The run whose fixed rejected rows this run reloads. */
  reloadOf?: string | null;
  /** The source file's size and mtime as the run starts (to check a resume against). */
  sourceFingerprint?: SourceFingerprint | null;
  /** `load --resume`: the run resumed and the committed prefix this run starts after. */
  resumeOf?: { runId: string; from: CommittedPosition | null } | null;
  /** What started the run (default `manual`). */
  trigger?: RunTrigger;
  /**
   * When the run began, if before it is recorded (default: now): a load is recorded once its source
   * is open, which may take a while (an SQLite file another program holds locked).
   */
  startedAt?: Date;
}

/** What started a run: an operator (the app, `load`, `jobs run`) or a job's schedule. */
export type RunTrigger = 'manual' | 'schedule';

/** A run as lists show it (the contract's `runSummarySchema` shape). */
export interface RunSummary {
  id: string;
  jobName: string | null;
  /** Source file path. */
  source: string;
  /** Saved connection name, `local`, or the redacted URL. */
  target: string;
  table: string;
  mode: string;
  dryRun: boolean;
  status: RunStatus;
  counts: RunCounts;
  /** Incremental: the watermark the run started above and the one it stored (null: none). */
  watermark: { before: string | null; after: string | null };
  startedAt: string;
  endedAt: string | null;
  /**
   * The run's one duration (the same number the load's end reported); for runs recorded before it
   * was kept, ended - started. Null while running.
   */
  durationMs: number | null;
  error: string | null;
  /** The run whose fixed rejected rows this run reloaded (`load --reload-of`), or null. */
  reloadOf: string | null;
  /** The runs that reloaded this run's fixed rejected rows, oldest first. */
  reloadedBy: string[];
}

/**
 * Where a load's committed source prefix ends, as of its last COMMIT (loads with commit-every; see
 * migration 0005). Every source record up to `records` is committed or rejected.
 */
export interface CommittedPosition {
  /** Source records from the start of the file the prefix holds; null when the load cannot tell. */
  records: number | null;
  /** Source line (record number) of the prefix's last record; null with `records`. */
  line: number | null;
  /** Bytes at the start of the file `sha256` covers: what the reader had consumed (≥ the prefix). */
  bytes: number;
  sha256: string;
  /** This run's counts as of the commit (rejected: those of the prefix). */
  counts: RunCounts;
  /** True for the load's last COMMIT. */
  final: boolean;
}

/** The source file as a run found it when it started. */
export interface SourceFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
}

/** What a run committed and how it relates to other runs through `load --resume`. */
export interface RunResumeInfo {
  committed: CommittedPosition | null;
  /** For a run that stopped with committed rows: where its counts come from. */
  countsOrigin: 'target' | 'run_store' | null;
  sourceFingerprint: SourceFingerprint | null;
  /** The run this one resumes. */
  resumeOf: string | null;
  /** The committed prefix this run started after (null: from the start of the file). */
  resumeFrom: CommittedPosition | null;
  /** Runs that resume this one. */
  resumedBy: string[];
}

/** Everything stored about one run. */
export interface RunRecord extends RunSummary {
  errorCode: string | null;
  phase: string | null;
  sourceColumns: string[];
  /** The job spec as it was when the run started (passwords redacted). */
  spec: JobSpec;
  /** The source's dialect as read; null for runs recorded before it was kept. */
  sourceFormat: SourceDialect | null;
  /** The columns as the run decided them; null for runs recorded before they were kept. */
  columnPlans: ColumnSpec[] | null;
  /** Commits, source fingerprint and resume links (`load --resume`). */
  resume: RunResumeInfo;
}

/** A phase or progress event worth keeping after the run. */
export interface RunEventInput {
  kind: string;
  message?: string;
  data?: unknown;
}
/** A stored run event. */
export interface RunEvent {
  /** Its place among all events of the store (increasing). */
  id: number;
  at: string;
  kind: string;
  message: string | null;
  data: unknown;
}

/** Filters for report pages and counts. `column: null` selects row-level problems. */
export interface ReportFilter {
  stage?: RejectStage;
  column?: string | null;
  reason?: string;
  /**
   * Rows whose raw values (any column, as the report shows them), error messages or source text
   * contain this text, in any case (letters of every script); `%` and `_` are literal. Empty: every row.
   */
  text?: string;
}

/** A rejected row read back from the store (the contract's `rejectedRowSchema` shape). */
export interface StoredRejectedRow {
  id: number;
  line: number;
  /** Where the record is when `line` alone does not say (API page, database key). */
  at: RecordPlace | null;
  stage: RejectStage;
  raw: Record<string, RawValue>;
  rawText: string | null;
  errors: Array<Omit<RowError, 'sqlstate'> & { sqlstate: string | null }>;
}

/** One line of a report summary: how many errors of one reason in one column, with an example. */
export interface ReportSummaryItem {
  reason: string;
  column: string | null;
  stage: RejectStage;
  count: number;
  example: string | null;
}

/** Connection kinds: PostgreSQL (targets and sources), MySQL / MariaDB (sources). */
export type ConnectionKind = 'postgres' | 'mysql';

/** Non-secret connection settings beyond host/port/database/user/sslMode. */
export interface ConnectionOptions {
  sslRootCert?: string;
  applicationName?: string;
  connectTimeoutSeconds?: number;
}

/** A saved connection as anything outside the store sees it: never the secret. */
export interface ConnectionInfo {
  id: number;
  name: string;
  kind: ConnectionKind;
  host: string;
  port: number;
  database: string;
  /** Empty when the URL had none: PGUSER or the OS user at connect time. */
  user: string;
  sslMode: SslMode;
  options: ConnectionOptions;
  hasSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What `connections.save` takes: a URL, or fields (fields win over the URL's parts). */
export interface ConnectionInput {
  /** The connection being edited (allows renaming); absent → a new connection. */
  previousName?: string;
  name: string;
  /** Default: `mysql` for a `mysql://` / `mariadb://` URL, else `postgres`. */
  kind?: ConnectionKind;
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** Write-only. Absent → keep the saved secret when editing; '' → forget it. */
  password?: string;
  sslMode?: SslMode;
  options?: ConnectionOptions;
}

/** A saved job (the spec is validated on save and on load). */
export interface JobInfo {
  id: number;
  name: string;
  /** Source path and target table, for lists. */
  source: string;
  table: string | null;
  /** The target's load mode (append when the spec leaves it out); null without a target. */
  mode: LoadMode | null;
  createdAt: string;
  updatedAt: string;
}
export interface JobRecord extends JobInfo {
  spec: JobSpec;
}

/** A watermark of an incremental load. */
export interface Watermark {
  value: string;
  runId: string | null;
  updatedAt: string;
  /** What the mark is a mark of (source and watermark column); null when an earlier version kept it. */
  basis: string | null;
}

/** User settings kept in the store (the contract's `settingsSchema` shape). */
export interface StoreSettings {
  /** IANA zone for timestamps written without an offset, when the job names none; null: not set (UTC). */
  timeZone: string | null;
  /** Day/month order where a column's values and the job leave it open; null: not set (MDY). */
  dateOrder: 'DMY' | 'MDY' | 'YMD' | null;
  /** A finished run is kept while it is among the last `keepRuns` OR younger than `keepDays`. */
  retention: { keepRuns: number | null; keepDays: number | null };
}

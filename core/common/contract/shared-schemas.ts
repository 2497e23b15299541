import { z } from 'zod';
import { FORMAT_ORIGINS } from '../spec/format-defaults.ts';
import { DATE_ORDERS, ENCODINGS, READ_KINDS } from '../spec/job-spec.ts';
import { COLUMN_TYPES } from '../types.ts';

/** A JSON value as it crosses the boundary (raw and normalized cells, jsonb values). */
export const jsonValueSchema: z.ZodType<unknown> = z.unknown();

export const detectedFormatSchema = z.object({
  kind: z.enum(READ_KINDS),
  encoding: z.enum(ENCODINGS),
  compression: z.enum(['none', 'gzip']),
  delimiter: z.string().optional(),
  quote: z.string().optional(),
  header: z.boolean(),
  sheet: z.string().optional(),
  sheets: z.array(z.string()).optional(),
  bom: z.boolean().optional(),
});
export type DetectedFormatDto = z.infer<typeof detectedFormatSchema>;

export const cellErrorSchema = z.object({
  column: z.string(),
  value: z.string(),
  reason: z.string(),
  message: z.string(),
});

export const previewColumnSchema = z.object({
  index: z.number().int(),
  source: z.string(),
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  declared: z.boolean(),
  skip: z.boolean(),
  sampleSize: z.number().int(),
  nullCount: z.number().int(),
  nonFitting: z.number().int(),
  warnings: z.array(z.string()),
  format: z.object({
    nullTokens: z.array(z.string()),
    decimalSeparator: z.enum(['.', ',']),
    percent: z.enum(['keep', 'fraction']),
    dateOrder: z.enum(['DMY', 'MDY', 'YMD']),
    timeZone: z.string(),
    twoDigitYearPivot: z.number().int(),
    numericDates: z.enum(['excel', 'epoch_s', 'epoch_ms']).optional(),
    /** Its text is kept as written (not trimmed; only its own null tokens are NULL). */
    keepText: z.boolean().optional(),
  }),
  /**
   * Where the column's date order and time zone came from: its own setting (`column`), its values
   * (`detected`), the job's file-wide setting (`job`), the saved Settings, or the built-in default.
   */
  origins: z.object({ dateOrder: z.enum(FORMAT_ORIGINS), timeZone: z.enum(FORMAT_ORIGINS) }).optional(),
  /**
   * A text column's own type in a PostgreSQL source (`integer[]`, `interval`…): an existing target
   * column of exactly that type takes its values (see the target check's `columns`).
   */
  nativeType: z.string().optional(),
  /**
   * The type the source declares for the column (a database column's type), when it has one. A
   * column neither the spec nor its source types takes an existing target column's type (see the
   * target check's `columns`).
   */
  sourceType: z.enum(COLUMN_TYPES).optional(),
});
export type PreviewColumnDto = z.infer<typeof previewColumnSchema>;

export const previewRowSchema = z.object({
  line: z.number().int(),
  /**
   * Where a rejected row is when its line does not say (an API page and the record in it, a
   * database row's key), as the error report names it.
   */
  at: z.lazy(() => recordPlaceSchema).optional(),
  raw: z.record(z.string(), jsonValueSchema),
  values: z.record(z.string(), jsonValueSchema),
  errors: z.array(cellErrorSchema),
  /** Row-level problem found while reading (ragged row, bad quote, bad JSON line, Excel error cell). */
  problem: z
    .object({
      reason: z.string(),
      message: z.string(),
      /**
       * The record as the reader saw it: its source text (delimited line, JSON line or record), or,
       * for a source without text (XLSX), its cells tab-separated. Cut after 2,000 characters (with
       * `rawTextLength` saying how long it was).
       */
      rawText: z.string().optional(),
      rawTextLength: z.number().int().optional(),
      /**
       * The target columns whose values the problem blames (bytes not valid in the source's
       * encoding), as the error report names them; absent when the row as a whole is to blame.
       */
      columns: z.array(z.string()).optional(),
    })
    .optional(),
});
export type PreviewRowDto = z.infer<typeof previewRowSchema>;

/** Rows that would be rejected in a set of rows, counted one way (see core/common/normalize/reject-tally.ts). */
export const rejectCountsSchema = z.object({
  rows: z.number().int(),
  /** Rows that would be rejected: the unreadable ones plus those with a value that cannot be loaded. */
  rejected: z.number().int(),
  /** Rows the reader could not split, rejected whole. */
  unreadable: z.number().int(),
  unreadableByReason: z.record(z.string(), z.number().int()),
  /** Target column → rows whose value in that column would be rejected. */
  columns: z.record(z.string(), z.number().int()),
});
export type RejectCountsDto = z.infer<typeof rejectCountsSchema>;

export const previewResultSchema = z.object({
  format: detectedFormatSchema,
  columns: z.array(previewColumnSchema),
  /** The first rows, in file order. */
  rows: z.array(previewRowSchema),
  /** Rows in `rows` with at least one error or problem (= `counts.shown.rejected`). */
  rejectedRows: z.number().int(),
  /** Rows in the inference sample (= `counts.sample.rows`). */
  sampleSize: z.number().int(),
  /**
   * The same counting over the inference sample (the first `settings.sampleSize` rows read, what
   * the columns' types and their `nonFitting` come from) and over `rows`. The column counts of
   * `sample` equal the columns' `nonFitting`.
   */
  counts: z.object({
    sample: rejectCountsSchema,
    shown: rejectCountsSchema,
    /** Whether the sample holds every row of the file. */
    wholeFile: z.boolean(),
  }),
  /**
   * Rejected rows of the sample that are not in `rows` (beyond the rows shown), in file order, at
   * most 1,000: so that every rejected row the counts speak of can be looked at.
   */
  moreRejected: z.array(previewRowSchema),
  /** Sentences about the file as a whole (rows that could not be read), beside the columns' warnings. */
  warnings: z.array(z.string()),
  /**
   * What the source warned of while the preview read it, by kind (`source_metadata_lost`: a MySQL
   * UNION's column types it cannot know, naming the columns and what to give them), as a load records
   * it with the run; each message is in `warnings` too. Absent when the source said nothing.
   */
  sourceWarnings: z.array(z.object({ kind: z.string(), message: z.string() })).optional(),
  /**
   * An HTTP API source: the requests the preview made (secrets masked), each with its status, its
   * records and where the next page would come from, and any retry; absent for other sources.
   */
  requests: z.array(z.string()).optional(),
  /**
   * The file-wide date order and time zone where a column says nothing, and where each came from:
   * the job spec, the saved Settings, or the built-in default.
   */
  defaults: z
    .object({
      dateOrder: z.object({ value: z.enum(DATE_ORDERS), from: z.enum(['job', 'settings', 'built-in']) }),
      timeZone: z.object({ value: z.string(), from: z.enum(['job', 'settings', 'built-in']) }),
    })
    .optional(),
});
export type PreviewResultDto = z.infer<typeof previewResultSchema>;

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** What started a run: an operator (app, `load`, `jobs run`) or a job's schedule. */
export const RUN_TRIGGERS = ['manual', 'schedule'] as const;
export const runTriggerSchema = z.enum(RUN_TRIGGERS);

/** read = inserted + updated + unchanged + skipped + superseded + rejected, once a run has ended. */
export const runCountsSchema = z.object({
  read: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  /** Upsert/incremental: identical to the table as the load found it. */
  unchanged: z.number().int(),
  /** Incremental: below the watermark the run started from. */
  skipped: z.number().int(),
  /** Upsert/incremental: replaced by a later row of the same key in the same load. */
  superseded: z.number().int(),
  rejected: z.number().int(),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export const runSummarySchema = z.object({
  id: z.string(),
  jobName: z.string().nullable(),
  source: z.string(),
  /**
   * The source as the operator knows it: a file by its name (an upload by the name it was uploaded
   * under, never the browser host's copy's path), an API or a database by its whole label.
   */
  sourceName: z.string(),
  /** True for a run of a copy uploaded to the browser host (`source` is then that copy's path). */
  uploaded: z.boolean(),
  target: z.string(),
  table: z.string(),
  mode: z.string(),
  dryRun: z.boolean(),
  status: runStatusSchema,
  counts: runCountsSchema,
  /** Incremental: the watermark the run started above, and the one it stored when it committed. */
  watermark: z.object({ before: z.string().nullable(), after: z.string().nullable() }),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** The run's one duration, as `load.finished` reported it; null while running. */
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  /** The run whose fixed rejected rows this run reloaded (`loads.reload`), or null. */
  reloadOf: z.string().nullable(),
  /** The runs that reloaded this run's fixed rejected rows, oldest first. */
  reloadedBy: z.array(z.string()),
});
export type RunSummaryDto = z.infer<typeof runSummarySchema>;

export const rejectStageSchema = z.enum(['parse', 'normalize', 'load']);

/** Where an API or database record came from (see `RecordPlace` in core/common/types.ts). */
export const recordPlaceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('page'), page: z.number().int(), url: z.string(), record: z.number().int() }),
  z.object({ kind: z.literal('key'), key: z.record(z.string(), z.string().nullable()) }),
  z.object({ kind: z.literal('row'), row: z.number().int() }),
]);

export const rejectedRowSchema = z.object({
  id: z.number().int(),
  line: z.number().int(),
  /** Where the record is when `line` alone does not say (API page, database key); null for a file. */
  at: recordPlaceSchema.nullable(),
  stage: rejectStageSchema,
  raw: z.record(z.string(), jsonValueSchema),
  rawText: z.string().nullable(),
  errors: z.array(
    z.object({
      column: z.string().nullable(),
      value: z.string().nullable(),
      reason: z.string(),
      message: z.string(),
      sqlstate: z.string().nullable(),
    }),
  ),
});
export type RejectedRowDto = z.infer<typeof rejectedRowSchema>;

export const reportSummaryItemSchema = z.object({
  reason: z.string(),
  column: z.string().nullable(),
  stage: rejectStageSchema,
  count: z.number().int(),
  example: z.string().nullable(),
});

/**
 * A PostgreSQL connection's settings beyond host, port, database, user and SSL mode (libpq's
 * `sslrootcert`, `application_name`, `connect_timeout`), as saved; none is a secret. A MySQL
 * connection has none. As lenient as a saved URL may be (see `connectionOptionsInputSchema`).
 */
export const connectionOptionsSchema = z.object({
  /** Path of the CA certificate file the server's certificate is checked against, or `system`. */
  sslRootCert: z.string().optional(),
  /** The name the server shows for the session (`pg_stat_activity.application_name`). */
  applicationName: z.string().optional(),
  /** Seconds to wait for the connection to open; absent or 0: the engine's default (15 s). */
  connectTimeoutSeconds: z.number().int().min(0).optional(),
});
export type ConnectionOptionsDto = z.infer<typeof connectionOptionsSchema>;

/**
 * The options as `connections.save` and `connections.test` take them: a CA file named, an
 * application name the server keeps whole (it cuts at 63 bytes), a timeout a timer can hold.
 */
export const connectionOptionsInputSchema = z
  .object({
    sslRootCert: z.string().min(1).optional(),
    applicationName: z.string().max(63).optional(),
    connectTimeoutSeconds: z.number().int().min(0).max(2_147_483).optional(),
  })
  .strict();

export const connectionSchema = z.object({
  name: z.string(),
  /** A PostgreSQL connection (a target or a source), or a MySQL / MariaDB one (a source only). */
  kind: z.enum(['postgres', 'mysql']),
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
  sslMode: z.string(),
  /** Non-secret settings a URL may carry (`{}` when none, and for MySQL and `local`). */
  options: connectionOptionsSchema,
  hasSecret: z.boolean(),
  builtIn: z.boolean(),
});
export type ConnectionDto = z.infer<typeof connectionSchema>;

export const loadProgressSchema = z.object({
  runId: z.string(),
  phase: z.string(),
  bytesRead: z.number().nullable(),
  totalBytes: z.number().nullable(),
  rowsRead: z.number().int(),
  loaded: z.number().int(),
  rejected: z.number().int(),
  rowsPerSecond: z.number(),
  /**
   * About how many rows the source holds, when it can tell without reading them (a database table
   * read whole: the planner's or the server's estimate, SQLite's largest rowid); null otherwise.
   */
  estimatedRows: z.number().nullable().optional(),
  /** From the byte rate when the source knows its size, else from the row rate and `estimatedRows`. */
  etaSeconds: z.number().nullable(),
  /** The source's latest retry or wait (an HTTP API's 503, a reset body…), masked; absent when none. */
  notice: z.string().optional(),
});
export type LoadProgressDto = z.infer<typeof loadProgressSchema>;

/** A change the Target step may offer: create a missing schema, or a unique index on the upsert key. */
export const targetFixSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('create_schema'), schema: z.string(), sql: z.string() }),
  z.object({
    kind: z.literal('create_unique_index'),
    table: z.object({ schema: z.string(), name: z.string() }),
    columns: z.array(z.string()),
    sql: z.string(),
  }),
]);
export type TargetFixDto = z.infer<typeof targetFixSchema>;

export const compatibilitySchema = z.object({
  exists: z.boolean(),
  missing: z.array(z.object({ column: z.string(), type: z.string() })),
  extra: z.array(z.object({ column: z.string(), type: z.string(), nullable: z.boolean() })),
  incompatible: z.array(
    z.object({
      column: z.string(),
      tableType: z.string(),
      /** The spec's type; `(not provided)` for a NOT NULL table column the source lacks. */
      specType: z.string(),
      /** Why the column does not fit, in words. */
      reason: z.string(),
    }),
  ),
  /** Table-level problems: missing schema, not a table, no unique key on the upsert key, no columns… */
  problems: z.array(z.string()),
  /** What the operator may run (`targets.fix`) to solve a problem; `sql` is the exact statement. */
  fixes: z.array(targetFixSchema),
  /** The statements the load will run before any row moves (CREATE TABLE, ALTER TABLE, TRUNCATE). */
  ddl: z.array(z.string()),
  /** Whether a load with these options can go ahead. */
  ok: z.boolean(),
  /**
   * Columns whose type the table decides (a column the job does not type loads as its existing
   * column stores: `from` the preview's type, `to` the one it loads as; values that are not `to`
   * are rejected cell by cell).
   */
  retyped: z
    .array(
      z.object({
        column: z.string(),
        from: z.enum(COLUMN_TYPES),
        to: z.enum(COLUMN_TYPES),
        tableType: z.string(),
      }),
    )
    .optional(),
});
export type CompatibilityDto = z.infer<typeof compatibilitySchema>;

/**
 * Settings as saved. The default time zone and date order are null until the operator saves one
 * (and saving null clears it): only a saved default applies to previews, loads, jobs and the CLI.
 */
export const settingsSchema = z.object({
  timeZone: z.string().min(1).nullable(),
  dateOrder: z.enum(DATE_ORDERS).nullable(),
  retention: z.object({
    keepRuns: z.number().int().positive().nullable(),
    keepDays: z.number().int().positive().nullable(),
  }),
});
export type SettingsDto = z.infer<typeof settingsSchema>;

/**
 * A file the operator picked (open dialog, drop, upload), as the renderer holds it: an opaque handle
 * the engine granted, never a path. The renderer names files only by these.
 */
export const grantedFileSchema = z.object({
  /** Opaque; valid for the engine's life (a restarted engine asks for the file again). */
  handle: z.string().min(1).max(100),
  /** What to show: the file's name (an upload's original name). */
  name: z.string(),
  sizeBytes: z.number().nullable(),
  /** True for a copy uploaded to the browser host (the original stays on the operator's machine). */
  uploaded: z.boolean(),
  /** True when the file is an SQLite database (by its header, whatever its name): it is read as a database. */
  sqlite: z.boolean().optional(),
});
export type GrantedFileDto = z.infer<typeof grantedFileSchema>;

/** Settings as the Settings screen shows them: as saved, plus the built-in defaults that apply when not. */
export const settingsViewSchema = settingsSchema.extend({
  builtIn: z.object({ timeZone: z.string(), dateOrder: z.enum(DATE_ORDERS) }),
});
export type SettingsViewDto = z.infer<typeof settingsViewSchema>;

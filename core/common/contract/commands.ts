import { z } from 'zod';
import { httpSourceSpecSchema } from '../spec/http-source.ts';
import { LOAD_MODES } from '../spec/job-spec.ts';
import { scheduleSchema } from '../spec/schedule.ts';
import { COLUMN_TYPES } from '../types.ts';
import { alertCommands } from './alert-schemas.ts';
import {
  compatibilitySchema,
  connectionOptionsInputSchema,
  connectionSchema,
  detectedFormatSchema,
  grantedFileSchema,
  previewResultSchema,
  rejectedRowSchema,
  rejectStageSchema,
  reportSummaryItemSchema,
  runStatusSchema,
  runSummarySchema,
  runTriggerSchema,
  settingsSchema,
  settingsViewSchema,
} from './shared-schemas.ts';
import { jobSpecRefSchema, savedJobSpecSchema, sourceRefSchema } from './source-ref.ts';

/**
 * Job specs cross the boundary as the operator set them up (defaults are applied by the engine), with
 * their source as a granted file handle: a renderer names files only by handles (see `FileGrants`).
 */
const jobSpecInput = jobSpecRefSchema;

const ok = z.object({ ok: z.literal(true) });

/** The connection form's fields, as `connections.save` takes them (the name is optional here). */
const connectionDraftSchema = z.object({
  previousName: z.string().optional(),
  name: z.string().optional(),
  url: z.string().optional(),
  host: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  database: z.string().optional(),
  user: z.string().optional(),
  password: z.string().optional(),
  sslMode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
  /** As `connections.save` takes them. */
  options: connectionOptionsInputSchema.optional(),
});
const runId = z.object({ runId: z.string().min(1) });

export const REPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
/**
 * What the browser host's report download gives: an error report, or an export for fixing in the
 * source's own dialect (`fixing-bom`: with a byte-order mark even where the source had none).
 */
export const DOWNLOAD_FORMATS = [...REPORT_FORMATS, 'fixing', 'fixing-bom'] as const;

/**
 * Which rejected rows a report page or export holds: those with an error of this stage, on this
 * (target) column, for this reason, and whose raw values (any column), error messages or source
 * text contain `text` (in any case; `%` and `_` literal); each left out (or an
 * empty text) matches every row.
 */
const reportFilterShape = {
  stage: rejectStageSchema.optional(),
  column: z.string().optional(),
  reason: z.string().optional(),
  text: z.string().max(1000).optional(),
};
/** The rows an error report's filters select (see `reports.page`, `reports.export`). */
export type ReportRowFilter = {
  stage?: z.infer<typeof rejectStageSchema>;
  column?: string;
  reason?: string;
  text?: string;
};

/**
 * Every call the UI can make to the engine: `domain.verb` → input and output schemas.
 * Handlers validate both; transports (Electron IPC, localhost HTTP) carry them by name.
 */
export const commands = {
  'app.info': {
    input: z.object({}),
    output: z.object({
      version: z.string(),
      dataDir: z.string(),
      transport: z.enum(['electron', 'http']),
      /** Native dialogs exist only in Electron; the browser host asks for paths. */
      nativeDialogs: z.boolean(),
    }),
  },
  'settings.get': { input: z.object({}), output: settingsViewSchema },
  /** Saves every setting given; null clears a default time zone or date order (the built-in one applies). */
  'settings.set': { input: settingsSchema, output: settingsViewSchema },

  'connections.list': { input: z.object({}), output: z.array(connectionSchema) },
  'connections.save': {
    input: z.object({
      /** Name of the connection being edited, when renaming. */
      previousName: z.string().optional(),
      name: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, _ . -'),
      /** `postgres` (default, or from a `mysql://` URL's scheme) or `mysql` (a MySQL / MariaDB source). */
      kind: z.enum(['postgres', 'mysql']).optional(),
      /** Either a URL … */
      url: z.string().optional(),
      /** … or fields. */
      host: z.string().optional(),
      port: z.number().int().min(1).max(65535).optional(),
      database: z.string().optional(),
      user: z.string().optional(),
      /** Write-only: never returned. Omit to keep the saved secret. */
      password: z.string().optional(),
      sslMode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
      /**
       * A PostgreSQL connection's other settings, given with the fields: they replace the saved
       * ones (an option left out is dropped). Absent, an edit by fields keeps the saved ones. With
       * a URL they win over its parameters. A MySQL connection takes none.
       */
      options: connectionOptionsInputSchema.optional(),
    }),
    output: connectionSchema,
  },
  'connections.delete': { input: z.object({ name: z.string().min(1) }), output: ok },
  /**
   * Tests a saved connection by name, or the connection form as it stands (`draft`, before it is
   * saved: its password, or else the saved one of `draft.previousName`).
   */
  'connections.test': {
    input: z.union([z.object({ name: z.string().min(1) }), z.object({ draft: connectionDraftSchema })]),
    output: z.object({
      ok: z.boolean(),
      serverVersion: z.string().nullable(),
      /** The TLS version (`TLSv1.3`) when the connection is encrypted, else null. */
      tls: z.string().nullable(),
      error: z.string().nullable(),
    }),
  },

  'sources.inspect': {
    input: sourceRefSchema,
    output: z.object({
      format: detectedFormatSchema,
      columns: z.array(z.string()),
      sizeBytes: z.number().nullable(),
    }),
  },
  /** What a database source can read: its tables and views with row estimates (no scan). */
  'sources.tables': {
    input: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('postgres'), connection: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('mysql'), connection: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('sqlite'), handle: z.string().min(1).max(100) }).strict(),
    ]),
    output: z.array(
      z.object({ schema: z.string(), name: z.string(), view: z.boolean(), rows: z.number().nullable() }),
    ),
  },
  /**
   * Saves a secret of an HTTP API source (a token, a password, a client secret, an API key) encrypted
   * in the engine's store; the spec then names it `{ "secret": id }`. The value never comes back, and
   * it is sent only to `url`'s origin (the source's URL; an OAuth2 client secret's token URL).
   */
  'sources.saveSecret': {
    input: z.object({
      value: z.string().min(1).max(16_384),
      url: z.url({ protocol: /^https?$/ }).max(8_192),
    }),
    output: z.object({ id: z.string() }),
  },
  /**
   * Requests the first page of an HTTP API source: the request (masked), the status, the response
   * headers (credentials masked), the first records and where the next page would come from.
   */
  'sources.testRequest': {
    input: z.object({ source: httpSourceSpecSchema, limit: z.number().int().min(1).max(50).default(5) }),
    output: z.object({
      request: z.string(),
      status: z.number().int(),
      headers: z.array(z.tuple([z.string(), z.string()])),
      recordCount: z.number().int(),
      records: z.array(z.record(z.string(), z.unknown())),
      /** The same records as JSON text, numbers as the API wrote them (for showing). */
      recordsJson: z.string(),
      next: z.string(),
      events: z.array(z.string()),
    }),
  },
  'preview.run': {
    input: z.object({
      spec: jobSpecInput,
      limit: z.number().int().min(1).max(10_000).default(200),
      /** The caller's name for this preview: an HTTP API source's pages read go out as `source.progress`. */
      progressId: z.string().min(1).max(100).optional(),
    }),
    output: previewResultSchema,
  },

  'targets.tables': {
    input: z.object({ connection: z.string().min(1), schema: z.string().optional() }),
    output: z.array(z.object({ schema: z.string(), name: z.string(), rows: z.number().nullable() })),
  },
  'targets.check': {
    input: z.object({
      connection: z.string().min(1),
      table: z.string().min(1),
      /**
       * `nativeType`: the preview column's (a PostgreSQL source's own type of a text column).
       * `declared` (the job types the column) and `sourceType` (the source does), as the preview
       * said: a column with neither takes an existing table column's type, as the load does
       * (`retyped` in the result). Without `declared` the type is taken as the job's own.
       */
      columns: z.array(
        z.object({
          name: z.string(),
          type: z.enum(COLUMN_TYPES),
          nativeType: z.string().min(1).optional(),
          declared: z.boolean().optional(),
          sourceType: z.enum(COLUMN_TYPES).optional(),
        }),
      ),
      /** Upsert/incremental also need a unique key on exactly `key`; replace cannot swap a partitioned table. */
      mode: z.enum(LOAD_MODES).optional(),
      key: z.array(z.string().min(1)).optional(),
      /** Incremental: the watermark column (a text one keeps the preview's type, as the load does). */
      watermark: z.string().min(1).optional(),
      /** Missing columns are fine when the load may add them. */
      addMissingColumns: z.boolean().optional(),
      /** Append: the table is emptied first (the DDL shows the TRUNCATE). */
      truncate: z.boolean().optional(),
    }),
    output: compatibilitySchema,
  },
  /**
   * Makes a change the check offered (`fixes`): creates the missing schema, or a unique index on the
   * upsert key. The engine builds the statement from these names; it never runs SQL from the UI.
   */
  'targets.fix': {
    input: z.object({
      connection: z.string().min(1),
      fix: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('create_schema'), schema: z.string().min(1) }),
        z.object({
          kind: z.literal('create_unique_index'),
          table: z.object({ schema: z.string().min(1), name: z.string().min(1) }),
          columns: z.array(z.string().min(1)).min(1),
        }),
      ]),
    }),
    output: z.object({ sql: z.string() }),
  },

  'jobs.list': {
    input: z.object({}),
    output: z.array(
      z.object({
        name: z.string(),
        updatedAt: z.string(),
        /** The source file's path where the engine reads it (for information; never a capability). */
        source: z.string(),
        /**
         * The file's name as the operator knows it (an upload's original name); an HTTP API or a
         * database source by its label, as `source` (`http GET https://…/v1/orders?region=***`).
         */
        sourceName: z.string(),
        /** The job reads a copy uploaded to the browser host, not the operator's original file. */
        uploaded: z.boolean(),
        table: z.string().nullable(),
        mode: z.enum(LOAD_MODES).nullable(),
        /** The job's schedule, or null (runs only when started). */
        schedule: scheduleSchema.nullable(),
        /** The schedule is paused (it keeps its settings; nothing runs until resumed). */
        paused: z.boolean(),
        /** When the schedule runs it next (ISO), or null (no schedule, or paused). */
        nextRunAt: z.string().nullable(),
        /** A run of the job is going on now (here, in the CLI or a scheduler). */
        running: z.boolean(),
        lastRun: z
          .object({
            runId: z.string(),
            status: runStatusSchema,
            startedAt: z.string(),
            trigger: runTriggerSchema,
          })
          .nullable(),
      }),
    ),
  },
  'jobs.get': {
    input: z.object({ name: z.string().min(1) }),
    output: z.object({
      name: z.string(),
      /** The saved spec; its file is `file` (a fresh grant), its `source` holds only how to read it. */
      spec: savedJobSpecSchema,
      /** Null when the saved file cannot be read any more (`fileProblem` says why). */
      file: grantedFileSchema.nullable(),
      fileProblem: z.string().nullable(),
    }),
  },
  /** Saves a job; its source must be a granted file (the engine stores the granted path and name). */
  'jobs.save': { input: z.object({ name: z.string().min(1), spec: jobSpecInput }), output: ok },
  /** Runs a saved job as saved, reading the file it names (no grant needed: the engine saved it). */
  'jobs.run': {
    input: z.object({ name: z.string().min(1), dryRun: z.boolean().default(false) }),
    output: runId,
  },
  'jobs.delete': { input: z.object({ name: z.string().min(1) }), output: ok },
  /** Sets (or, with null, removes) a saved job's schedule; the rest of the job stays as saved. */
  'jobs.schedule.set': {
    input: z.object({ name: z.string().min(1), schedule: scheduleSchema.nullable() }),
    output: ok,
  },
  /** Pauses a job's schedule: nothing runs by schedule until it is resumed. */
  'jobs.schedule.pause': { input: z.object({ name: z.string().min(1) }), output: ok },
  /** Resumes a paused schedule; runs that fell due while it was paused are not caught up. */
  'jobs.schedule.resume': { input: z.object({ name: z.string().min(1) }), output: ok },

  'loads.start': {
    input: z.object({
      spec: jobSpecInput,
      dryRun: z.boolean().default(false),
      /**
       * The caller's name for the load until its run is recorded (after the source is opened and its
       * sample read, which for a slow API can take a minute): `loads.cancelStart` stops it meanwhile,
       * and an HTTP API source's pages read go out meanwhile as `source.progress` with this id.
       */
      startId: z.string().min(1).max(100).optional(),
    }),
    output: runId,
  },
  'loads.cancel': { input: runId, output: z.object({ cancelled: z.boolean() }) },
  /**
   * Cancels a load started with `startId` whose run is not recorded yet: its `loads.start` then fails
   * with `load_cancelled` (nothing written, no run). `cancelled: false` when none is starting (it may
   * have begun: `loads.cancel` its run).
   */
  'loads.cancelStart': {
    input: z.object({ startId: z.string().min(1).max(100) }),
    output: z.object({ cancelled: z.boolean() }),
  },
  /**
   * Loads a fixed export for fixing (`file`: a granted read handle) through run `runId`'s own job:
   * its source dialect, columns, types, formats and target; replace becomes append and incremental
   * becomes upsert on its key. Returns the new run's id at once; the new run links back (`reloadOf`).
   */
  'loads.reload': {
    input: z.object({ runId: z.string().min(1), file: z.string().min(1) }),
    output: runId,
  },
  /**
   * Resumes an interrupted (failed, cancelled) load from its last commit as a new run, with the run's
   * own spec and file (the engine recorded the path; refused if the file changed): the new run's id.
   */
  'loads.resume': { input: runId, output: runId },

  'runs.list': {
    input: z.object({
      status: runStatusSchema.optional(),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    output: z.array(runSummarySchema),
  },
  'runs.get': { input: runId, output: runSummarySchema },
  /**
   * What the run recorded as it went, oldest first: retries and waits of a network source, a
   * watermark set aside, columns added, a table emptied, defaults taken from Settings, a resume…
   * (what `loadstone runs <id>` lists under Events; secrets already scrubbed when recorded).
   */
  'runs.events': {
    input: runId,
    output: z.array(
      z.object({ id: z.number().int(), at: z.string(), kind: z.string(), message: z.string().nullable() }),
    ),
  },

  'reports.page': {
    input: z.object({
      runId: z.string().min(1),
      ...reportFilterShape,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    output: z.object({
      total: z.number().int(),
      rows: z.array(rejectedRowSchema),
      sourceColumns: z.array(z.string()),
      /**
       * The target column each source column became, as errors name them (aligned with
       * `sourceColumns`; null: skipped); null for runs recorded before it was kept.
       */
      columnNames: z.array(z.string().nullable()).nullable(),
    }),
  },
  'reports.summary': { input: runId, output: z.array(reportSummaryItemSchema) },
  /**
   * Electron: writes the report to the file chosen in the save dialog (`file`: the handle
   * `dialogs.saveFile` gave, used once), only the rows the filters select (as `reports.page` shows them).
   * The browser host downloads instead (`GET /api/reports/<id>/export?format=[&stage=&column=&reason=&text=]`).
   */
  'reports.export': {
    input: z.object({
      runId: z.string().min(1),
      format: z.enum(REPORT_FORMATS),
      file: z.string().min(1),
      ...reportFilterShape,
    }),
    output: z.object({ rows: z.number().int(), path: z.string() }),
  },
  /**
   * Electron: writes the run's rejected rows for fixing (the source's own dialect, its columns plus a
   * trailing `loadstone_error`) to the file chosen in the save dialog (`file`, used once); `bom` adds
   * a byte-order mark where the source had none. The browser host downloads instead
   * (`GET /api/reports/<id>/export?format=fixing[&bom=1]`).
   */
  'reports.exportForFixing': {
    input: z.object({ runId: z.string().min(1), file: z.string().min(1), bom: z.boolean().default(false) }),
    output: z.object({ rows: z.number().int(), path: z.string() }),
  },

  /**
   * Electron only: native dialogs, answered by main, which grants the chosen file. The browser host
   * answers `{ file: null }` (it uploads and downloads instead).
   */
  'dialogs.openFile': {
    input: z.object({ title: z.string().optional() }),
    output: z.object({ file: grantedFileSchema.nullable() }),
  },
  /** The operator's choice of where to export: a handle for one write, or null when cancelled. */
  'dialogs.saveFile': {
    input: z.object({ defaultName: z.string(), title: z.string().optional() }),
    output: z.object({ file: z.object({ handle: z.string(), name: z.string() }).nullable() }),
  },
  ...alertCommands,
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
export type CommandOutput<N extends CommandName> = z.output<Commands[N]['output']>;

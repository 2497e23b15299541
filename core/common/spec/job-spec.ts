import { z } from 'zod';
import { alertRulesSchema } from '../alerts/rules.ts';
import { LoadstoneError, type ValidationIssue } from '../errors.ts';
import { overrideNameProblem } from '../normalize/column-names.ts';
import { COLUMN_TYPES } from '../types.ts';
import { type HttpSourceSpec, httpSourceSpecSchema } from './http-source.ts';

export { httpSourceSpecSchema };

import { scheduleSchema } from './schedule.ts';

/** Source file formats Loadstone reads. */
export const SOURCE_KINDS = ['csv', 'tsv', 'json', 'ndjson', 'xlsx'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What a run read: a file format, or a non-file source (a database, an HTTP API). */
export const READ_KINDS = [...SOURCE_KINDS, 'postgres', 'mysql', 'sqlite', 'http'] as const;
export type ReadKind = (typeof READ_KINDS)[number];

/** Text encodings Loadstone decodes. `latin1` is read as Windows-1252, as browsers do. */
export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export const DATE_ORDERS = ['DMY', 'MDY', 'YMD'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

const oneChar = z.string().length(1, 'must be exactly one character');

/**
 * Default bound on one record, in characters: a delimited or NDJSON line, an XLSX cell or shared
 * string (64 Mi). A longer one is rejected (`line_too_long` / `cell_too_long`) and reading goes on.
 */
export const DEFAULT_MAX_LINE_CHARS = 64 * 1024 * 1024;

/** A file source: where the rows come from, and how to read them. Every field but `path` is detected when absent. */
export const fileSourceSpecSchema = z
  .object({
    /** `file` (the default when absent). */
    kind: z.literal('file').optional(),
    path: z.string().min(1, 'a source path is required'),
    format: z.enum(SOURCE_KINDS).optional(),
    encoding: z.enum(ENCODINGS).optional(),
    compression: z.enum(['none', 'gzip']).optional(),
    /** Field separator for delimited text: `,` `\t` `;` `|` or any single character. */
    delimiter: oneChar.optional(),
    /** Quote character; the empty string turns quoting off (a `"` is then data). */
    quote: z.union([oneChar, z.literal('')]).optional(),
    /** Whether the first record is a header row. */
    header: z.boolean().optional(),
    /** XLSX sheet name (default: the first sheet). */
    sheet: z.string().min(1).optional(),
    /**
     * Longest record read, in characters (default DEFAULT_MAX_LINE_CHARS): a longer delimited or
     * NDJSON line is rejected as `line_too_long`, a longer XLSX cell as `cell_too_long`.
     */
    maxLineChars: z.number().int().min(1).optional(),
    /**
     * JSON only: dotted path of the records array inside the top-level object
     * (`{"meta": …, "resources": [ … ]}` → `resources`); absent: the file is the array.
     */
    records: z
      .string()
      .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path such as data.items')
      .optional(),
  })
  .strict();
export type FileSourceSpec = z.infer<typeof fileSourceSpecSchema>;

/** What a database source reads: a table or a read-only query (exactly one; checked by the job spec). */
const databaseReadFields = {
  /** `[schema.]table` to read whole (with pushdown of an incremental watermark). */
  table: z.string().min(1).optional(),
  /** A read-only SQL query; the server refuses one that writes. */
  query: z.string().min(1).optional(),
  /** Source statement timeout in milliseconds (default: none); at most PostgreSQL's 2147483647 (~24.8 days). */
  statementTimeoutMs: z
    .number()
    .int()
    .positive()
    .max(
      2_147_483_647,
      'must be at most 2147483647 ms (about 24.8 days), the largest statement timeout PostgreSQL takes',
    )
    .optional(),
  /** How the preview samples a table: the first rows (`limit`, default) or `tablesample` (PostgreSQL). */
  sample: z.enum(['limit', 'tablesample']).optional(),
};

/** A PostgreSQL source: a saved connection name or a `postgres://` / `postgresql://` URL. */
export const postgresSourceSpecSchema = z
  .object({
    kind: z.literal('postgres'),
    connection: z.string().min(1, 'a source connection (saved name or URL) is required'),
    ...databaseReadFields,
    /**
     * What a SQL_ASCII database's text bytes are (`windows-1252`, or `latin1`, read as Windows-1252
     * as for a file): such a database keeps any bytes and the server converts none. Absent or
     * `utf-8`: read as UTF-8, a row holding other bytes rejected (`invalid_encoding`). A database of
     * any other encoding is converted by the server, and takes only `utf-8`.
     */
    encoding: z.enum(['utf-8', 'windows-1252', 'latin1']).optional(),
  })
  .strict();

/** A MySQL / MariaDB source: a saved connection name or a `mysql://` / `mariadb://` URL. */
export const mysqlSourceSpecSchema = z
  .object({
    kind: z.literal('mysql'),
    connection: z.string().min(1, 'a source connection (saved name or URL) is required'),
    ...databaseReadFields,
  })
  .strict();

/** An SQLite database file, opened read-only. */
export const sqliteSourceSpecSchema = z
  .object({
    kind: z.literal('sqlite'),
    path: z.string().min(1, 'the SQLite file path is required'),
    ...databaseReadFields,
  })
  .strict();

export type PostgresSourceSpec = z.infer<typeof postgresSourceSpecSchema>;
export type MysqlSourceSpec = z.infer<typeof mysqlSourceSpecSchema>;
export type SqliteSourceSpec = z.infer<typeof sqliteSourceSpecSchema>;
export type DatabaseSourceSpec = PostgresSourceSpec | MysqlSourceSpec | SqliteSourceSpec;

/**
 * Where the rows come from, by `kind`: a file (the default when `kind` is absent), a database
 * table or query. Each kind's fields are validated by its own schema, every problem by its path.
 */
export const sourceSpecSchema = z.discriminatedUnion('kind', [
  fileSourceSpecSchema,
  postgresSourceSpecSchema,
  mysqlSourceSpecSchema,
  sqliteSourceSpecSchema,
  httpSourceSpecSchema,
]);
export type SourceSpec = z.infer<typeof sourceSpecSchema>;
/** Every `source.kind` (a file source may leave it out). */
export type SourceSpecKind = NonNullable<SourceSpec['kind']>;

/** Whether a source is a file (read by path, with a format). */
export function isFileSource(source: SourceSpec): source is FileSourceSpec {
  return source.kind === undefined || source.kind === 'file';
}

/** Whether a source is a database table or query. */
export function isDatabaseSource(source: SourceSpec): source is DatabaseSourceSpec {
  return source.kind === 'postgres' || source.kind === 'mysql' || source.kind === 'sqlite';
}

/** Whether a source is an HTTP API. */
export function isHttpSource(source: SourceSpec): source is HttpSourceSpec {
  return source.kind === 'http';
}

export type { HttpSourceSpec };

/** Formatting rules for normalization; set per job and overridable per column. */
export const formatOptionsSchema = z
  .object({
    /** Strings that mean NULL (compared after trimming, case-sensitive). */
    nullTokens: z.array(z.string()).optional(),
    /** Order of numeric dates such as 05/03/2024. Job default: MDY unless set. */
    dateOrder: z.enum(DATE_ORDERS).optional(),
    /** Decimal separator for numbers; decided per column when absent. */
    decimalSeparator: z.enum(['.', ',']).optional(),
    /** `keep`: 12.5% → 12.5; `fraction`: 12.5% → 0.125. */
    percent: z.enum(['keep', 'fraction']).optional(),
    /** IANA time zone for timestamps written without an offset. */
    timeZone: z.string().min(1).optional(),
    /** Two-digit years below the pivot are 20xx, others 19xx (default 70: 69 → 2069, 70 → 1970). */
    twoDigitYearPivot: z.number().int().min(0).max(100).optional(),
    /** Read numbers in a date/timestamp column as Excel serials or Unix epoch seconds/milliseconds. */
    numericDates: z.enum(['excel', 'epoch_s', 'epoch_ms']).optional(),
  })
  .strict();
export type FormatOptions = z.infer<typeof formatOptionsSchema>;

/** One source column: which target column it becomes and how it is normalized. */
export const columnSpecSchema = formatOptionsSchema
  .extend({
    /** The source header (or `column_N` when the file has no header). */
    source: z.string(),
    /**
     * Target column name; derived from the header (lower snake_case) when absent. Any name PostgreSQL
     * takes quoted (`createdAt` for an existing camelCase column), 1–63 bytes, no NUL.
     */
    name: z
      .string()
      .superRefine((name, ctx) => {
        const problem = overrideNameProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Target type; inferred when absent. */
    type: z.enum(COLUMN_TYPES).optional(),
    /** Leave this column out of the load. */
    skip: z.boolean().optional(),
    /**
     * For a column loaded as text: `true` keeps its text exactly as read (not trimmed; NULL only where
     * the source says NULL, or for the column's own `nullTokens`), `false` reads it like a CSV cell
     * (trimmed, the default null tokens). Absent: a database's text or a JSON/API string is kept, a
     * CSV's or a spreadsheet's text is read like a CSV cell. No effect on other types.
     */
    keepText: z.boolean().optional(),
  })
  .strict();
export type ColumnSpec = z.infer<typeof columnSpecSchema>;

export const LOAD_MODES = ['append', 'replace', 'upsert', 'incremental'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

/** What a load does with two rows of one key: the last one wins, or both are rejected. */
export const DUPLICATE_KEYS = ['last', 'reject'] as const;

/** Where and how rows are loaded. */
export const targetSpecSchema = z
  .object({
    /** A PostgreSQL URL, a saved connection name, or `local` (the embedded warehouse). */
    connection: z.string().min(1).default('local'),
    /** `[schema.]table`. */
    table: z.string().min(1),
    mode: z.enum(LOAD_MODES).default('append'),
    /** Key columns (target names) for upsert and incremental. */
    key: z.array(z.string().min(1)).optional(),
    /** Watermark column (target name) for incremental. */
    watermark: z.string().min(1).optional(),
    /** Two rows with the same key in one load: the last one wins, or both are rejected. */
    duplicateKeys: z.enum(DUPLICATE_KEYS).default('last'),
    /** Add source columns missing from an existing table with ALTER TABLE … ADD COLUMN. */
    addMissingColumns: z.boolean().default(false),
    /**
     * Append only: empty the existing table (TRUNCATE) before loading, inside the load's transaction,
     * so a load that fails leaves the old rows. Not with `settings.commitEvery`.
     */
    truncate: z.boolean().optional(),
  })
  .strict();
export type TargetSpec = z.infer<typeof targetSpecSchema>;

export const loadSettingsSchema = z
  .object({
    /** Abort and roll back when rejected/read exceeds this fraction (default 0.05). */
    maxErrorRate: z.number().min(0).max(1).default(0.05),
    /** Abort and roll back when more rows than this are rejected (default: unlimited). */
    maxErrors: z.number().int().min(0).optional(),
    /** Commit every N rows instead of once at the end. */
    commitEvery: z.number().int().positive().optional(),
    /** Rows read for type inference (default 10,000). */
    sampleSize: z.number().int().positive().default(10_000),
  })
  .strict();
export type LoadSettings = z.infer<typeof loadSettingsSchema>;

/** A job: everything needed to preview or load, as saved in a `job.json` file. */
export const jobSpecSchema = z
  .object({
    version: z.literal(1).default(1),
    name: z.string().min(1).optional(),
    source: sourceSpecSchema,
    /** Job-wide formatting defaults; each column may override them. */
    format: formatOptionsSchema.default({}),
    columns: z.array(columnSpecSchema).optional(),
    target: targetSpecSchema.optional(),
    settings: loadSettingsSchema.default({ maxErrorRate: 0.05, sampleSize: 10_000 }),
    /** Alert rule of this job (default: the one in Settings, if any). */
    alerts: alertRulesSchema.optional(),
    /** When a saved job runs by itself (`loadstone scheduler`, the app while open); ignored by `load --spec`. */
    schedule: scheduleSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const t = spec.target;
    if (t && (t.mode === 'upsert' || t.mode === 'incremental') && (!t.key || t.key.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'key'],
        message: `mode '${t.mode}' needs key columns`,
      });
    }
    if (t && t.mode === 'incremental' && !t.watermark) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'watermark'],
        message: "mode 'incremental' needs a watermark column",
      });
    }
    if (t?.truncate && t.mode !== 'append') {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'truncate'],
        message: `emptying the table first only applies to mode 'append', not '${t.mode}'`,
      });
    }
    if (t?.truncate && spec.settings.commitEvery !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'truncate'],
        message:
          'cannot be combined with settings.commitEvery: a load failing after a commit would leave the table emptied',
      });
    }
    const warn = spec.alerts?.warnErrorRate;
    if (warn !== undefined && warn >= spec.settings.maxErrorRate) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', 'warnErrorRate'],
        message: `must be lower than settings.maxErrorRate (${spec.settings.maxErrorRate}): the load aborts before it would warn`,
      });
    }
    if (isDatabaseSource(spec.source)) {
      const { table, query, sample } = spec.source;
      if ((table === undefined) === (query === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['source', table === undefined ? 'table' : 'query'],
          message:
            'a database source reads either a table or a query: give exactly one of source.table and source.query',
        });
      }
      if (sample === 'tablesample' && spec.source.kind !== 'postgres') {
        ctx.addIssue({
          code: 'custom',
          path: ['source', 'sample'],
          message: `'tablesample' sampling is only for PostgreSQL sources, not ${spec.source.kind}`,
        });
      }
    }
    if (isFileSource(spec.source) && spec.source.records !== undefined) {
      const f = spec.source.format ?? (/\.json(\.gz)?$/i.test(spec.source.path) ? 'json' : undefined);
      if (f !== 'json') {
        ctx.addIssue({
          code: 'custom',
          path: ['source', 'records'],
          message: 'a records path applies to JSON files only (set format: json)',
        });
      }
    }
    const seen = new Set<string>();
    spec.columns?.forEach((c, i) => {
      if (seen.has(c.source)) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'source'],
          message: `column '${c.source}' is listed twice`,
        });
      }
      seen.add(c.source);
    });
  });
export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;

/** Turns zod issues into `{ path, message }` pairs with dotted paths (`columns.2.type`). */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/**
 * Validates a job spec, listing every problem by its path.
 * @throws LoadstoneError SPEC_INVALID with `details.issues`.
 */
export function parseJobSpec(input: unknown, origin = 'job spec'): JobSpec {
  const result = jobSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error);
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  throw new LoadstoneError(
    'SPEC_INVALID',
    `${origin} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`,
    {
      details: { issues },
    },
  );
}

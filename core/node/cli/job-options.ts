import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ALERT_TRIGGERS, type AlertRulesInput } from '../../common/alerts/rules.ts';
import { LoadstoneError } from '../../common/errors.ts';
import {
  DATE_ORDERS,
  ENCODINGS,
  type fileSourceSpecSchema,
  type JobSpec,
  type JobSpecInput,
  parseJobSpec,
  SOURCE_KINDS,
} from '../../common/spec/job-spec.ts';
import { choiceOption, intOption, numberOption } from './args.ts';
import { DATABASE_SOURCE_HELP, DATABASE_SOURCE_OPTIONS, databaseSourceFrom } from './database-source-args.ts';

/** Source and format options shared by `preview` and `load`. */
export const SOURCE_OPTIONS = {
  spec: { type: 'string' },
  format: { type: 'string' },
  encoding: { type: 'string' },
  delimiter: { type: 'string' },
  quote: { type: 'string' },
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  sheet: { type: 'string' },
  'max-line-chars': { type: 'string' },
  'date-order': { type: 'string' },
  'decimal-separator': { type: 'string' },
  'time-zone': { type: 'string' },
  'null-tokens': { type: 'string' },
  'sample-size': { type: 'string' },
  ...DATABASE_SOURCE_OPTIONS,
  url: { type: 'string' },
  records: { type: 'string' },
  /** `--header 'Name: value'` (see `parseCliArgs`: a `--header` followed by `Name: value`). */
  'request-header': { type: 'string', multiple: true },
  'bearer-env': { type: 'string' },
} as const;

export const SOURCE_OPTIONS_HELP = `Source options:
  --spec job.json             Job spec (source, columns, format, target); flags override it
  --format csv|tsv|json|ndjson|xlsx
  --encoding utf-8|utf-16le|utf-16be|windows-1252|latin1
  --delimiter C               Field separator (use '\\t' for tab)
  --quote C                   Quote character ('' turns quoting off)
  --header | --no-header      Whether the first row is a header
  --sheet NAME                XLSX sheet (default: the first)
  --max-line-chars N          Longest line (or XLSX cell) read, in characters (default 67108864,
                              64 Mi); a longer one is rejected as line_too_long / cell_too_long
  --date-order DMY|MDY|YMD    Order of numeric dates when a column does not settle it
  --decimal-separator .|,     Decimal mark for every number column
  --time-zone ZONE            IANA zone for timestamps without an offset (default UTC)
  --null-tokens a,b,c         Strings read as NULL (default: '',NULL,null,N/A,n/a,NA,-,none)
  --sample-size N             Rows read to infer types (default 10000)

HTTP API source (instead of a file; see the README's HTTP API source section for the spec):
  --url URL                   Read an HTTP API (GET) instead of a file
  --records PATH              Dotted path of the records array in each response (data.items);
                              also for a JSON file whose records are nested
  --header 'Name: value'      Request header (repeatable); credentials go in --bearer-env or the spec
  --bearer-env VAR            Bearer token read from the environment variable VAR

${DATABASE_SOURCE_HELP}`;

/** Alert flags of `load` (and `jobs run`, which parses load's options). */
export const ALERT_OPTIONS = {
  alert: { type: 'string' },
  'alert-on': { type: 'string' },
  'warn-error-rate': { type: 'string' },
} as const;

export const ALERT_OPTIONS_HELP = `Alert options (see 'loadstone alerts --help'):
  --alert NAME[,NAME]         Alert channels for this run (default: the job spec's, else Settings')
  --alert-on failure,threshold,warning,success,interrupted,schedule
                              When to alert (default: all but success)
  --warn-error-rate R         'warning' above this share of rejected rows (default 0.005); below
                              --max-error-rate`;

/**
 * The `alerts` part of a job spec from the alert flags (undefined: no flag given).
 * @throws LoadstoneError BAD_USAGE naming the flag.
 */
export function alertFlags(values: {
  alert?: string | undefined;
  'alert-on'?: string | undefined;
  'warn-error-rate'?: string | undefined;
}): Partial<AlertRulesInput> | undefined {
  const out: Partial<AlertRulesInput> = {};
  if (values.alert !== undefined) {
    const channels = values.alert.split(',').map((c) => c.trim());
    if (channels.some((c) => c === ''))
      throw new LoadstoneError('BAD_USAGE', `--alert has an empty channel name: '${values.alert}'`);
    out.channels = channels;
  }
  if (values['alert-on'] !== undefined) {
    out.on = values['alert-on'].split(',').map((t) => choiceOption(t.trim(), 'alert-on', ALERT_TRIGGERS));
  }
  const warn = numberOption(values['warn-error-rate'], 'warn-error-rate', 0, 1);
  if (warn !== undefined) out.warnErrorRate = warn;
  return Object.keys(out).length > 0 ? out : undefined;
}

type SourceValues = {
  [K in Exclude<
    keyof typeof SOURCE_OPTIONS,
    'request-header'
  >]?: (typeof SOURCE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
} & { 'request-header'?: string[] | undefined };

type SourceInput = z.input<typeof fileSourceSpecSchema>;
type FormatInput = NonNullable<JobSpecInput['format']>;
type SettingsInput = NonNullable<JobSpecInput['settings']>;
type TargetInput = NonNullable<JobSpecInput['target']>;

/** What `loadstone load` adds to the spec: target, settings and job name, from its own flags. */
export interface LoadFlags {
  readonly target: Partial<TargetInput>;
  readonly settings: SettingsInput;
  readonly name?: string | undefined;
  /** From `--alert`, `--alert-on`, `--warn-error-rate` (over the spec file's `alerts`). */
  readonly alerts?: Partial<AlertRulesInput> | undefined;
}

/**
 * Builds the job spec from an optional spec file, a file argument and flags, and validates it.
 * Flags override the spec file's fields; relative paths in a spec file are taken from its folder.
 * With `load`, the spec is a load's: a target table is required.
 * @throws LoadstoneError BAD_USAGE (no source file, no table, a flag out of its choices),
 *   SPEC_INVALID (unreadable spec file, or the spec as merged is invalid: every problem by path).
 */
export async function jobFromOptions(
  file: string | undefined,
  values: SourceValues,
  cwd: string,
  load?: LoadFlags,
  /** A saved job's spec, in place of a spec file (`jobs run`). */
  base?: Record<string, unknown>,
  /** The kind of a saved connection named by `--source-connection` (see `savedConnectionKind`). */
  savedKind?: (name: string) => 'postgres' | 'mysql' | undefined,
): Promise<JobSpec> {
  const fromFile = base ?? (values.spec ? await readSpecFile(resolve(cwd, values.spec)) : {});
  const database = databaseSourceFrom(file, values, cwd, fromFile.source, savedKind);
  const source: Partial<SourceInput> = {};
  if (file && !database) source.path = resolve(cwd, file);
  if (values.format) source.format = choiceOption(values.format, 'format', SOURCE_KINDS);
  if (values.encoding) source.encoding = choiceOption(values.encoding, 'encoding', ENCODINGS);
  if (values.delimiter !== undefined) source.delimiter = values.delimiter === '\\t' ? '\t' : values.delimiter;
  if (values.quote !== undefined) source.quote = values.quote;
  if (values.header) source.header = true;
  if (values['no-header']) source.header = false;
  if (values.sheet) source.sheet = values.sheet;
  const maxLineChars = intOption(values['max-line-chars'], 'max-line-chars', 1);
  if (maxLineChars !== undefined) source.maxLineChars = maxLineChars;
  const http = httpFlags(values, file);
  const mergedSource = http.url
    ? {
        ...(isRecord(fromFile.source) && fromFile.source.kind === 'http' ? fromFile.source : {}),
        ...http.source,
      }
    : (database ?? merged(fromFile.source, source));
  if (!http.url && isRecord(mergedSource) && mergedSource.kind === 'http') {
    const headers = http.source.headers;
    Object.assign(mergedSource, http.source);
    if (headers)
      mergedSource.headers = {
        ...(isRecord(fromFile.source) ? (fromFile.source.headers as object) : {}),
        ...headers,
      };
  } else if (!http.url && http.only.length > 0)
    throw new LoadstoneError('BAD_USAGE', `${http.only.join(', ')} only apply to an HTTP API source (--url)`);
  else if (!http.url && values.records !== undefined && isRecord(mergedSource))
    mergedSource.records = values.records;
  const fileKind = !isRecord(mergedSource) || mergedSource.kind === undefined || mergedSource.kind === 'file';
  if (isRecord(mergedSource) && fileKind && !mergedSource.path)
    throw new LoadstoneError(
      'BAD_USAGE',
      'no source: give a file, an SQLite file or database URL with --source-table/--query, or a --spec with source.path',
    );

  const format: FormatInput = {};
  if (values['date-order']) format.dateOrder = choiceOption(values['date-order'], 'date-order', DATE_ORDERS);
  if (values['decimal-separator'])
    format.decimalSeparator = choiceOption(values['decimal-separator'], 'decimal-separator', ['.', ',']);
  if (values['time-zone']) format.timeZone = values['time-zone'];
  if (values['null-tokens'] !== undefined) format.nullTokens = values['null-tokens'].split(',');

  const settings: SettingsInput = { ...load?.settings };
  const sampleSize = intOption(values['sample-size'], 'sample-size', 1);
  if (sampleSize !== undefined) settings.sampleSize = sampleSize;

  const spec: Record<string, unknown> = {
    ...fromFile,
    source: mergedSource,
    format: merged(fromFile.format, format),
  };
  if (load || sampleSize !== undefined) spec.settings = merged(fromFile.settings, settings);
  if (load) {
    const target = merged(fromFile.target, load.target);
    if (isRecord(target) && !target.table)
      throw new LoadstoneError('BAD_USAGE', "--table is required (see 'loadstone load --help')");
    spec.target = target;
    if (load.name) spec.name = load.name;
    if (load.alerts) {
      const alerts = merged(fromFile.alerts, load.alerts);
      if (isRecord(alerts) && alerts.channels === undefined)
        throw new LoadstoneError(
          'BAD_USAGE',
          '--alert-on and --warn-error-rate need --alert NAME (or alerts.channels in the spec)',
        );
      spec.alerts = alerts;
    }
  }
  return parseJobSpec(spec);
}

/** The HTTP source's fields from --url, --records, --header and --bearer-env. */
function httpFlags(
  values: SourceValues,
  file: string | undefined,
): { url: boolean; source: Record<string, unknown>; only: string[] } {
  const source: Record<string, unknown> = {};
  const only: string[] = [];
  if (values.url !== undefined) {
    if (file) {
      // `--header X` where X has no colon: --header alone (a file's header row) and X a file.
      const why = values.header
        ? ` ('${file}' after --header is taken for a file: a request header is --header 'Name: value')`
        : '';
      throw new LoadstoneError('BAD_USAGE', `give either a file or --url, not both${why}`);
    }
    source.kind = 'http';
    source.url = values.url;
  }
  if (values.records !== undefined) source.records = values.records;
  const requestHeaders = values['request-header'];
  if (requestHeaders && requestHeaders.length > 0) {
    only.push("--header 'Name: value'");
    const headers: Record<string, string> = {};
    for (const h of requestHeaders) {
      const colon = h.indexOf(':');
      if (colon <= 0) throw new LoadstoneError('BAD_USAGE', `--header must be 'Name: value', got '${h}'`);
      headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    }
    source.headers = headers;
  }
  if (values['bearer-env'] !== undefined) {
    only.push('--bearer-env');
    source.auth = { type: 'bearer', token: { env: values['bearer-env'] } };
  }
  return { url: values.url !== undefined, source, only };
}

/**
 * Reads a job spec file as JSON. What it holds is checked with the flags applied (`parseJobSpec`);
 * a relative `source.path` in it is taken from the file's folder.
 */
export async function readSpecFile(specPath: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(specPath, 'utf8');
  } catch (error) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `cannot read job spec ${specPath}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `job spec ${specPath} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!isRecord(spec)) {
    throw new LoadstoneError('SPEC_INVALID', `job spec ${specPath} must be a JSON object`);
  }
  const source = spec.source;
  if (isRecord(source) && typeof source.path === 'string' && !isAbsolute(source.path)) {
    return { ...spec, source: { ...source, path: resolve(dirname(specPath), source.path) } };
  }
  return spec;
}

/**
 * A spec file's part with the flags' fields over it. A part that is not an object is kept as the
 * file has it, so that validation reports it (flags cannot fix it).
 */
function merged(fromFile: unknown, flags: object): unknown {
  if (fromFile === undefined) return flags;
  return isRecord(fromFile) ? { ...fromFile, ...flags } : fromFile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

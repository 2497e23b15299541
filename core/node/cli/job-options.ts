import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import type { JobSpecInput } from '../../common/spec/job-spec.ts';
import { intOption } from './args.ts';

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
  --sample-size N             Rows read to infer types (default 10000)`;

type SourceValues = {
  [K in keyof typeof SOURCE_OPTIONS]?: (typeof SOURCE_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

/**
 * Builds a job spec (as input, before defaults) from an optional spec file, a file argument and flags.
 * Relative paths in a spec file are taken from the spec file's folder.
 */
export async function jobFromOptions(
  file: string | undefined,
  values: SourceValues,
  cwd: string,
): Promise<JobSpecInput> {
  let spec: Record<string, unknown> = {};
  if (values.spec) {
    const specPath = resolve(cwd, values.spec);
    let text: string;
    try {
      text = await readFile(specPath, 'utf8');
    } catch (error) {
      throw new LoadstoneError(
        'SPEC_INVALID',
        `cannot read job spec ${specPath}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    try {
      spec = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new LoadstoneError(
        'SPEC_INVALID',
        `job spec ${specPath} is not valid JSON: ${(error as Error).message}`,
      );
    }
    const source = spec.source as Record<string, unknown> | undefined;
    if (source && typeof source.path === 'string' && !isAbsolute(source.path)) {
      spec.source = { ...source, path: resolve(dirname(specPath), source.path) };
    }
  }
  const source: Record<string, unknown> = { ...((spec.source as Record<string, unknown> | undefined) ?? {}) };
  if (file) source.path = resolve(cwd, file);
  if (!source.path)
    throw new LoadstoneError('BAD_USAGE', 'no source file: give a file or a --spec with source.path');
  if (values.format) source.format = values.format;
  if (values.encoding) source.encoding = values.encoding;
  if (values.delimiter !== undefined) source.delimiter = values.delimiter === '\\t' ? '\t' : values.delimiter;
  if (values.quote !== undefined) source.quote = values.quote;
  if (values.header) source.header = true;
  if (values['no-header']) source.header = false;
  if (values.sheet) source.sheet = values.sheet;
  const maxLineChars = intOption(values['max-line-chars'], 'max-line-chars', 1);
  if (maxLineChars !== undefined) source.maxLineChars = maxLineChars;
  spec.source = source;

  const format: Record<string, unknown> = { ...((spec.format as Record<string, unknown> | undefined) ?? {}) };
  if (values['date-order']) format.dateOrder = values['date-order'];
  if (values['decimal-separator']) format.decimalSeparator = values['decimal-separator'];
  if (values['time-zone']) format.timeZone = values['time-zone'];
  if (values['null-tokens'] !== undefined) format.nullTokens = values['null-tokens'].split(',');
  spec.format = format;

  const sampleSize = intOption(values['sample-size'], 'sample-size', 1);
  if (sampleSize !== undefined)
    spec.settings = { ...((spec.settings as object | undefined) ?? {}), sampleSize };
  return spec as unknown as JobSpecInput;
}

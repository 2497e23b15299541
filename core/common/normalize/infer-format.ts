import { LoadstoneError, type ValidationIssue } from '../errors.ts';
import { BUILT_IN_DEFAULTS, defaultOriginText, type FormatDefaults } from '../spec/format-defaults.ts';
import type { ColumnSpec, FormatOptions, JobSpec } from '../spec/job-spec.ts';
import { findNameConflicts } from './column-names.ts';
import type { ResolvedFormat } from './column-plan.ts';
import { detectDateOrder } from './dates.ts';
import {
  DEFAULT_NULL_TOKENS,
  DEFAULT_PERCENT,
  DEFAULT_TWO_DIGIT_YEAR_PIVOT,
  quoteValue,
} from './defaults.ts';
import { detectDecimalSeparator } from './numbers.ts';
import { isValidTimeZone } from './timestamps.ts';

/**
 * The column's own settings first, then the job's, then the defaults (date order and time zone:
 * the operator's saved Settings, else the built-in ones).
 */
export function baseFormat(
  job: FormatOptions,
  column: ColumnSpec | undefined,
  defaults: FormatDefaults = BUILT_IN_DEFAULTS,
): ResolvedFormat {
  const numericDates = column?.numericDates ?? job.numericDates;
  return {
    nullTokens: column?.nullTokens ?? job.nullTokens ?? DEFAULT_NULL_TOKENS,
    decimalSeparator: column?.decimalSeparator ?? job.decimalSeparator ?? '.',
    percent: column?.percent ?? job.percent ?? DEFAULT_PERCENT,
    dateOrder: column?.dateOrder ?? job.dateOrder ?? defaults.dateOrder.value,
    timeZone: column?.timeZone ?? job.timeZone ?? defaults.timeZone.value,
    twoDigitYearPivot: column?.twoDigitYearPivot ?? job.twoDigitYearPivot ?? DEFAULT_TWO_DIGIT_YEAR_PIVOT,
    ...(numericDates ? { numericDates } : {}),
  };
}

/** What inference found out about a column's format, to report with the chosen type. */
export interface FormatNotes {
  decimal?: string;
  dates?: string;
  /** The column's own values settled its day/month order. */
  dateOrderDetected?: boolean;
}

/** Decides the decimal mark the spec leaves open, from the column's strings. */
export function settleDecimalMark(
  format: ResolvedFormat,
  job: FormatOptions,
  column: ColumnSpec | undefined,
  strings: readonly string[],
  notes: FormatNotes,
): void {
  if (column?.decimalSeparator || job.decimalSeparator) return;
  const evidence = detectDecimalSeparator(strings);
  format.decimalSeparator = evidence.separator;
  if (evidence.ambiguous) notes.decimal = evidence.message;
}

const NUMERIC_DATE = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}/;

/**
 * Decides the day/month order the column's spec leaves open: the values' own evidence when it
 * settles the order, else the job's dateOrder, else the default (Settings, else MDY), with a
 * warning naming where that default came from when the values were ambiguous.
 */
export function settleDateOrder(
  format: ResolvedFormat,
  job: FormatOptions,
  column: ColumnSpec | undefined,
  strings: readonly string[],
  notes: FormatNotes,
  defaults: FormatDefaults = BUILT_IN_DEFAULTS,
): void {
  if (column?.dateOrder) return;
  const evidence = detectDateOrder(strings);
  if (evidence.order) {
    if (job.dateOrder && job.dateOrder !== evidence.order) {
      notes.dates =
        `the values read as ${evidence.order}${evidence.message ? ` (${evidence.message})` : ''}, ` +
        `not as the job's dateOrder ${job.dateOrder} — set dateOrder on this column to force it`;
    }
    format.dateOrder = evidence.order;
    notes.dateOrderDetected = true;
  } else if (evidence.ambiguous && !job.dateOrder) {
    const example = strings.find((s) => NUMERIC_DATE.test(s));
    const why =
      evidence.message ?? `day/month order is ambiguous${example ? ` (e.g. ${quoteValue(example)})` : ''}`;
    const origin = defaultOriginText(defaults.dateOrder.from, 'date order');
    notes.dates = `${why}; using ${format.dateOrder} (${origin}) — set dateOrder to change it`;
  }
}

/** Matches the spec's column entries to the source headers; unknown entries are an error. */
export function specColumns(
  columns: readonly string[],
  spec: Pick<JobSpec, 'format' | 'columns'>,
): Map<string, { column: ColumnSpec; at: number }> {
  const bySource = new Map<string, { column: ColumnSpec; at: number }>();
  const issues: ValidationIssue[] = [];
  const headers = new Set(columns);
  spec.columns?.forEach((column, at) => {
    if (headers.has(column.source)) bySource.set(column.source, { column, at });
    else {
      issues.push({
        path: `columns.${at}.source`,
        message: `column '${column.source}' is not in the source (its columns: ${columns.map((c) => `'${c}'`).join(', ')})`,
      });
    }
  });
  const zones = new Map<string, string>();
  if (spec.format?.timeZone) zones.set(spec.format.timeZone, 'format.timeZone');
  spec.columns?.forEach((column, at) => {
    if (column.timeZone && !zones.has(column.timeZone)) zones.set(column.timeZone, `columns.${at}.timeZone`);
  });
  for (const [zone, path] of zones) {
    if (!isValidTimeZone(zone)) issues.push({ path, message: `'${zone}' is not a known IANA time zone` });
  }
  const overrides = columns.map((c) => bySource.get(c)?.column.name);
  const skipped = columns.map((c) => bySource.get(c)?.column.skip === true);
  for (const issue of findNameConflicts(columns, overrides, skipped)) {
    const at = bySource.get(issue.path)?.at;
    issues.push({ path: at === undefined ? issue.path : `columns.${at}.name`, message: issue.message });
  }
  if (issues.length > 0) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `the job's columns do not fit the source: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      {
        details: { issues },
      },
    );
  }
  return bySource;
}

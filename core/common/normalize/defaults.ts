import type { DateOrder } from '../spec/job-spec.ts';

/**
 * Strings read as SQL NULL when a job or column does not set `nullTokens`. Compared after
 * trimming, case-sensitively and exactly: `NULL`/`null` are listed, `Null` is not, so a value
 * the user did not expect to vanish stays visible as data (or as a rejected cell).
 */
export const DEFAULT_NULL_TOKENS: readonly string[] = ['', 'NULL', 'null', 'N/A', 'n/a', 'NA', '-', 'none'];

/** Date order used when neither the spec nor the column's own values decide it. */
export const DEFAULT_DATE_ORDER: DateOrder = 'MDY';

/** Zone for timestamps written without an offset, when the spec does not name one. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Two-digit years below the pivot are 20xx, others 19xx (69 → 2069, 70 → 1970). */
export const DEFAULT_TWO_DIGIT_YEAR_PIVOT = 70;

/**
 * `12.5%` is stored as written (12.5) unless the spec asks for `fraction` (0.125): the digits the
 * user sees are the digits that load, and inference warns whenever a column carries `%`.
 */
export const DEFAULT_PERCENT: 'keep' | 'fraction' = 'keep';

/**
 * Inference types a column only when at most this share of its non-null sampled values would be
 * rejected by the chosen type; beyond it the column stays text (with a warning saying why).
 */
export const MAX_NON_FITTING_RATIO = 0.01;

/** From this many sampled values on, a single value that does not fit is tolerated (and rejected). */
export const MIN_SAMPLE_FOR_ONE_STRAY = 10;

/** Longest value quoted in full inside a message; longer values are cut with an ellipsis. */
export const MESSAGE_VALUE_LIMIT = 60;

/** Quotes a value for a human message, cutting very long values. */
export function quoteValue(value: string): string {
  const shown = value.length > MESSAGE_VALUE_LIMIT ? `${value.slice(0, MESSAGE_VALUE_LIMIT - 1)}…` : value;
  return `'${shown}'`;
}

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count for a human message: 10000 → "10,000". */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

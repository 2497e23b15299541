import { type ColumnType, JsonNumber, type RawValue } from '../types.ts';
import { Rejection } from './cell.ts';
import type { CellFunction } from './column-rule.ts';
import { rawText } from './column-rule.ts';
import { formatCount, quoteValue } from './defaults.ts';
import { type DecimalMark, scanNumber } from './number-scan.ts';

/** How many sampled values one type reads, with the first one it rejects. */
export interface FitCount {
  fits: number;
  rejects: number;
  /** Values looked at (fewer than all when the count stopped early). */
  examined: number;
  /** Whether every value was looked at. */
  complete: boolean;
  example?: string;
  exampleMessage?: string;
  /** Integer columns: some fitting value is beyond int4. */
  beyondInt4: boolean;
}

/** Values looked at before a losing type may stop being counted. */
const MIN_EXAMINED = 20;

/**
 * Runs a column's cell function over its sampled non-null values. Stops early once more than
 * `maxRejects` are rejected and most values so far did not fit (`complete` is then false).
 */
export function countFits(fn: CellFunction, values: readonly RawValue[], maxRejects: number): FitCount {
  const count: FitCount = { fits: 0, rejects: 0, examined: 0, complete: true, beyondInt4: false };
  for (const value of values) {
    count.examined++;
    const result = fn(value);
    if (result instanceof Rejection) {
      if (count.rejects++ === 0) {
        count.example = rawText(value);
        count.exampleMessage = result.message;
      }
      // Stop once the type has lost and reads a minority: a near miss is still counted in full,
      // so a column kept as text can say how many values did not fit.
      if (count.rejects > maxRejects && count.examined >= MIN_EXAMINED && count.fits * 2 < count.examined) {
        count.complete = count.examined === values.length;
        return count;
      }
    } else {
      count.fits++;
      if (
        typeof result === 'string' ||
        (typeof result === 'number' && (result > 2147483647 || result < -2147483648))
      ) {
        count.beyondInt4 = true;
      }
    }
  }
  return count;
}

/** The values of a type, in a sentence: "12 of 40 sampled values are not <noun>". */
export const TYPE_NOUNS: Record<ColumnType, string> = {
  integer: 'whole numbers',
  bigint: 'whole numbers',
  numeric: 'numbers',
  boolean: 'booleans',
  date: 'dates',
  timestamptz: 'timestamps',
  uuid: 'UUIDs',
  jsonb: 'JSON',
  text: 'text',
};

/** "3 of 200 sampled values are not dates and will be rejected, e.g. 'x' (why)". */
export function nonFittingWarning(type: ColumnType, count: FitCount, total: number): string {
  const example = count.exampleMessage ?? quoteValue(count.example ?? '');
  return `${formatCount(count.rejects)} of ${formatCount(total)} sampled values are not ${TYPE_NOUNS[type]} and will be rejected; for example ${example}`;
}

/** Header names that suggest a point in time: `*_at`, `*time*`, `*timestamp*`, `*epoch*`, `ts`, `ts_*`, `*_ts`. */
const TIME_HEADER = /(^|_)at$|time|epoch|(^|_)ts(_|$)/;

/** Unix seconds of 2000-01-01 and 2100-01-01. */
const EPOCH_MIN_S = 946_684_800;
const EPOCH_MAX_S = 4_102_444_800;

function digitsOf(value: RawValue): string | undefined {
  const text =
    typeof value === 'string'
      ? value
      : value instanceof JsonNumber
        ? value.text
        : typeof value === 'number'
          ? String(value)
          : undefined;
  if (text === undefined || (text.length !== 10 && text.length !== 13)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
  }
  return text;
}

/**
 * Infers Unix epoch timestamps, only when the target name suggests a time and every sampled
 * value is a 10-digit (seconds) or 13-digit (milliseconds) integer, all the same kind, within
 * the years 2000–2100. Anything less certain stays a number.
 */
export function detectEpoch(name: string, values: readonly RawValue[]): 'epoch_s' | 'epoch_ms' | undefined {
  if (values.length === 0 || !TIME_HEADER.test(name)) return undefined;
  const first = digitsOf(values[0]!);
  if (first === undefined) return undefined;
  const length = first.length;
  const scale = length === 13 ? 1000 : 1;
  for (const value of values) {
    const digits = digitsOf(value);
    if (digits === undefined || digits.length !== length) return undefined;
    const seconds = Number(digits) / scale;
    if (seconds < EPOCH_MIN_S || seconds >= EPOCH_MAX_S) return undefined;
  }
  return length === 13 ? 'epoch_ms' : 'epoch_s';
}

/**
 * Sentences about what number values carry beyond digits: `%` (and how it loads), a mix of
 * values with and without `%`, and different currencies in one column.
 */
export function numberDecorationWarnings(
  strings: readonly string[],
  mark: DecimalMark,
  percent: 'keep' | 'fraction',
): string[] {
  let withPercent = 0;
  let percentExample = '';
  let plain = 0;
  const currencies = new Set<string>();
  for (const text of strings) {
    const scan = scanNumber(text, mark, 'invalid_number');
    if (scan instanceof Rejection) continue;
    if (scan.percent) {
      if (withPercent++ === 0) percentExample = text;
    } else {
      plain++;
    }
    if (scan.currency) currencies.add(scan.currency);
  }
  const warnings: string[] = [];
  if (withPercent > 0) {
    const how =
      percent === 'keep'
        ? "they load as written (12.5% → 12.5); set percent to 'fraction' to load 0.125"
        : 'they load as fractions (12.5% → 0.125)';
    const mixed = plain > 0 ? `, while ${formatCount(plain)} have no '%' and load as they are` : '';
    warnings.push(
      `${formatCount(withPercent)} sampled values carry '%' (e.g. ${quoteValue(percentExample)}): ${how}${mixed}`,
    );
  }
  if (currencies.size > 1) {
    warnings.push(
      `values carry different currencies (${[...currencies].join(', ')}); they load as plain numbers without their currency`,
    );
  }
  return warnings;
}

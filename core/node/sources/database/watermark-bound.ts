// Lower bounds for pushing an incremental watermark down into a source query when the source's values
// are read in a time zone the query cannot know (naive timestamps, SQLite's text dates). Pushing down
// less is never wrong: the loader drops every row below the mark after normalizing it.

/** `YYYY-MM-DD HH:MM:SS` of a UTC instant (milliseconds since the epoch). */
function naiveText(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

const MARK_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * The UTC instant (whole seconds, ms since the epoch) and the fraction's text of a watermark timestamp
 * as the target gives it, or undefined for any other text.
 */
function markInstant(text: string): { ms: number; fraction: string } | undefined {
  const m = MARK_TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const sign = m[8]!.startsWith('-') ? -1 : 1;
    const digits = m[8]!.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  // Date.UTC would read years 0–99 as 1900–1999: set the full year on its own.
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]));
  const ms = date.getTime() - offsetMinutes * 60_000;
  return Number.isNaN(ms) ? undefined : { ms, fraction: m[7] ?? '' };
}

/**
 * A watermark timestamp as the target gives it (`2024-01-01 00:00:03.5+00`, `…T…Z`, `…+05:30`) →
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, or undefined for any other text.
 */
export function utcDateTime(text: string): string | undefined {
  const at = markInstant(text);
  return at === undefined ? undefined : `${naiveText(at.ms)}${at.fraction}`;
}

/** More than any time zone's offset from UTC (they span −12:00 to +14:00). */
export const ZONE_SLACK_HOURS = 15;

/**
 * A naive (zone-less) `YYYY-MM-DD HH:MM:SS` below which no row can be newer than the mark, whatever
 * zone its clock time is read in: the mark (a UTC timestamp, or a date) less 15 hours, rounded down to
 * the second. Undefined when the mark is neither (then nothing is pushed down). Years 1–9999 only.
 */
export function naiveLowerBound(after: string): string | undefined {
  const text = after.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? markInstant(`${text} 00:00:00Z`)?.ms : markInstant(text)?.ms;
  if (ms === undefined) return undefined;
  const bound = ms - ZONE_SLACK_HOURS * 3_600_000;
  const year = new Date(bound).getUTCFullYear();
  return year < 1 || year > 9999 ? undefined : naiveText(bound);
}

/**
 * How a source column's own type orders, as far as pushing an incremental watermark down goes:
 * `integer` and `decimal` numerically, `date` and `timestamptz` in time, `timestamp` (naive, read in the
 * job's zone) in clock time; `other` (text, floats, anything else) not the way the mark does.
 */
export type MarkColumnKind = 'integer' | 'decimal' | 'date' | 'timestamptz' | 'timestamp' | 'other';

const INTEGER_MARK = /^-?\d+$/;
const DECIMAL_MARK = /^-?\d+(\.\d+)?$/;
const DATE_MARK = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The value a pushed-down `col > value` compares with, or undefined when the mark must not be pushed
 * down and every row is read (the loader compares each normalized value with the mark; pushing down
 * less is never wrong). The rule the PostgreSQL, SQLite and MySQL sources share (mysql-pushdown.ts):
 * only where the source column's own type orders the way the mark does. An integer column with an
 * integer mark, a decimal column with a decimal or integer mark, a date column with a date mark, a
 * timestamp-with-zone column with a UTC timestamp mark (`YYYY-MM-DD HH:MM:SS[.ffffff]+00`), a naive
 * timestamp with the mark less 15 hours (`naiveLowerBound`). Never a text column: its values may be
 * inferred as numbers or dates, and '10' < '9' as text, so rows newer than the mark would be left out
 * for good. Floats are not compared either (a decimal mark has no exact float).
 */
export function pushableMark(kind: MarkColumnKind, after: string): string | undefined {
  switch (kind) {
    case 'integer':
      return INTEGER_MARK.test(after) ? after : undefined;
    case 'decimal':
      return DECIMAL_MARK.test(after) ? after : undefined;
    case 'date':
      return DATE_MARK.test(after) ? after : undefined;
    case 'timestamptz': {
      const utc = utcDateTime(after);
      return utc === undefined ? undefined : `${utc}+00`;
    }
    case 'timestamp':
      return naiveLowerBound(after);
    default:
      return undefined;
  }
}

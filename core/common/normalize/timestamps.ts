import { LoadstoneError } from '../errors.ts';
import type { CellRule } from './cell.ts';
import { Rejection } from './cell.ts';
import {
  DAY_SECONDS,
  daysFromCivil,
  END_DAY,
  formatInstant,
  formatUtcFields,
  MIN_DAY,
  quote,
} from './date-calendar.ts';
import { IMPOSSIBLE, newFields, OK } from './date-fields.ts';
import { checkDateOptions, type DateRuleOptions, readDateTime, zeroDateRejection } from './dates.ts';
import { getTimeZone, localToUtc } from './time-zone.ts';

export { isValidTimeZone } from './time-zone.ts';

/** How a timestamptz column is read: the date options plus the zone of naive values. */
export interface TimestampRuleOptions extends DateRuleOptions {
  /** IANA zone for values written without an offset; default 'UTC'. */
  timeZone: string;
}

const MIN_SECONDS = MIN_DAY * DAY_SECONDS;
const END_SECONDS = END_DAY * DAY_SECONDS;

/**
 * A timestamptz column's rule: returns ISO 8601 UTC `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (fraction only when
 * non-zero, trailing zeros trimmed), or a Rejection (`impossible_date` / `invalid_timestamp`).
 *
 * Reads every date shape of {@link makeDateRule} (a date alone is midnight in `timeZone`), with a time
 * `HH:MM[:SS[.f…]]` after `T`, a space or a comma; `T` also takes `HH`, `HHMM`, `HHMMSS`; a 12-hour clock
 * with AM/PM (hour 0–12, as PostgreSQL; `13:44 AM` is rejected); offsets `Z`, `±HH`, `±HHMM`, `±HH:MM`,
 * `UTC`, `GMT` (at most ±15:59, PostgreSQL's limit). Like PostgreSQL: fractions beyond microseconds are
 * rounded (ties to even), and `24:00:00` exactly is midnight at the end of that day; `24:00:01` and leap
 * seconds (`:60`) are rejected. Naive values take `timeZone` (see {@link localToUtc} for DST gaps and
 * overlaps). Declared numbers: epoch seconds/milliseconds are instants; Excel serials are naive.
 *
 * @throws LoadstoneError SPEC_INVALID for an unknown time zone or bad options (configuration, not cells).
 */
export function makeTimestampRule(options: TimestampRuleOptions): CellRule<string> {
  const { order, pivot } = checkDateOptions(options);
  const numericDates = options.numericDates;
  const zoneName = options.timeZone ?? 'UTC';
  const zone = getTimeZone(zoneName);
  if (zone === null) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `'${zoneName}' is not a known IANA time zone (e.g. Europe/Paris, UTC)`,
      {
        details: { timeZone: zoneName },
      },
    );
  }
  const f = newFields();
  return (text: string): string | Rejection => {
    const status = readDateTime(text, order, pivot, numericDates, f);
    if (status !== OK) {
      const zero = zeroDateRejection(text);
      if (zero) return zero;
      return new Rejection(
        status === IMPOSSIBLE ? 'impossible_date' : 'invalid_timestamp',
        `${quote(text)} ${f.problem}`,
      );
    }
    if (f.canonical && f.hasTime) return text;
    let seconds: number;
    if (f.isInstant) {
      seconds = f.epochSeconds;
    } else {
      const naive = Number.isNaN(f.offset);
      if (naive && zone.isUtc && f.hour < 24) {
        return formatUtcFields(f.year, f.month, f.day, f.hour, f.minute, f.second, f.micro);
      }
      const local =
        daysFromCivil(f.year, f.month, f.day) * DAY_SECONDS + f.hour * 3600 + f.minute * 60 + f.second;
      seconds = naive ? localToUtc(zone, local) : local - f.offset;
    }
    if (seconds < MIN_SECONDS || seconds >= END_SECONDS) {
      return new Rejection('invalid_timestamp', `${quote(text)} falls outside years 0001–9999 in UTC`);
    }
    return formatInstant(seconds, f.micro);
  };
}

/**
 * True when the text carries a time of day other than exactly midnight, so a column of such values is
 * timestamptz rather than date. Midnight-only values (`2024-03-05 00:00:00`, `2024-03-05T00:00:00.000Z`:
 * dates exported by datetime-typed systems) count as dates, which the date rule accepts. Cheap: one scan,
 * no parsing; it does not check that the text is a valid date.
 */
export function hasTimeOfDay(text: string): boolean {
  const len = text.length;
  for (let i = 1; i < len - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 58 && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) {
      let s = i - 1;
      while (s > 0 && isDigit(text.charCodeAt(s - 1))) s--;
      return nonZeroTime(text, s) || hasMeridiem(text, i);
    }
    if ((c === 84 || c === 116) && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) {
      return nonZeroTime(text, i + 1);
    }
  }
  if (hasMeridiem(text, 0)) return true;
  // YYYYMMDDHHMMSS.
  return len === 14 && isAllDigits(text) && nonZeroTime(text, 8);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAllDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** Any non-zero digit in the time starting at `from` (digits, `:`, and a `.`/`,` fraction). */
function nonZeroTime(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 49 && c <= 57) return true;
    if (c !== 48 && c !== 58 && c !== 46 && c !== 44) return false;
  }
  return false;
}

/** `am`/`pm` as a word after a digit or space, from `from` on (`2 PM`, `2:30pm`). */
function hasMeridiem(text: string, from: number): boolean {
  for (let i = Math.max(from, 1); i < text.length - 1; i++) {
    const c = text.charCodeAt(i) | 32;
    if ((c !== 97 && c !== 112) || (text.charCodeAt(i + 1) | 32) !== 109) continue;
    const before = text.charCodeAt(i - 1);
    const after = i + 2 < text.length ? text.charCodeAt(i + 2) | 32 : 32;
    if ((isDigit(before) || before === 32) && !(after >= 97 && after <= 122)) return true;
  }
  return false;
}

import { daysInMonth, isLeapYear, MONTH_NAMES, pad2 } from './date-calendar.ts';

/**
 * What a date/time reader found in one cell. Each rule owns one instance and the readers overwrite it for
 * every cell, so reading allocates nothing unless the value is rejected.
 */
export interface DateTimeFields {
  year: number;
  month: number;
  day: number;
  /** A time of day was written (even 00:00). */
  hasTime: boolean;
  /** 0–24; 24 only as 24:00:00 exactly (midnight at the end of the day, as PostgreSQL reads it). */
  hour: number;
  minute: number;
  second: number;
  /** Microseconds, already rounded. */
  micro: number;
  /** Written UTC offset in seconds east of Greenwich, or NaN when the value is naive. */
  offset: number;
  /** The value is an absolute instant (`epochSeconds` + `micro`), not wall-clock fields (epoch numbers). */
  isInstant: boolean;
  epochSeconds: number;
  /** ISO weekday written in the value (1 = Monday … 7 = Sunday), or 0. */
  weekday: number;
  /** The text is already exactly the rule's output (ISO fast path), so the rule can return it as is. */
  canonical: boolean;
  /** On rejection: what follows the quoted value in the message, e.g. `is not a real date (…)`. */
  problem: string;
}

/** A fresh fields record for one rule. */
export function newFields(): DateTimeFields {
  return {
    year: 0,
    month: 0,
    day: 0,
    hasTime: false,
    hour: 0,
    minute: 0,
    second: 0,
    micro: 0,
    offset: Number.NaN,
    isInstant: false,
    epochSeconds: 0,
    weekday: 0,
    canonical: false,
    problem: '',
  };
}

/** Reader outcomes. */
export const OK = 0;
/** Unreadable: the text is not a date/time in any supported shape. */
export const INVALID = 1;
/** Readable but not a real calendar date (Feb 30, month 13, day 0, year 0). */
export const IMPOSSIBLE = 2;
/** The ISO fast path does not recognise the shape: try the general reader. */
export const NOT_ISO = 3;

/** Resets the per-cell fields that not every reader writes. */
export function resetFields(f: DateTimeFields): void {
  f.hasTime = false;
  f.hour = 0;
  f.minute = 0;
  f.second = 0;
  f.micro = 0;
  f.offset = Number.NaN;
  f.isInstant = false;
  f.weekday = 0;
  f.canonical = false;
}

/**
 * Stores Y-M-D when it is a real date; otherwise explains why not. `context` names the reading used
 * (e.g. `in DD/MM/YYYY order`) so a wrong order is visible in the message.
 */
export function setDate(f: DateTimeFields, year: number, month: number, day: number, context = ''): number {
  let why = '';
  if (year < 1 || year > 9999) why = `year ${year} does not exist; years run from 0001 to 9999`;
  else if (month < 1 || month > 12) why = `month ${month} does not exist`;
  else if (day < 1) why = `day ${day} does not exist`;
  else if (day > daysInMonth(year, month)) {
    why =
      month === 2
        ? `February ${year} has ${daysInMonth(year, 2)} days${isLeapYear(year) ? '' : `: ${year} is not a leap year`}`
        : `${MONTH_NAMES[month]} has ${daysInMonth(year, month)} days`;
  }
  if (why !== '') {
    f.problem = context === '' ? `is not a real date (${why})` : `is not a date ${context} (${why})`;
    return IMPOSSIBLE;
  }
  f.year = year;
  f.month = month;
  f.day = day;
  return OK;
}

/** Marks the value unreadable with a reason; returns INVALID. */
export function fail(f: DateTimeFields, problem: string): number {
  f.problem = problem;
  return INVALID;
}

/**
 * Stores a time of day after range checks. `meridiem`: 0 none, 1 AM, 2 PM (12-hour clock, 0–12 accepted
 * as PostgreSQL does: 12 AM = 00, 0 PM = 12 PM = 12). 24:00:00 is accepted only exactly, as PostgreSQL does.
 */
export function setTime(
  f: DateTimeFields,
  hour: number,
  minute: number,
  second: number,
  micro: number,
  meridiem: number,
): number {
  if (meridiem !== 0) {
    if (hour > 12) return fail(f, `has an impossible time (hour ${hour} on a 12-hour clock with AM/PM)`);
    if (hour === 12) hour = 0;
    if (meridiem === 2) hour += 12;
  }
  if (minute > 59) return fail(f, `has an impossible time (minute ${minute}; minutes run 00–59)`);
  if (second > 59) {
    return fail(
      f,
      second === 60
        ? 'has a leap second (:60), which Loadstone does not read'
        : `has an impossible time (second ${second}; seconds run 00–59)`,
    );
  }
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || micro !== 0))) {
    return fail(f, `has an impossible time (hour ${hour}; hours run 00–23, or 24:00:00 exactly)`);
  }
  if (micro === 1_000_000) {
    // Rounding a fraction such as .9999999 carries into the seconds, as PostgreSQL does.
    micro = 0;
    if (++second === 60) {
      second = 0;
      if (++minute === 60) {
        minute = 0;
        hour++;
      }
    }
  }
  f.hasTime = true;
  f.hour = hour;
  f.minute = minute;
  f.second = second;
  f.micro = micro;
  return OK;
}

/**
 * The digits text[start..end) as a fraction scaled to `digits` places (6: microseconds), rounded half to
 * even on the exact decimal value beyond that: PostgreSQL rounds with rint() (ties to even), so
 * `.1234565` → 123456 and `.1234575` → 123458 in both. May return 10^digits (the caller carries).
 */
export function scaledFraction(text: string, start: number, end: number, digits: number): number {
  let value = 0;
  let i = start;
  for (let k = 0; k < digits; k++) value = value * 10 + (i < end ? text.charCodeAt(i++) - 48 : 0);
  if (i >= end) return value;
  const next = text.charCodeAt(i++) - 48;
  if (next > 5) return value + 1;
  if (next < 5) return value;
  for (; i < end; i++) if (text.charCodeAt(i) !== 48) return value + 1;
  return (value & 1) === 1 ? value + 1 : value;
}

/** Checks a written UTC offset (PostgreSQL accepts up to ±15:59) and stores it in seconds. */
export function setOffset(f: DateTimeFields, sign: number, hours: number, minutes: number): number {
  if (hours > 15 || minutes > 59) {
    const limit = minutes > 59 ? 'its minutes run 00–59' : 'at most ±15:59';
    return fail(
      f,
      `has an impossible UTC offset (${sign < 0 ? '-' : '+'}${pad2(hours)}:${pad2(minutes)}; ${limit})`,
    );
  }
  f.offset = sign * (hours * 3600 + minutes * 60);
  return OK;
}

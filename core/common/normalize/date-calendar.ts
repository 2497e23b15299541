/**
 * Proleptic Gregorian calendar arithmetic and ISO 8601 formatting for the date and timestamp rules.
 * Integer-only (no `Date`), so years 1–9999 behave the same everywhere and nothing allocates on the way.
 */

/** English month names, 1-based (index 0 unused). */
export const MONTH_NAMES = [
  '',
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** English weekday names, ISO numbering: 1 = Monday … 7 = Sunday (index 0 unused). */
export const WEEKDAY_NAMES = [
  '',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;

/** Seconds in a day. */
export const DAY_SECONDS = 86_400;

/** Day number (days since 1970-01-01) of 0001-01-01 and of 10000-01-01: the supported range is [MIN, MAX). */
export const MIN_DAY = -719_162;
export const END_DAY = 2_932_897;

/** True for Gregorian leap years. */
export function isLeapYear(year: number): boolean {
  return (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month] ?? 0);
}

/** Days since 1970-01-01 of a valid Y-M-D (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Scratch output of {@link civilFromDays}; valid until the next call. */
export const civil = { year: 0, month: 0, day: 0 };

/** Y-M-D of a day number, written into {@link civil} (no allocation on the hot path). */
export function civilFromDays(days: number): void {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36_524) | 0) - ((doe / 146_096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const month = mp < 10 ? mp + 3 : mp - 9;
  civil.day = doy - (((153 * mp + 2) / 5) | 0) + 1;
  civil.month = month;
  civil.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function weekdayOfDays(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

const PAD2: string[] = [];
for (let i = 0; i < 100; i++) PAD2.push(i < 10 ? `0${i}` : String(i));

/** Two-digit zero-padded 0–99 (table lookup: this runs for every output value). */
export function pad2(n: number): string {
  return PAD2[n] ?? String(n);
}

/** Four-digit zero-padded year 0–9999. */
export function pad4(n: number): string {
  if (n >= 1000) return String(n);
  if (n >= 100) return `0${n}`;
  return n >= 10 ? `00${n}` : `000${n}`;
}

/** `YYYY-MM-DD`. */
export function formatDate(year: number, month: number, day: number): string {
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

/** `.ffffff` with trailing zeros trimmed, or '' for 0. */
export function formatFraction(micro: number): string {
  if (micro === 0) return '';
  let digits = 6;
  while (micro % 10 === 0) {
    micro /= 10;
    digits--;
  }
  const s = String(micro);
  return `.${'000000'.slice(0, digits - s.length)}${s}`;
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` from wall-clock fields already in UTC. */
export function formatUtcFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micro: number,
): string {
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}${formatFraction(micro)}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` of an instant given as whole seconds since the epoch plus microseconds. */
export function formatInstant(epochSeconds: number, micro: number): string {
  const days = Math.floor(epochSeconds / DAY_SECONDS);
  let rest = epochSeconds - days * DAY_SECONDS;
  civilFromDays(days);
  const hour = (rest / 3600) | 0;
  rest -= hour * 3600;
  const minute = (rest / 60) | 0;
  return formatUtcFields(civil.year, civil.month, civil.day, hour, minute, rest - minute * 60, micro);
}

/** The value as it appears in messages: quoted, and cut short when long so a message stays readable. */
export function quote(text: string): string {
  return text.length > 64 ? `'${text.slice(0, 60)}…'` : `'${text}'`;
}

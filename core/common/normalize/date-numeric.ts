import { civil, civilFromDays, DAY_SECONDS, daysFromCivil, END_DAY, MIN_DAY } from './date-calendar.ts';
import { type DateTimeFields, fail, IMPOSSIBLE, OK, scaledFraction, setTime } from './date-fields.ts';

/** How a bare number in a date/timestamp column is read, when the job declares it. */
export type NumericDates = 'excel' | 'epoch_s' | 'epoch_ms';

/** Excel serial of 9999-12-31, the last day Excel (and Loadstone) knows. */
const MAX_EXCEL_SERIAL = 2_958_465;
/** Day number of 1899-12-31 (serial 0 in Excel's 1900 system; serial 1 = 1900-01-01). */
const EXCEL_DAY_ZERO = daysFromCivil(1899, 12, 31);
const MIN_SECONDS = MIN_DAY * DAY_SECONDS;
const END_SECONDS = END_DAY * DAY_SECONDS;

/** True for `[+-]digits[.digits]`: the shapes a declared numeric date may have (no exponent, no grouping). */
export function isPlainNumber(text: string): boolean {
  const len = text.length;
  let i = 0;
  const c0 = text.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i++;
  const intStart = i;
  while (i < len && isDigit(text.charCodeAt(i))) i++;
  if (i === intStart) return false;
  if (i === len) return true;
  if (text.charCodeAt(i) !== 46 || i === len - 1) return false;
  for (i++; i < len; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Message for a bare number in a date/timestamp column when no numeric reading is declared. */
export function bareNumberProblem(): string {
  return "is a number, not a date; to read numbers as dates, set numericDates to 'excel', 'epoch_s' or 'epoch_ms'";
}

/**
 * Reads a plain number (see {@link isPlainNumber}) as declared.
 * - `excel`: 1900 date system serial, naive wall-clock (the fraction is the time of day, rounded to the
 *   millisecond, Excel's own precision); serial 60 is Excel's fictitious 1900-02-29 and is rejected.
 * - `epoch_s` / `epoch_ms`: an absolute instant (Unix time, UTC); fractions are kept to the microsecond.
 * Digits are read exactly, never through floating point past what Excel itself stores.
 */
export function readNumeric(text: string, mode: NumericDates, f: DateTimeFields): number {
  const negative = text.charCodeAt(0) === 45;
  let i = negative || text.charCodeAt(0) === 43 ? 1 : 0;
  const intStart = i;
  while (i < text.length && text.charCodeAt(i) !== 46) i++;
  const intEnd = i;
  const fracStart = i + 1;
  const fracEnd = text.length;
  if (intEnd - intStart > 15) return outOfRange(f, mode);
  const whole = Number(text.slice(intStart, intEnd));
  return mode === 'excel'
    ? readExcel(text, negative, whole, fracStart, fracEnd, f)
    : readEpoch(text, negative, whole, fracStart, fracEnd, mode === 'epoch_ms', f);
}

function outOfRange(f: DateTimeFields, mode: NumericDates): number {
  const what =
    mode === 'excel' ? 'Excel serial' : mode === 'epoch_s' ? 'epoch seconds' : 'epoch milliseconds';
  return fail(f, `is out of range as ${what} (years 0001–9999 only)`);
}

function readExcel(
  text: string,
  negative: boolean,
  serial: number,
  fracStart: number,
  fracEnd: number,
  f: DateTimeFields,
): number {
  if (negative && (serial > 0 || hasNonZero(text, fracStart, fracEnd))) {
    return fail(f, 'is a negative Excel serial; the 1900 date system starts at 1 (1900-01-01)');
  }
  if (serial === 0) {
    f.problem = 'is Excel serial 0, which Excel shows as 1900-01-00: not a real date';
    return IMPOSSIBLE;
  }
  if (serial === 60) {
    f.problem = "is Excel serial 60, Excel's fictitious 1900-02-29 (1900 was not a leap year)";
    return IMPOSSIBLE;
  }
  if (serial > MAX_EXCEL_SERIAL) return outOfRange(f, 'excel');
  // Excel counts the non-existent 1900-02-29, so serials after it are one day ahead of the calendar.
  let days = EXCEL_DAY_ZERO + (serial > 60 ? serial - 1 : serial);
  let ms = 0;
  if (fracEnd > fracStart) ms = Math.round(Number(`0.${text.slice(fracStart, fracEnd)}`) * 86_400_000);
  if (ms === 86_400_000) {
    days++;
    ms = 0;
  }
  civilFromDays(days);
  f.year = civil.year;
  f.month = civil.month;
  f.day = civil.day;
  if (fracEnd <= fracStart) return OK;
  const seconds = Math.floor(ms / 1000);
  return setTime(
    f,
    Math.floor(seconds / 3600),
    Math.floor(seconds / 60) % 60,
    seconds % 60,
    (ms % 1000) * 1000,
    0,
  );
}

function readEpoch(
  text: string,
  negative: boolean,
  whole: number,
  fracStart: number,
  fracEnd: number,
  millis: boolean,
  f: DateTimeFields,
): number {
  let seconds: number;
  let micro: number;
  if (millis) {
    seconds = Math.floor(whole / 1000);
    micro = (whole - seconds * 1000) * 1000 + scaledFraction(text, fracStart, fracEnd, 3);
  } else {
    seconds = whole;
    micro = scaledFraction(text, fracStart, fracEnd, 6);
  }
  if (micro >= 1_000_000) {
    seconds++;
    micro -= 1_000_000;
  }
  if (negative && (seconds !== 0 || micro !== 0)) {
    seconds = micro === 0 ? -seconds : -seconds - 1;
    micro = micro === 0 ? 0 : 1_000_000 - micro;
  }
  if (seconds < MIN_SECONDS || seconds >= END_SECONDS) return outOfRange(f, millis ? 'epoch_ms' : 'epoch_s');
  f.isInstant = true;
  f.epochSeconds = seconds;
  f.micro = micro;
  f.hasTime = true;
  return OK;
}

function hasNonZero(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) !== 48) return true;
  return false;
}

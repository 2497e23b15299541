/** How a number format shows a number: as itself, as a date/time, or as an elapsed duration. */
export const NumberShape = {
  Number: 0,
  DateTime: 1,
  /** `[h]:mm:ss` and the like: an amount of time, not a point in time; kept as a number. */
  Duration: 2,
} as const;
export type NumberShape = (typeof NumberShape)[keyof typeof NumberShape];

/** Built-in number formats (ECMA-376 §18.8.30, plus the East Asian date ids) that show dates or times. */
const BUILTIN_DATE_IDS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 47, 50, 51, 52, 53, 54, 55,
  56, 57, 58, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81,
]);
const BUILTIN_DURATION_ID = 46; // [h]:mm:ss

const QUOTED = /"[^"]*"/g;
const ESCAPED = /\\.|[_*]./g;
const ELAPSED = /\[(?:h+|m+|s+)\]/i;
const BRACKETED = /\[[^\]]*\]/g;
const GENERAL = /general/gi;
const DATE_TOKEN = /[dmyhs]/i;

/** Classifies a number format by its id and, for custom formats, its format code. */
export function numberShape(numFmtId: number, formatCode: string | undefined): NumberShape {
  if (formatCode === undefined) {
    if (numFmtId === BUILTIN_DURATION_ID) return NumberShape.Duration;
    return BUILTIN_DATE_IDS.has(numFmtId) ? NumberShape.DateTime : NumberShape.Number;
  }
  // Only the first section (positive numbers) decides; literal text and colors do not count.
  let code = formatCode.replace(QUOTED, '').replace(ESCAPED, '');
  const semicolon = code.indexOf(';');
  if (semicolon >= 0) code = code.slice(0, semicolon);
  if (ELAPSED.test(code)) return NumberShape.Duration;
  code = code.replace(BRACKETED, '').replace(GENERAL, '');
  return DATE_TOKEN.test(code) ? NumberShape.DateTime : NumberShape.Number;
}

const MS_PER_DAY = 86_400_000;
/** Days from 1970-01-01 to the day before each date system's day 1 (1900) or to its day 0 (1904). */
const EPOCH_1900_BEFORE_LEAP_BUG = -25568; // 1899-12-31: serial 1 = 1900-01-01
const EPOCH_1900_AFTER_LEAP_BUG = -25569; // 1899-12-30: serial 61 = 1900-03-01
const EPOCH_1904 = -24107; // 1904-01-01 = serial 0
/** 9999-12-31, the last date Excel shows. */
const MAX_SERIAL_1900 = 2958465;
const MAX_SERIAL_1904 = MAX_SERIAL_1900 - 1462;

/**
 * Converts an Excel serial date to a naive ISO string: `YYYY-MM-DD` when the time is midnight,
 * else `YYYY-MM-DDTHH:MM:SS` plus `.fff` when there are milliseconds. Time is rounded to the
 * millisecond (Excel keeps no more). In the 1900 system, serials below 60 are one day off from
 * day 61 on because Excel counts a 1900-02-29 that never was; serial 60 is that day and comes
 * out as "1900-02-29" so that date checks reject it instead of it shifting silently.
 * Returns undefined for serials Excel cannot show as dates (negative, past 9999-12-31).
 */
export function excelSerialToIso(serial: number, date1904: boolean): string | undefined {
  if (!(serial >= 0) || serial > (date1904 ? MAX_SERIAL_1904 : MAX_SERIAL_1900) + 1) return undefined;
  let days = Math.floor(serial);
  let ms = Math.round((serial - days) * MS_PER_DAY);
  if (ms >= MS_PER_DAY) {
    days += 1;
    ms -= MS_PER_DAY;
  }
  if (days > (date1904 ? MAX_SERIAL_1904 : MAX_SERIAL_1900)) return undefined;
  let date: string;
  if (date1904) date = civilDate(days + EPOCH_1904);
  else if (days === 60) date = '1900-02-29';
  else date = civilDate(days + (days < 60 ? EPOCH_1900_BEFORE_LEAP_BUG : EPOCH_1900_AFTER_LEAP_BUG));
  return ms === 0 ? date : `${date}T${timeOfDay(ms)}`;
}

/** `YYYY-MM-DD` of a day counted from 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm). */
function civilDate(epochDays: number): string {
  const z = epochDays + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function timeOfDay(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const frac = ms - seconds * 1000;
  const text = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  return frac === 0 ? text : `${text}.${pad(frac, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const ISO_CELL = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z)?$/;

/**
 * The value of a `t="d"` cell (an ISO 8601 text) in the naive ISO form sources produce.
 * Excel treats these as wall-clock values, so a trailing `Z` is dropped; a value with another
 * offset, or in a form not recognised, is returned unchanged for the normalizer to judge.
 */
export function isoCellToNaive(text: string): string {
  const m = ISO_CELL.exec(text);
  if (!m) return text;
  const [, date, hh, mi, ss, fraction] = m;
  if (hh === undefined) return date!;
  // Every digit written is kept (the timestamp rule rounds past microseconds, as PostgreSQL does).
  const fractionText = fraction && /[1-9]/.test(fraction) ? `.${fraction}` : '';
  const seconds = ss ?? '00';
  if (hh === '00' && mi === '00' && seconds === '00' && fractionText === '') return date!;
  return `${date}T${hh}:${mi}:${seconds}${fractionText}`;
}

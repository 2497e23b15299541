import {
  type DateTimeFields,
  NOT_ISO,
  OK,
  scaledFraction,
  setDate,
  setOffset,
  setTime,
} from './date-fields.ts';

/** Two ASCII digits at `i` as a number, or -1. */
function digits2(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Four ASCII digits at `i` as a number, or -1. */
function digits4(text: string, i: number): number {
  const hi = digits2(text, i);
  const lo = digits2(text, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/**
 * Fast path for the shapes nearly every machine-written file uses, by character codes only (no regex, no
 * `Date`): `YYYY-MM-DD`, then optionally `T`/`t`/space, `HH[:MM[:SS[.f…]]]` (hour alone only after `T`)
 * and `Z`/`z`/`±HH[[:]MM]`. Returns NOT_ISO for anything else so the general reader can try; values of
 * ISO shape with out-of-range fields are rejected here with their specific reason.
 */
export function readIso(text: string, f: DateTimeFields): number {
  const len = text.length;
  const year = digits4(text, 0);
  if (year < 0 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NOT_ISO;
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  if (month < 0 || day < 0) return NOT_ISO;
  if (len === 10) {
    const status = setDate(f, year, month, day);
    f.canonical = status === OK;
    return status;
  }
  const sep = text.charCodeAt(10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return NOT_ISO;
  const hour = digits2(text, 11);
  if (hour < 0) return NOT_ISO;
  let i = 13;
  let minute = 0;
  let second = 0;
  let micro = 0;
  let hasSeconds = false;
  let fractionDigits = 0;
  let fractionComma = false;
  if (text.charCodeAt(i) === 58) {
    minute = digits2(text, i + 1);
    if (minute < 0) return NOT_ISO;
    i += 3;
    if (text.charCodeAt(i) === 58) {
      second = digits2(text, i + 1);
      if (second < 0) return NOT_ISO;
      i += 3;
      hasSeconds = true;
      const c = text.charCodeAt(i);
      if (c === 46 || c === 44) {
        fractionComma = c === 44;
        const start = ++i;
        while (i < len && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
        fractionDigits = i - start;
        if (fractionDigits === 0) return NOT_ISO;
        micro = scaledFraction(text, start, i, 6);
      }
    }
  } else if (sep === 32) {
    return NOT_ISO;
  }
  let zulu = false;
  if (i < len) {
    const c = text.charCodeAt(i);
    if (c === 90 || c === 122) {
      f.offset = 0;
      zulu = c === 90;
      i++;
    } else if (c === 43 || c === 45) {
      const offsetHours = digits2(text, i + 1);
      if (offsetHours < 0) return NOT_ISO;
      i += 3;
      let offsetMinutes = 0;
      if (i < len) {
        const colon = text.charCodeAt(i) === 58 ? 1 : 0;
        offsetMinutes = digits2(text, i + colon);
        if (offsetMinutes < 0) return NOT_ISO;
        i += 2 + colon;
      }
      if (i !== len) return NOT_ISO;
      const status = setOffset(f, c === 45 ? -1 : 1, offsetHours, offsetMinutes);
      if (status !== OK) return status;
    } else {
      return NOT_ISO;
    }
    if (i !== len) return NOT_ISO;
  }
  const status = setDate(f, year, month, day);
  if (status !== OK) return status;
  const timeStatus = setTime(f, hour, minute, second, micro, 0);
  if (timeStatus !== OK) return timeStatus;
  // Already the timestamp output: `T`, seconds, `.` and 1–6 fraction digits without a trailing zero, `Z`.
  f.canonical =
    zulu &&
    sep === 84 &&
    hasSeconds &&
    hour < 24 &&
    (fractionDigits === 0 || (fractionDigits <= 6 && !fractionComma && text.charCodeAt(len - 2) !== 48));
  return OK;
}

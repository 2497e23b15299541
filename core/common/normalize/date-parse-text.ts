import type { DateOrder } from '../spec/job-spec.ts';
import { daysFromCivil, formatDate, WEEKDAY_NAMES, weekdayOfDays } from './date-calendar.ts';
import { type DateTimeFields, fail, OK, setDate, setTime } from './date-fields.ts';
import { readTime } from './date-parse-time.ts';
import {
  APOSTROPHE,
  COLON,
  COMMA,
  clip,
  DASH,
  DOT,
  end,
  isNum,
  kind,
  NUM,
  rest,
  SLASH,
  spaced,
  start,
  tokenize,
  tokens,
  value,
  W_ND,
  W_OF,
  W_RD,
  W_ST,
  W_TH,
  W_UNKNOWN,
  WORD,
  width,
} from './date-tokens.ts';

/*
 * The general reader: every supported shape that is not plain ISO 8601. One grammar over tokens:
 *   [weekday[,]] date [time [AM|PM] [zone]]      or the ctime order   [weekday] Mon DD time [zone] YYYY
 * where date is one of
 *   YYYY<s>MM<s>DD · YYYY<s>Mon<s>DD · YYYYMMDD · DD<s>MM<s>YYYY|YY (by the column's order)
 *   DD[th] [of] Mon[.] [,] YYYY|YY · Mon[.] DD[th] [,] YYYY|YY     (<s> is - / . or space; same <s> twice)
 * Steps return the next token position, or a negative status (-INVALID / -IMPOSSIBLE) with `f.problem` set.
 * State of the current call lives in module variables: readers are synchronous and never re-entered.
 */

const SPACE = 100;
const NONE = 0;

let src = '';
let n = 0;
let order: DateOrder = 'MDY';
let pivot = 70;
let sepKind = NONE;
let year = 0;

/** Reads `text` as a date with an optional time; fills `f`; returns OK, INVALID or IMPOSSIBLE. */
export function readText(text: string, dateOrder: DateOrder, yearPivot: number, f: DateTimeFields): number {
  n = tokenize(text);
  if (n < 0) return fail(f, tokens.problem);
  src = text;
  order = dateOrder;
  pivot = yearPivot;
  let p = 0;
  if (kind[0] === WORD && value[0]! >= 21 && value[0]! <= 27) {
    f.weekday = value[0]! - 20;
    p = 1;
    if (p < n && (kind[p] === COMMA || kind[p] === DOT)) p++;
  }
  p = readDate(p, f);
  if (p < 0) return -p;
  if (p < n && !f.hasTime) {
    p = readTime(p, f);
    if (p < 0) return -p;
  }
  if (p < n) return fail(f, `has unexpected ${rest(p)} after the ${f.hasTime ? 'time' : 'date'}`);
  if (f.weekday !== 0) {
    const actual = weekdayOfDays(daysFromCivil(f.year, f.month, f.day));
    if (actual !== f.weekday) {
      return fail(
        f,
        `says ${WEEKDAY_NAMES[f.weekday]}, but ${formatDate(f.year, f.month, f.day)} is a ${WEEKDAY_NAMES[actual]}`,
      );
    }
  }
  return OK;
}

/** The generic rejection, naming the first word Loadstone does not know, if any (`1e9` → 'e'). */
function unreadable(f: DateTimeFields): number {
  for (let p = 0; p < n; p++) {
    if (kind[p] === WORD && value[p] === W_UNKNOWN) {
      return fail(f, `is not a date Loadstone can read (unknown word ${clip(src.slice(start[p], end[p]))})`);
    }
  }
  return fail(f, 'is not a date Loadstone can read');
}

function isMonth(p: number): boolean {
  return p < n && kind[p] === WORD && value[p]! >= 1 && value[p]! <= 12;
}

/** Consumes `-`, `/` or `.` (or notes a space) between date parts; the kind goes to `sepKind`. */
function readSep(p: number): number {
  if (p >= n) {
    sepKind = NONE;
    return p;
  }
  const k = kind[p]!;
  if (k === DASH || k === SLASH || k === DOT) {
    sepKind = k;
    return p + 1;
  }
  sepKind = spaced[p] ? SPACE : NONE;
  return p;
}

/** Skips the dot of an abbreviated month name (`Sept. 5`). */
function skipAbbreviationDot(p: number): number {
  return p + 1 < n && kind[p] === DOT && spaced[p + 1] ? p + 1 : p;
}

/** Checks an ordinal suffix after a day (`1st`, `22nd`, `3rd of`), which must fit the number. */
function readOrdinal(p: number, day: number, f: DateTimeFields): number {
  if (p >= n || kind[p] !== WORD || spaced[p] || value[p]! < W_ST || value[p]! > W_TH) return p;
  const teen = day % 100 >= 11 && day % 100 <= 13;
  const unit = day % 10;
  const expected = teen ? W_TH : unit === 1 ? W_ST : unit === 2 ? W_ND : unit === 3 ? W_RD : W_TH;
  if (value[p] !== expected) {
    return -fail(f, `has ${clip(src.slice(start[p - 1], end[p]))}, which is not an English ordinal`);
  }
  p++;
  return p < n && kind[p] === WORD && value[p] === W_OF ? p + 1 : p;
}

/** A 4-digit year, a 2-digit year (read with the pivot) or `'YY`, into `year`. */
function readYear(p: number, f: DateTimeFields): number {
  if (p + 1 < n && kind[p] === APOSTROPHE && isNum(p + 1, 2, 2) && !spaced[p + 1]) p++;
  if (p >= n || kind[p] !== NUM) return -fail(f, 'has no year');
  const w = width(p);
  if (w === 4) year = value[p]!;
  else if (w === 2) year = withPivot(value[p]!);
  else return -fail(f, `has a ${w}-digit year; years are written with 4 digits (or 2)`);
  return p + 1;
}

function withPivot(yy: number): number {
  return yy < pivot ? 2000 + yy : 1900 + yy;
}

function dateAt(p: number, f: DateTimeFields, y: number, m: number, d: number, context = ''): number {
  const status = setDate(f, y, m, d, context);
  return status === OK ? p : -status;
}

function readDate(p: number, f: DateTimeFields): number {
  if (p >= n) return -fail(f, 'has no date');
  if (kind[p] === NUM) {
    if (p + 1 < n && kind[p + 1] === COLON) return -fail(f, 'has a time where the date should be');
    const w = width(p);
    if (w <= 2) return dayOrNumericFirst(p, f);
    if (w === 4) return yearFirst(p, f);
    if (w === 8) return compactDate(p, f);
    if (w === 14 && n === 1) return compactDateTime(p, f);
    return -fail(f, `is not a date Loadstone can read (a ${w}-digit number where a date should start)`);
  }
  if (isMonth(p)) return monthFirst(p, f);
  return -unreadable(f);
}

/** `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYY MM DD`, `YYYY-Mon-DD`: year first is never ambiguous. */
function yearFirst(p: number, f: DateTimeFields): number {
  const y = value[p]!;
  p = readSep(p + 1);
  const sep = sepKind;
  if (sep === NONE) return -fail(f, 'is not a date Loadstone can read (nothing separates the year)');
  const named = isMonth(p);
  if (!named && !isNum(p, 1, 2)) {
    return -fail(
      f,
      isNum(p, 3, 3) && p + 1 === n
        ? 'is an ordinal date (YYYY-DDD), which Loadstone does not read'
        : 'is not a date Loadstone can read (no month after the year)',
    );
  }
  const m = value[p]!;
  p = readSep(p + 1);
  if (!named && sepKind !== sep) return -fail(f, 'mixes date separators');
  if (!isNum(p, 1, 2)) return -fail(f, 'is not a date Loadstone can read (no day after the month)');
  const d = value[p]!;
  p = readOrdinal(p + 1, d, f);
  return p < 0 ? p : dateAt(p, f, y, m, d);
}

/** `YYYYMMDD` (ISO 8601 basic), possibly followed by `T` and a time. */
function compactDate(p: number, f: DateTimeFields): number {
  const v = value[p]!;
  return dateAt(p + 1, f, Math.floor(v / 10_000), Math.floor(v / 100) % 100, v % 100);
}

/** `YYYYMMDDHHMMSS` as a whole value. */
function compactDateTime(p: number, f: DateTimeFields): number {
  const v = value[p]!;
  const date = Math.floor(v / 1_000_000);
  const time = v % 1_000_000;
  const q = dateAt(p + 1, f, Math.floor(date / 10_000), Math.floor(date / 100) % 100, date % 100);
  if (q < 0) return q;
  const status = setTime(f, Math.floor(time / 10_000), Math.floor(time / 100) % 100, time % 100, 0, 0);
  return status === OK ? q : -status;
}

/** `5 March 2024`, `05-Mar-24`, `3rd of May 2001`, `13NOV2017`, or numeric `05/03/2024` read by the order. */
function dayOrNumericFirst(p: number, f: DateTimeFields): number {
  const a = value[p]!;
  let q = readOrdinal(p + 1, a, f);
  if (q < 0) return q;
  const ordinal = q !== p + 1;
  q = readSep(q);
  const sep = sepKind;
  if (isMonth(q)) {
    const m = value[q]!;
    q = readSep(skipAbbreviationDot(q + 1));
    if (q < n && kind[q] === COMMA) q++;
    q = readYear(q, f);
    return q < 0 ? q : dateAt(q, f, year, m, a);
  }
  if (ordinal) return -fail(f, 'has no month name after the ordinal day');
  if (sep === NONE || !isNum(q, 1, 2)) return -unreadable(f);
  const b = value[q]!;
  q = readSep(q + 1);
  if (sepKind !== sep) return -fail(f, 'mixes date separators');
  // YY/MM/DD ends with a 1–2 digit day; the other orders end with a 4- or 2-digit year.
  const yearFirst = order === 'YMD' && width(p) === 2 && isNum(q, 1, 2);
  if (!yearFirst && !isNum(q, 2, 2) && !isNum(q, 4, 4)) {
    return -fail(f, 'is not a date Loadstone can read (the year must have 4 digits, or 2)');
  }
  if (order === 'YMD' && width(p) !== 2 && width(q) !== 4) {
    return -fail(f, 'is not a date in YY/MM/DD order (the year must have 2 digits)');
  }
  return numericDate(q + 1, f, a, b, value[q]!, width(q) === 4, sep);
}

/** All-numeric day/month dates follow the column's order; the message names the order used. */
function numericDate(
  p: number,
  f: DateTimeFields,
  a: number,
  b: number,
  c: number,
  fullYear: boolean,
  sep: number,
): number {
  const s = sep === SLASH ? '/' : sep === DASH ? '-' : sep === DOT ? '.' : ' ';
  const yy = fullYear ? 'YYYY' : 'YY';
  if (order === 'YMD') {
    if (fullYear) {
      return -fail(
        f,
        `has the year last, which the column's date order YMD does not allow (set the order to DMY or MDY)`,
      );
    }
    return dateAt(p, f, withPivot(a), b, c, `in YY${s}MM${s}DD order`);
  }
  const y = fullYear ? c : withPivot(c);
  return order === 'DMY'
    ? dateAt(p, f, y, b, a, `in DD${s}MM${s}${yy} order`)
    : dateAt(p, f, y, a, b, `in MM${s}DD${s}${yy} order`);
}

/** `Mar 5, 2024`, `September 25 2003`, `Sep-25-2003`, and the ctime order `Sep 25 10:36:28 2003`. */
function monthFirst(p: number, f: DateTimeFields): number {
  const m = value[p]!;
  let q = readSep(skipAbbreviationDot(p + 1));
  if (!isNum(q, 1, 2)) return -fail(f, 'has no day after the month name');
  const d = value[q]!;
  q = readOrdinal(q + 1, d, f);
  if (q < 0) return q;
  q = q < n && kind[q] === COMMA ? q + 1 : readSep(q);
  if (isNum(q, 1, 2) && q + 1 < n && kind[q + 1] === COLON) {
    q = readTime(q, f);
    if (q < 0) return q;
  }
  q = readYear(q, f);
  return q < 0 ? q : dateAt(q, f, year, m, d);
}

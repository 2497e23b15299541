import { type DateTimeFields, fail, OK, scaledFraction, setOffset, setTime } from './date-fields.ts';
import {
  COLON,
  COMMA,
  clip,
  DASH,
  DOT,
  end,
  isNum,
  kind,
  NUM,
  PLUS,
  rest,
  spaced,
  start,
  tokens,
  value,
  W_AM,
  W_PM,
  W_T,
  W_UNKNOWN,
  W_UTC,
  W_Z,
  WORD,
  width,
} from './date-tokens.ts';

/*
 * The time-of-day part of the general reader, over the tokens of date-tokens.ts. Steps return the next
 * token position, or a negative status (-INVALID / -IMPOSSIBLE) with `f.problem` set.
 */

/** `[T| |, ]H[H][:MM[:SS[.f…]]] [AM|PM] [zone]`; after `T` also `HH`, `HHMM`, `HHMMSS[.f…]`. */
export function readTime(p: number, f: DateTimeFields): number {
  let afterT = false;
  if (kind[p] === WORD && value[p] === W_T && !spaced[p]) {
    p++;
    if (p >= tokens.count || kind[p] !== NUM || spaced[p])
      return -fail(f, "has a 'T' that is not followed by a time");
    afterT = true;
  } else if (kind[p] === COMMA) {
    p++;
  } else if (!spaced[p]) {
    return -fail(f, `has unexpected ${rest(p)} right after the date`);
  }
  if (p >= tokens.count || kind[p] !== NUM) {
    if (p < tokens.count && kind[p] === WORD && (value[p] === W_AM || value[p] === W_PM)) {
      return -fail(f, 'has AM/PM but no time');
    }
    return -fail(f, `has unexpected ${rest(p)} after the date`);
  }
  const w = width(p);
  const v = value[p]!;
  let hour: number;
  let minute = 0;
  let second = 0;
  let micro = 0;
  let hourOnly = false;
  p++;
  if (w <= 2) {
    hour = v;
    if (p < tokens.count && kind[p] === COLON) {
      if (!isNum(p + 1, 2, 2)) return -fail(f, 'has a malformed time (minutes need 2 digits)');
      minute = value[p + 1]!;
      p += 2;
      if (p < tokens.count && kind[p] === COLON) {
        if (!isNum(p + 1, 2, 2)) return -fail(f, 'has a malformed time (seconds need 2 digits)');
        second = value[p + 1]!;
        p += 2;
        if (isFraction(p)) {
          micro = scaledFraction(tokens.text, start[p + 1]!, end[p + 1]!, 6);
          p += 2;
        }
      }
    } else {
      hourOnly = true;
    }
  } else if (afterT && (w === 4 || w === 6)) {
    hour = w === 4 ? Math.floor(v / 100) : Math.floor(v / 10_000);
    minute = w === 4 ? v % 100 : Math.floor(v / 100) % 100;
    second = w === 4 ? 0 : v % 100;
    if (w === 6 && isFraction(p)) {
      micro = scaledFraction(tokens.text, start[p + 1]!, end[p + 1]!, 6);
      p += 2;
    }
  } else {
    return -fail(f, `has a malformed time (${clip(tokens.text.slice(start[p - 1], end[p - 1]))})`);
  }
  let meridiem = 0;
  if (p < tokens.count && kind[p] === WORD && (value[p] === W_AM || value[p] === W_PM)) {
    meridiem = value[p] === W_AM ? 1 : 2;
    p++;
  } else if (hourOnly && !afterT) {
    return -fail(f, `has a number after the date that is not a time (${rest(p - 1)})`);
  }
  p = readZone(p, f);
  if (p < 0) return p;
  const status = setTime(f, hour, minute, second, micro, meridiem);
  return status === OK ? p : -status;
}

/** `.123` or `,123` glued to the seconds. */
function isFraction(p: number): boolean {
  return (
    p + 1 < tokens.count &&
    (kind[p] === DOT || kind[p] === COMMA) &&
    !spaced[p] &&
    kind[p + 1] === NUM &&
    !spaced[p + 1]
  );
}

/** `Z`, `UTC`/`GMT` (optionally with an offset), or `±HH`, `±HHMM`, `±HH:MM`. */
function readZone(p: number, f: DateTimeFields): number {
  if (p >= tokens.count) return p;
  if (kind[p] === WORD && value[p] === W_Z) {
    f.offset = 0;
    return p + 1;
  }
  if (kind[p] === WORD && value[p] === W_UNKNOWN && isAbbreviation(tokens.text.slice(start[p], end[p]))) {
    const word = tokens.text.slice(start[p], end[p]);
    return -fail(
      f,
      `has the time zone abbreviation ${clip(word)}, which Loadstone does not guess (abbreviations are ambiguous); ` +
        'write a UTC offset such as -05:00, or set the time zone of the column',
    );
  }
  let named = false;
  if (kind[p] === WORD && value[p] === W_UTC) {
    f.offset = 0;
    named = true;
    p++;
  }
  if (
    p + 1 < tokens.count &&
    (kind[p] === PLUS || kind[p] === DASH) &&
    kind[p + 1] === NUM &&
    !spaced[p + 1] &&
    !(named && spaced[p])
  ) {
    const sign = kind[p] === DASH ? -1 : 1;
    const w = width(p + 1);
    const v = value[p + 1]!;
    p += 2;
    let hours: number;
    let minutes = 0;
    if (w === 4) {
      hours = Math.floor(v / 100);
      minutes = v % 100;
    } else if (w <= 2) {
      hours = v;
      if (p + 1 < tokens.count && kind[p] === COLON && !spaced[p] && isNum(p + 1, 2, 2) && !spaced[p + 1]) {
        minutes = value[p + 1]!;
        p += 2;
      }
    } else {
      return -fail(f, 'has a malformed UTC offset');
    }
    const status = setOffset(f, sign, hours, minutes);
    if (status !== OK) return -status;
  }
  return p;
}

/** 2–5 capital letters (EST, CEST, AEST): how zone abbreviations are written. */
function isAbbreviation(word: string): boolean {
  if (word.length < 2 || word.length > 5) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 65 || c > 90) return false;
  }
  return true;
}

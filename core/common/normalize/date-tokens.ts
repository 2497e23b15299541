/**
 * Tokenizer for the general date/time reader. Tokens live in module-level typed arrays that every call
 * overwrites: the readers are synchronous and never re-entered, so this costs no allocation per cell.
 */

/** Token kinds. */
export const NUM = 1;
export const WORD = 2;
export const DASH = 3;
export const SLASH = 4;
export const DOT = 5;
export const COMMA = 6;
export const COLON = 7;
export const PLUS = 8;
export const APOSTROPHE = 9;

/** Word codes: months are 1–12, weekdays 21–27 (20 + ISO weekday). */
export const W_UNKNOWN = 0;
export const W_AM = 30;
export const W_PM = 31;
export const W_T = 32;
export const W_Z = 33;
export const W_UTC = 34;
export const W_ST = 40;
export const W_ND = 41;
export const W_RD = 42;
export const W_TH = 43;
export const W_OF = 44;

const WORDS = new Map<string, number>();
const MONTH_WORDS = [
  ['jan', 'january'],
  ['feb', 'february'],
  ['mar', 'march'],
  ['apr', 'april'],
  ['may'],
  ['jun', 'june'],
  ['jul', 'july'],
  ['aug', 'august'],
  ['sep', 'sept', 'september'],
  ['oct', 'october'],
  ['nov', 'november'],
  ['dec', 'december'],
];
MONTH_WORDS.forEach((names, i) => {
  for (const name of names) WORDS.set(name, i + 1);
});
const WEEKDAY_WORDS = [
  ['mon', 'monday'],
  ['tue', 'tues', 'tuesday'],
  ['wed', 'wednesday'],
  ['thu', 'thur', 'thurs', 'thursday'],
  ['fri', 'friday'],
  ['sat', 'saturday'],
  ['sun', 'sunday'],
];
WEEKDAY_WORDS.forEach((names, i) => {
  for (const name of names) WORDS.set(name, 21 + i);
});
for (const [word, code] of [
  ['am', W_AM],
  ['pm', W_PM],
  ['t', W_T],
  ['z', W_Z],
  ['utc', W_UTC],
  ['gmt', W_UTC],
  ['st', W_ST],
  ['nd', W_ND],
  ['rd', W_RD],
  ['th', W_TH],
  ['of', W_OF],
] as const) {
  WORDS.set(word, code);
}

/** Longest date/time text worth tokenizing; anything longer is not a date. */
const MAX_TOKENS = 32;

/** Token kind per index. */
export const kind = new Uint8Array(MAX_TOKENS);
/** Start and end offsets in the text. */
export const start = new Int32Array(MAX_TOKENS);
export const end = new Int32Array(MAX_TOKENS);
/** 1 when whitespace precedes the token. */
export const spaced = new Uint8Array(MAX_TOKENS + 1);
/** NUM: its value (digit runs are capped at 20, so imprecision past 2^53 never matters); WORD: its code. */
export const value = new Float64Array(MAX_TOKENS);

/** The text last tokenized, its token count, and what went wrong when {@link tokenize} returns -1. */
export const tokens = { text: '', count: 0, problem: '' };

/** Number of digits (or letters) of token `p`. */
export function width(p: number): number {
  return (end[p] ?? 0) - (start[p] ?? 0);
}

/**
 * Splits `text` into numbers, words and punctuation (`- / . , : + '`), noting whitespace before each token.
 * Returns the token count, or -1 (see {@link tokens}) for characters no date contains.
 */
export function tokenize(text: string): number {
  const len = text.length;
  let n = 0;
  let space = 0;
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 160) {
      space = 1;
      i++;
      continue;
    }
    if (n === MAX_TOKENS) {
      tokens.problem = 'is too long to be a date';
      return -1;
    }
    const s = i;
    let k: number;
    if (c >= 48 && c <= 57) {
      let v = 0;
      do v = v * 10 + text.charCodeAt(i++) - 48;
      while (i < len && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57);
      if (i - s > 20) {
        tokens.problem = `has a ${i - s}-digit number, which is not part of any date`;
        return -1;
      }
      k = NUM;
      value[n] = v;
    } else if ((c | 32) >= 97 && (c | 32) <= 122) {
      do i++;
      while (i < len && (text.charCodeAt(i) | 32) >= 97 && (text.charCodeAt(i) | 32) <= 122);
      k = WORD;
      value[n] = i - s > 9 ? W_UNKNOWN : (WORDS.get(text.slice(s, i).toLowerCase()) ?? W_UNKNOWN);
    } else {
      k = punctuation(c);
      if (k === 0) {
        tokens.problem = `contains ${quoteChar(text, i)}, which no supported date or time shape has`;
        return -1;
      }
      i++;
    }
    kind[n] = k;
    start[n] = s;
    end[n] = i;
    spaced[n] = space;
    space = 0;
    n++;
  }
  spaced[n] = space;
  tokens.text = text;
  tokens.count = n;
  return n;
}

function punctuation(c: number): number {
  switch (c) {
    case 45:
      return DASH;
    case 47:
      return SLASH;
    case 46:
      return DOT;
    case 44:
      return COMMA;
    case 58:
      return COLON;
    case 43:
      return PLUS;
    case 39:
      return APOSTROPHE;
    default:
      return 0;
  }
}

function quoteChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0;
  const ch = String.fromCodePoint(cp);
  return cp < 32 || cp === 127
    ? `the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
    : `'${ch}'`;
}

/** The text from token `p` on, quoted and clipped for a message. */
export function rest(p: number): string {
  return clip(tokens.text.slice(start[p]));
}

/** A piece of the value, quoted and clipped for a message. */
export function clip(s: string): string {
  return s.length > 24 ? `'${s.slice(0, 20)}…'` : `'${s}'`;
}

/** True when token `p` is a number of `minWidth` to `maxWidth` digits. */
export function isNum(p: number, minWidth: number, maxWidth: number): boolean {
  if (p >= tokens.count || kind[p] !== NUM) return false;
  const w = width(p);
  return w >= minWidth && w <= maxWidth;
}

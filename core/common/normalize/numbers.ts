import { type CellRule, Rejection } from './cell.ts';
import { formatCount, quoteValue } from './defaults.ts';
import { type DecimalMark, type NumberScan, scanNumber } from './number-scan.ts';

export type { DecimalMark } from './number-scan.ts';

/** How a number column reads its cells, decided once per column. */
export interface NumberRuleOptions {
  decimalSeparator: DecimalMark;
  /** `keep`: 12.5% → 12.5; `fraction`: 12.5% → 0.125 (an exact shift of the decimal point). */
  percent: 'keep' | 'fraction';
}

/** PostgreSQL numeric limits: digits before and after the decimal point. */
const MAX_INTEGER_DIGITS = 131072;
const MAX_SCALE = 16383;

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
}

function allZeros(digits: string): boolean {
  for (let i = 0; i < digits.length; i++) if (digits.charCodeAt(i) !== 48) return false;
  return true;
}

/**
 * Builds the canonical decimal string of `±int.frac × 10^shift` by moving the decimal point,
 * never through a float: no leading zeros, `-` only for non-zero values, and the scale as
 * written (`frac` length minus `shift`, at least 0), as PostgreSQL numeric keeps it.
 */
export function toDecimalString(
  negative: boolean,
  intDigits: string,
  fracDigits: string,
  shift: number,
): string {
  let int = intDigits;
  let frac = fracDigits;
  if (shift !== 0) {
    const all = int + frac;
    const point = int.length + shift;
    if (point <= 0) {
      int = '0';
      frac = '0'.repeat(-point) + all;
    } else if (point >= all.length) {
      int = all + '0'.repeat(point - all.length);
      frac = '';
    } else {
      int = all.slice(0, point);
      frac = all.slice(point);
    }
  }
  int = int.length === 0 ? '0' : stripLeadingZeros(int);
  const body = frac.length > 0 ? `${int}.${frac}` : int;
  return negative && !(int === '0' && allZeros(frac)) ? `-${body}` : body;
}

/** The decimal shift a scan asks for: its exponent, minus 2 for a `%` read as a fraction. */
export function scanShift(scan: NumberScan, percent: 'keep' | 'fraction'): number {
  return scan.percent && percent === 'fraction' ? scan.exponent - 2 : scan.exponent;
}

const NOT_CANONICAL = -2;
const NO_MARK = -1;

/**
 * Checks whether `text` is a plain decimal already in canonical form except perhaps its mark:
 * `-?(0|[1-9][0-9]*)(M[0-9]+)?`, not a negative zero. Returns where the mark is, NO_MARK for a
 * plain integer, or NOT_CANONICAL. The hot path of a clean numeric column: no allocation.
 */
function plainDecimalMark(text: string, markCode: number): number {
  const length = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= length) return NOT_CANONICAL;
  if (text.charCodeAt(i) === 48) {
    if (i === 1) return NOT_CANONICAL; // -0…: the general path decides on negative zero
    if (length > 1 && text.charCodeAt(1) !== markCode) return NOT_CANONICAL;
  }
  const start = i;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) break;
    i++;
  }
  if (i === start) return NOT_CANONICAL;
  if (i === length) return NO_MARK;
  const mark = i;
  if (text.charCodeAt(i) !== markCode || i === length - 1) return NOT_CANONICAL;
  for (i++; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return NOT_CANONICAL;
  }
  return mark;
}

/**
 * The `numeric` rule: reads grouped, currency-marked, accounting-negative, percent and
 * scientific values (see `scanNumber`) and returns the exact canonical decimal string
 * (`'$3,400.60'` → `'3400.60'`, `'(45.10)'` → `'-45.10'`, `'-1.0008E+9'` → `'-1000800000'`).
 */
export function makeNumericRule(options: NumberRuleOptions): CellRule<string> {
  const { decimalSeparator, percent } = options;
  const markCode = decimalSeparator.charCodeAt(0);
  return (text) => {
    const mark = plainDecimalMark(text, markCode);
    if (mark === NO_MARK || (mark >= 0 && markCode === 46)) return text;
    if (mark >= 0) return `${text.slice(0, mark)}.${text.slice(mark + 1)}`;
    const scan = scanNumber(text, decimalSeparator, 'invalid_number');
    if (scan instanceof Rejection) return scan;
    const shift = scanShift(scan, percent);
    const integerDigits = scan.intDigits.length + shift;
    if (integerDigits > MAX_INTEGER_DIGITS || scan.fracDigits.length - shift > MAX_SCALE) {
      return new Rejection('out_of_range', `${quoteValue(text)} is out of range for numeric`);
    }
    return toDecimalString(scan.negative, scan.intDigits, scan.fracDigits, shift);
  };
}

/** What the values of a column say about its decimal mark. */
export interface DecimalSeparatorEvidence {
  separator: DecimalMark;
  /** True when values disagree, or when every clue could be read either way (`1,234`). */
  ambiguous: boolean;
  /** A sentence for the user when ambiguous. */
  message?: string;
}

interface Clue {
  /** '.' or ',' when the value settles the mark; 'either' when it reads both ways (`1,234`). */
  vote: DecimalMark | 'either' | null;
}

const CLUE: Clue = { vote: null };

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Reads one value's clue about the decimal mark into {@link CLUE}. */
function readClue(text: string): Clue {
  CLUE.vote = null;
  let first = -1;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    if (isDigitCode(text.charCodeAt(i))) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return CLUE;
  let dots = 0;
  let commas = 0;
  let lastDot = -1;
  let lastComma = -1;
  for (let i = first; i <= last; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      dots++;
      lastDot = i;
    } else if (code === 44) {
      commas++;
      lastComma = i;
    } else if (code === 101 || code === 69) {
      last = i - 1; // an exponent: only the mantissa speaks
      break;
    } else if (!isDigitCode(code) && code !== 32 && code !== 0xa0 && code !== 0x202f && code !== 0x27) {
      return CLUE; // dates, times, versions, words: not a number
    }
  }
  if (dots > 0 && commas > 0) {
    const markIsComma = lastComma > lastDot;
    if ((markIsComma ? commas : dots) === 1) CLUE.vote = markIsComma ? ',' : '.';
    return CLUE;
  }
  if (dots === 0 && commas === 0) return CLUE;
  const separator = dots > 0 ? '.' : ',';
  if (dots + commas > 1) {
    CLUE.vote = separator === '.' ? ',' : '.'; // repeated: it groups
    return CLUE;
  }
  const at = separator === '.' ? lastDot : lastComma;
  let before = 0;
  while (at - before - 1 >= first && isDigitCode(text.charCodeAt(at - before - 1))) before++;
  let after = 0;
  while (at + after + 1 <= last && isDigitCode(text.charCodeAt(at + after + 1))) after++;
  const couldGroup = after === 3 && before >= 1 && before <= 3 && text.charCodeAt(at - before) !== 48;
  CLUE.vote = couldGroup ? 'either' : separator;
  return CLUE;
}

/**
 * Decides a column's decimal mark from its values (never per cell). A value with both `.` and
 * `,` is settled by the last one; a repeated separator groups (`1.234.567` → `,` is the mark);
 * one separator followed by other than 3 digits is the mark (`1,5`, `12,34`, `0,125`); one
 * separator followed by exactly 3 digits (`1,234`, `1.234`) reads either way. Conflicting values
 * → the majority wins and the result is flagged ambiguous (the minority will be rejected by the
 * rule, never misread). Only `either` clues → `.`, flagged ambiguous.
 */
export function detectDecimalSeparator(samples: readonly string[]): DecimalSeparatorEvidence {
  let dot = 0;
  let comma = 0;
  let either = 0;
  let dotExample = '';
  let commaExample = '';
  let eitherExample = '';
  for (const sample of samples) {
    const { vote } = readClue(sample);
    if (vote === '.') {
      if (dot++ === 0) dotExample = sample;
    } else if (vote === ',') {
      if (comma++ === 0) commaExample = sample;
    } else if (vote === 'either' && either++ === 0) {
      eitherExample = sample;
    }
  }
  if (dot > 0 && comma > 0) {
    const separator: DecimalMark = comma > dot ? ',' : '.';
    const [minority, example] = separator === '.' ? [comma, commaExample] : [dot, dotExample];
    const other = separator === '.' ? ',' : '.';
    return {
      separator,
      ambiguous: true,
      message:
        `decimal mark is ambiguous: ${formatCount(Math.max(dot, comma))} sampled values use '${separator}' and ${formatCount(minority)} use '${other}' ` +
        `(e.g. ${quoteValue(example)}); using '${separator}', so values written with '${other}' will be rejected — set decimalSeparator to change it`,
    };
  }
  if (dot > 0 || comma > 0) return { separator: dot > 0 ? '.' : ',', ambiguous: false };
  if (either > 0) {
    return {
      separator: '.',
      ambiguous: true,
      message:
        `decimal mark is ambiguous: values like ${quoteValue(eitherExample)} read either way ` +
        `(3 digits after a single '.' or ','); using '.' as decimal mark and ',' for thousands — ` +
        `set decimalSeparator to ',' if the column is written the other way`,
    };
  }
  return { separator: '.', ambiguous: false };
}

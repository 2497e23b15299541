import type { ReasonCode } from '../types.ts';
import { Rejection } from './cell.ts';
import { quoteValue } from './defaults.ts';
import { isTrimSpace } from './nulls.ts';

/** The decimal mark of a number column, decided once per column (never per cell). */
export type DecimalMark = '.' | ',';

/**
 * The parts of a number as written, without grouping, currency, sign decorations or `%`.
 * `scanNumber` returns one shared instance (overwritten by the next call) so the happy path
 * allocates nothing but the digit slices: copy what you need before scanning again.
 */
export interface NumberScan {
  negative: boolean;
  /** Integer digits as written, leading zeros included; '' for `.5`. */
  intDigits: string;
  /** Fraction digits as written, trailing zeros included; '' when there are none. */
  fracDigits: string;
  /** Power of ten from an `e`/`E` exponent (0 when absent), within ±{@link MAX_EXPONENT}. */
  exponent: number;
  /** Whether the value ended with `%`. */
  percent: boolean;
  /** The currency symbol or code found before or after the digits ('' when none). */
  currency: string;
}

/** Largest exponent magnitude accepted (`1e1000`); beyond it a value is out of range. */
export const MAX_EXPONENT = 1000;

const SCAN: NumberScan = {
  negative: false,
  intDigits: '',
  fracDigits: '',
  exponent: 0,
  percent: false,
  currency: '',
};

/** One-character currency symbols: $ € £ ¥ ₹ ₩ ₽ ₺ ₪ ₱ ₦ ₴. */
const CURRENCY_SYMBOLS = new Set([
  0x24, 0x20ac, 0xa3, 0xa5, 0x20b9, 0x20a9, 0x20bd, 0x20ba, 0x20aa, 0x20b1, 0x20a6, 0x20b4,
]);
/** ISO 4217 codes accepted before or after the digits (upper case only, so words stay words). */
const CURRENCY_CODES = new Set([
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CHF',
  'CAD',
  'AUD',
  'NZD',
  'CNY',
  'HKD',
  'SGD',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'CZK',
  'HUF',
  'INR',
  'BRL',
  'MXN',
  'ZAR',
  'KRW',
  'RUB',
  'TRY',
  'ILS',
]);
/** Letters written before `$` to name a dollar: US$, C$, A$, NZ$, HK$, S$, MX$, R$ (real). */
const DOLLAR_PREFIXES = new Set(['US', 'C', 'A', 'NZ', 'HK', 'S', 'MX', 'R', 'CA', 'AU']);

const MINUS = 0x2d;
const PLUS = 0x2b;
const UNICODE_MINUS = 0x2212;
const DOT = 0x2e;
const COMMA = 0x2c;
const PERCENT = 0x25;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

/** Group separators that may also end the number (a space before a currency code or `%`). */
function isSpaceGroup(code: number): boolean {
  return code === 32 || code === 0xa0 || code === 0x202f || code === 0x2007;
}

/** Group separators for a decimal mark: the other punctuation, spaces and apostrophes. */
function isGroupChar(code: number, mark: number): boolean {
  if (code === DOT || code === COMMA) return code !== mark;
  return isSpaceGroup(code) || code === 0x27 || code === 0x2019;
}

/** Length of the currency marker at `i` (0 when there is none). */
function currencyLength(text: string, i: number, end: number): number {
  const code = text.charCodeAt(i);
  if (CURRENCY_SYMBOLS.has(code)) return 1;
  if (!isUpper(code)) return 0;
  let j = i + 1;
  while (j < end && j - i < 3 && isUpper(text.charCodeAt(j))) j++;
  const letters = text.slice(i, j);
  if (j < end && text.charCodeAt(j) === 0x24 && DOLLAR_PREFIXES.has(letters)) return j - i + 1;
  if (CURRENCY_CODES.has(letters) && (j === end || !isUpper(text.charCodeAt(j)))) return j - i;
  return 0;
}

function fail(text: string, invalid: ReasonCode, why: string): Rejection {
  return new Rejection(invalid, `${quoteValue(text)} is not a number: ${why}`);
}

/** Marks a punctuation failure of the second reading in {@link punctuationFailure}. */
const PUNCTUATION = new Rejection('invalid_number', 'separators out of place');

/**
 * A value whose `.`/`,` do not fit the column's decimal mark. Runs only on the error path: it
 * reads the value again with the other mark, so the message can say what the value looks like
 * (`'1.234,56' uses ',' as decimal mark…`) instead of only that it is malformed.
 */
function punctuationFailure(text: string, mark: DecimalMark, invalid: ReasonCode, retry: boolean): Rejection {
  if (!retry) return PUNCTUATION;
  const other: DecimalMark = mark === '.' ? ',' : '.';
  const reread = scan(text, other, invalid, false);
  if (reread === PUNCTUATION) {
    return fail(text, invalid, `separators out of place (groups of 3 digits, one decimal mark '${mark}')`);
  }
  if (reread instanceof Rejection) return reread;
  const message =
    reread.fracDigits.length > 0 && text.includes(other)
      ? `${quoteValue(text)} uses '${other}' as decimal mark but this column's decimal mark is '${mark}'`
      : `${quoteValue(text)} uses '${mark}' as group separator but this column's decimal mark is '${mark}'`;
  return new Rejection(invalid, message);
}

/**
 * Reads a number written for humans: digits grouped by the column's group separators, an
 * optional decimal mark and exponent, a currency symbol or code before or after, a leading `+`,
 * `-` or `−`, a trailing `-`, accounting parentheses, a trailing `%`. Grouping is checked: every
 * group after the first has exactly 3 digits, the first has 1 to 3 and does not start with 0,
 * one separator character throughout, none after the decimal mark.
 *
 * @param text Trimmed cell text.
 * @param invalid Reason code for a malformed value (`invalid_number` or `invalid_integer`).
 * @returns the shared {@link NumberScan}, or a Rejection.
 */
export function scanNumber(text: string, mark: DecimalMark, invalid: ReasonCode): NumberScan | Rejection {
  return scan(text, mark, invalid, true);
}

function scan(text: string, mark: DecimalMark, invalid: ReasonCode, retry: boolean): NumberScan | Rejection {
  const markCode = mark === '.' ? DOT : COMMA;
  let i = 0;
  let end = text.length;
  let negative = false;
  let signed = false;
  let paren = false;
  let percent = false;
  let currency = '';

  if (text.charCodeAt(0) === 0x28) {
    if (text.charCodeAt(end - 1) !== 0x29) return fail(text, invalid, "'(' without ')'");
    paren = true;
    negative = true;
    i = 1;
    end--;
    while (i < end && isTrimSpace(text.charCodeAt(i))) i++;
  } else if (text.charCodeAt(end - 1) === 0x29) {
    return fail(text, invalid, "')' without '('");
  }

  // Prefix: at most one sign and one currency marker, in either order.
  for (;;) {
    const code = text.charCodeAt(i);
    if (code === MINUS || code === PLUS || code === UNICODE_MINUS) {
      if (signed || paren) return fail(text, invalid, 'more than one sign');
      signed = true;
      negative = code !== PLUS;
      i++;
      continue;
    }
    const length = i < end ? currencyLength(text, i, end) : 0;
    if (length === 0) break;
    if (currency) return fail(text, invalid, 'more than one currency marker');
    currency = text.slice(i, i + length);
    i += length;
    while (i < end && isTrimSpace(text.charCodeAt(i))) i++;
  }

  // Integer digits, grouped or not.
  const intStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  let intDigits = text.slice(intStart, i);
  if (intDigits.length > 0 && i < end && isGroupChar(text.charCodeAt(i), markCode)) {
    let groupChar = -1;
    let grouped = '';
    while (i < end && isGroupChar(text.charCodeAt(i), markCode)) {
      const code = text.charCodeAt(i);
      const three =
        i + 3 < end &&
        isDigit(text.charCodeAt(i + 1)) &&
        isDigit(text.charCodeAt(i + 2)) &&
        isDigit(text.charCodeAt(i + 3)) &&
        !isDigit(text.charCodeAt(i + 4));
      if (!three) {
        if (isSpaceGroup(code)) break; // the number ended; a suffix may follow
        return punctuationFailure(text, mark, invalid, retry);
      }
      if (groupChar === -1) {
        if (intDigits.length > 3 || intDigits.charCodeAt(0) === 48) {
          return punctuationFailure(text, mark, invalid, retry);
        }
        groupChar = code;
        grouped = intDigits;
      } else if (code !== groupChar) {
        return fail(text, invalid, 'mixed group separators');
      }
      grouped += text.slice(i + 1, i + 4);
      i += 4;
    }
    if (groupChar !== -1) intDigits = grouped;
  }

  let fracDigits = '';
  if (i < end && text.charCodeAt(i) === markCode) {
    const fracStart = ++i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    fracDigits = text.slice(fracStart, i);
  }
  if (intDigits.length === 0 && fracDigits.length === 0) {
    return new Rejection(invalid, `${quoteValue(text)} is not a number`);
  }
  if (i < end) {
    const code = text.charCodeAt(i);
    if (code === DOT || code === COMMA || code === 0x27 || code === 0x2019) {
      return punctuationFailure(text, mark, invalid, retry);
    }
  }

  let exponent = 0;
  if (i < end && (text.charCodeAt(i) === 0x65 || text.charCodeAt(i) === 0x45)) {
    let j = i + 1;
    const signCode = text.charCodeAt(j);
    const expNegative = signCode === MINUS;
    if (expNegative || signCode === PLUS) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (j < end && isDigit(text.charCodeAt(j))) {
        exponent = exponent * 10 + (text.charCodeAt(j) - 48);
        if (exponent > MAX_EXPONENT) {
          return new Rejection(
            'out_of_range',
            `${quoteValue(text)} is out of range: exponents beyond ±${MAX_EXPONENT} are not accepted`,
          );
        }
        j++;
      }
      if (expNegative) exponent = -exponent;
      i = j;
    }
  }

  // Suffix: spaces, `%`, a trailing minus and a currency marker, in any order.
  while (i < end) {
    const code = text.charCodeAt(i);
    if (isTrimSpace(code)) {
      i++;
    } else if (code === PERCENT) {
      if (percent) return fail(text, invalid, "more than one '%'");
      percent = true;
      i++;
    } else if (code === MINUS || code === UNICODE_MINUS) {
      if (signed || paren) return fail(text, invalid, 'more than one sign');
      signed = true;
      negative = true;
      i++;
    } else {
      const length = currencyLength(text, i, end);
      if (length === 0) return fail(text, invalid, `unexpected ${quoteValue(text.slice(i, i + 1))}`);
      if (currency) return fail(text, invalid, 'more than one currency marker');
      currency = text.slice(i, i + length);
      i += length;
    }
  }
  if (percent && currency) return fail(text, invalid, "both a currency and '%'");

  SCAN.negative = negative;
  SCAN.intDigits = intDigits;
  SCAN.fracDigits = fracDigits;
  SCAN.exponent = exponent;
  SCAN.percent = percent;
  SCAN.currency = currency;
  return SCAN;
}

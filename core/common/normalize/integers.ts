import { type CellRule, Rejection } from './cell.ts';
import { quoteValue } from './defaults.ts';
import { scanNumber } from './number-scan.ts';
import { type NumberRuleOptions, scanShift, toDecimalString } from './numbers.ts';

/** The two integer target types: PostgreSQL int4 and int8. */
export type IntegerType = 'integer' | 'bigint';

interface IntegerRange {
  /** Largest magnitude, as digits, for positive and negative values. */
  readonly max: string;
  readonly minMagnitude: string;
  readonly label: string;
}

const RANGES: Record<IntegerType, IntegerRange> = {
  integer: { max: '2147483647', minMagnitude: '2147483648', label: 'integer (−2147483648 to 2147483647)' },
  bigint: {
    max: '9223372036854775807',
    minMagnitude: '9223372036854775808',
    label: 'bigint (−9223372036854775808 to 9223372036854775807)',
  },
};

const MAX_SAFE_DIGITS = '9007199254740991';

/** Compares two digit strings without leading zeros as numbers: -1, 0 or 1. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether canonical integer text (`-?digits`, no leading zeros) fits the type. */
export function integerFits(canonical: string, type: IntegerType): boolean {
  const range = RANGES[type];
  const negative = canonical.charCodeAt(0) === 45;
  const digits = negative ? canonical.slice(1) : canonical;
  return compareDigits(digits, negative ? range.minMagnitude : range.max) <= 0;
}

/** A JS number when exactly representable (|n| ≤ 2^53−1), else the exact decimal string. */
export function integerValue(canonical: string): number | string {
  const digits = canonical.charCodeAt(0) === 45 ? canonical.slice(1) : canonical;
  return compareDigits(digits, MAX_SAFE_DIGITS) <= 0 ? Number(canonical) : canonical;
}

/**
 * The `integer`/`bigint` rule: the surface syntax of numbers (grouping, currency, accounting
 * negatives, trailing minus, `1e3`), but the value must be whole. A fraction of zeros is
 * accepted (`12.0` → 12, `1.50e1` → 15); `12.5` is invalid_integer; beyond the type's range is
 * out_of_range. Returns a number within ±(2^53−1), else the exact decimal string.
 */
export function makeIntegerRule(type: IntegerType, options: NumberRuleOptions): CellRule<number | string> {
  const { decimalSeparator, percent } = options;
  const range = RANGES[type];
  const isInt4 = type === 'integer';
  return (text) => {
    // Fast path: optional '-' and up to 15 digits is exact in a double.
    const length = text.length;
    const negative = text.charCodeAt(0) === 45;
    let i = negative ? 1 : 0;
    if (length > i && length - i <= 15) {
      let n = 0;
      for (; i < length; i++) {
        const code = text.charCodeAt(i) - 48;
        if (code < 0 || code > 9) break;
        n = n * 10 + code;
      }
      if (i === length) {
        const value = negative ? 0 - n : n;
        if (!isInt4 || (value <= 2147483647 && value >= -2147483648)) return value;
        return new Rejection('out_of_range', `${quoteValue(text)} is out of range for ${range.label}`);
      }
    }
    const scan = scanNumber(text, decimalSeparator, 'invalid_integer');
    if (scan instanceof Rejection) return scan;
    const shift = scanShift(scan, percent);
    const canonical = toDecimalString(scan.negative, scan.intDigits, scan.fracDigits, shift);
    const point = canonical.indexOf('.');
    let whole = canonical;
    if (point >= 0) {
      for (let k = point + 1; k < canonical.length; k++) {
        if (canonical.charCodeAt(k) !== 48) {
          return new Rejection('invalid_integer', `${quoteValue(text)} is not a whole number`);
        }
      }
      whole = canonical.slice(0, point);
      if (whole === '-0') whole = '0';
    }
    if (!integerFits(whole, type)) {
      return new Rejection('out_of_range', `${quoteValue(text)} is out of range for ${range.label}`);
    }
    return integerValue(whole);
  };
}

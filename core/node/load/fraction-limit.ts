// What a target column rounds (numeric scale, timestamp precision), and whether a value would be
// rounded by it: the loader refuses such a value instead of letting PostgreSQL change it.

/**
 * A target column that rounds what it stores: `numeric(p,s)` keeps `digits` = s decimal places
 * (negative s: rounds to tens, hundreds…), `timestamp(p)` keeps `digits` = p fractional-second digits.
 * A value it would round is refused (`too_many_decimals`) instead of changed without a word.
 */
export interface FractionLimit {
  readonly kind: 'decimal' | 'seconds';
  readonly digits: number;
  /** The column's type as PostgreSQL shows it (`numeric(12,2)`), for messages. */
  readonly display: string;
}

/**
 * Whether rounding the decimal `text` (`-12.50`, `1e-7`, `1500`) to `scale` digits after the point
 * (before it when negative) would change its value. Trailing zeros are not digits that round away.
 */
export function roundsAtScale(text: string, scale: number): boolean {
  let end = text.length;
  let exponent = 0;
  const e = text.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    end = e;
  }
  const point = text.indexOf('.');
  const intEnd = point >= 0 && point < end ? point : end;
  // The last non-zero digit decides: its power of ten must be at least -scale.
  for (let j = end - 1; j >= 0; j--) {
    const c = text.charCodeAt(j);
    if (c < 49 || c > 57) continue; // '0', '.', sign
    const power = (j < intEnd ? intEnd - 1 - j : intEnd - j) + exponent;
    return power < -scale;
  }
  return false; // zero
}

/** Fractional-second digits of an ISO timestamp text, trailing zeros not counted. */
export function secondsFractionDigits(text: string): number {
  const m = /\d:\d\d\.(\d+)/.exec(text);
  if (!m) return 0;
  let n = m[1]!.length;
  while (n > 0 && m[1]!.charCodeAt(n - 1) === 48) n--;
  return n;
}

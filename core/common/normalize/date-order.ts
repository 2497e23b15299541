import type { DateOrder } from '../spec/job-spec.ts';
import { quote } from './date-calendar.ts';

/** What a column's values say about numeric day/month order. */
export interface DateOrderEvidence {
  /** 'DMY' or 'MDY' when some value settles it (a first part > 12 → DMY; a second part > 12 → MDY); null when nothing does. */
  order: DateOrder | null;
  /** True when numeric dates with both parts ≤ 12 exist and nothing settled the order. */
  ambiguous: boolean;
  /**
   * When settled: which value settled it, e.g. "'25/03/2024' has a day above 12 first". When conflicting
   * (both a first part > 12 and a second part > 12 exist): says so, with order null and ambiguous true.
   * When ambiguous: names a value that reads both ways.
   */
  message?: string;
}

/**
 * Finds the day/month order of a column's numeric dates (`05/03/2024`, `5-3-24`, `05.03.2024`, `05 03 2024`,
 * optionally followed by a time). Values of other shapes (ISO, month names) say nothing and are skipped,
 * as are values whose two parts are equal (`05/05/2024` reads the same either way).
 *
 * One refinement: when nothing settles the order and every ambiguous value is written with dots, the
 * order is DMY (not ambiguous), because `DD.MM.YYYY` is the day-first convention of the countries that
 * write dates with dots, and no month-first convention uses them.
 */
export function detectDateOrder(samples: readonly string[]): DateOrderEvidence {
  let dayFirst: string | undefined;
  let monthFirst: string | undefined;
  let ambiguous: string | undefined;
  let undotted = false;
  for (const sample of samples) {
    if (!scanNumericDate(sample)) continue;
    if (first > 12 && first <= 31 && second >= 1 && second <= 12) dayFirst ??= sample;
    else if (second > 12 && second <= 31 && first >= 1 && first <= 12) monthFirst ??= sample;
    else if (first >= 1 && first <= 12 && second >= 1 && second <= 12 && first !== second) {
      ambiguous ??= sample;
      if (separator !== 46) undotted = true;
    }
  }
  if (dayFirst !== undefined && monthFirst !== undefined) {
    return {
      order: null,
      ambiguous: true,
      message:
        `the day/month order conflicts: ${quote(dayFirst)} has a day above 12 first (DMY) ` +
        `but ${quote(monthFirst)} has one second (MDY)`,
    };
  }
  if (dayFirst !== undefined) {
    return { order: 'DMY', ambiguous: false, message: `${quote(dayFirst)} has a day above 12 first (DMY)` };
  }
  if (monthFirst !== undefined) {
    return {
      order: 'MDY',
      ambiguous: false,
      message: `${quote(monthFirst)} has a day above 12 second (MDY)`,
    };
  }
  if (ambiguous === undefined) return { order: null, ambiguous: false };
  if (!undotted) {
    return {
      order: 'DMY',
      ambiguous: false,
      message: `no value settles the day/month order, but dotted dates such as ${quote(ambiguous)} are day-first (DD.MM.YYYY) by convention`,
    };
  }
  return {
    order: null,
    ambiguous: true,
    message: `no value settles the day/month order: ${quote(ambiguous)} reads both ways`,
  };
}

let first = 0;
let second = 0;
let separator = 0;

/** `D[D]<s>M[M]<s>YY[YY]` at the start, then the end, a space or `T`: sets first, second, separator. */
function scanNumericDate(text: string): boolean {
  const len = text.length;
  let i = 0;
  while (i < len && text.charCodeAt(i) === 32) i++;
  const a = i;
  first = 0;
  while (i < len && i - a < 3 && isDigit(text.charCodeAt(i))) first = first * 10 + text.charCodeAt(i++) - 48;
  if (i === a || i - a > 2) return false;
  separator = text.charCodeAt(i++);
  if (separator !== 47 && separator !== 45 && separator !== 46 && separator !== 32) return false;
  const b = i;
  second = 0;
  while (i < len && i - b < 3 && isDigit(text.charCodeAt(i)))
    second = second * 10 + text.charCodeAt(i++) - 48;
  if (i === b || i - b > 2 || text.charCodeAt(i++) !== separator) return false;
  const c = i;
  while (i < len && isDigit(text.charCodeAt(i))) i++;
  if (i - c !== 2 && i - c !== 4) return false;
  return i === len || text.charCodeAt(i) === 32 || text.charCodeAt(i) === 84;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

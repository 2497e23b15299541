import { LoadstoneError } from '../errors.ts';
import type { DateOrder } from '../spec/job-spec.ts';
import type { CellRule } from './cell.ts';
import { Rejection } from './cell.ts';
import {
  civil,
  civilFromDays,
  DAY_SECONDS,
  formatDate,
  formatFraction,
  pad2,
  quote,
} from './date-calendar.ts';
import {
  type DateTimeFields,
  IMPOSSIBLE,
  INVALID,
  NOT_ISO,
  newFields,
  OK,
  resetFields,
} from './date-fields.ts';
import { bareNumberProblem, isPlainNumber, type NumericDates, readNumeric } from './date-numeric.ts';
import { readIso } from './date-parse-iso.ts';
import { readText } from './date-parse-text.ts';

export { type DateOrderEvidence, detectDateOrder } from './date-order.ts';

/**
 * How a date column is read.
 *
 * Shapes read (any may be mixed in one column): ISO `2024-03-05` and `20240305`; `2024/03/05`, `2024.03.05`;
 * numeric day/month dates with `/`, `-`, `.` or a space in the column's `order` (`05/03/2024`, `5-3-24`,
 * `05.03.2024`: the dot form follows the order like the others, and {@link detectDateOrder} settles dotted
 * columns as day-first); English month names, full or 3-letter, any case, `Sept` too (`Mar 5, 2024`,
 * `5 March 2024`, `05-Mar-2024`, `2024-Mar-05`, `3rd of May 2001`, `13NOV2017`); a leading weekday, which
 * must be right (`Tue, 5 Mar 2024`; a wrong weekday is rejected because one of the two is a typo).
 */
export interface DateRuleOptions {
  /** Order of all-numeric day/month dates such as 05/03/2024 (`YMD` reads `24/03/05`). */
  order: DateOrder;
  /** Two-digit years below it are 20xx, others 19xx (default 70: 00–69 → 2000–2069, 70–99 → 1970–1999). */
  twoDigitYearPivot: number;
  /** How a bare number is read, when declared; without it a bare number is rejected (except `YYYYMMDD`). */
  numericDates?: NumericDates;
}

/** Checks rule options; a bad option is a configuration error, not a cell error. */
export function checkDateOptions(options: DateRuleOptions): { order: DateOrder; pivot: number } {
  const { order } = options;
  const pivot = options.twoDigitYearPivot ?? 70;
  if (order !== 'DMY' && order !== 'MDY' && order !== 'YMD') {
    throw new LoadstoneError('SPEC_INVALID', `date order must be DMY, MDY or YMD, not '${String(order)}'`);
  }
  if (!Number.isInteger(pivot) || pivot < 0 || pivot > 100) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `twoDigitYearPivot must be an integer from 0 to 100, not ${pivot}`,
    );
  }
  const numeric = options.numericDates;
  if (numeric !== undefined && numeric !== 'excel' && numeric !== 'epoch_s' && numeric !== 'epoch_ms') {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `numericDates must be excel, epoch_s or epoch_ms, not '${numeric}'`,
    );
  }
  return { order, pivot };
}

/**
 * Reads any supported date or date-time shape into `f`; returns OK, INVALID or IMPOSSIBLE. Shared by the
 * date and timestamp rules so both accept exactly the same texts.
 */
export function readDateTime(
  text: string,
  order: DateOrder,
  pivot: number,
  numericDates: NumericDates | undefined,
  f: DateTimeFields,
): number {
  resetFields(f);
  if (text.length >= 10 && text.charCodeAt(4) === 45) {
    const status = readIso(text, f);
    if (status !== NOT_ISO) return status;
    resetFields(f);
  }
  if (isPlainNumber(text)) {
    if (numericDates !== undefined) return readNumeric(text, numericDates, f);
    if (text.length !== 8 && text.length !== 14) {
      f.problem = bareNumberProblem();
      return INVALID;
    }
  }
  return readText(text, order, pivot, f);
}

/**
 * A date column's rule: returns `YYYY-MM-DD`, or a Rejection — `impossible_date` for Feb 30, Apr 31,
 * Feb 29 of a common year, month 13, day 0, year 0 (never rolled over); `invalid_date` for the rest.
 *
 * A value with a time of day is accepted only when that time is exactly midnight (`2024-03-05T00:00:00`,
 * with any offset: the written date is kept); any other time is rejected rather than dropped. Declared
 * numbers: Excel serials must be whole days; epoch seconds/milliseconds take their date part in UTC.
 */
export function makeDateRule(options: DateRuleOptions): CellRule<string> {
  const { order, pivot } = checkDateOptions(options);
  const numericDates = options.numericDates;
  const f = newFields();
  return (text: string): string | Rejection => {
    const status = readDateTime(text, order, pivot, numericDates, f);
    if (status !== OK) {
      const zero = zeroDateRejection(text);
      if (zero) return zero;
      return new Rejection(
        status === IMPOSSIBLE ? 'impossible_date' : 'invalid_date',
        `${quote(text)} ${f.problem}`,
      );
    }
    if (!f.hasTime) return f.canonical ? text : formatDate(f.year, f.month, f.day);
    if (f.isInstant) {
      civilFromDays(Math.floor(f.epochSeconds / DAY_SECONDS));
      return formatDate(civil.year, civil.month, civil.day);
    }
    if (f.hour !== 0 || f.minute !== 0 || f.second !== 0 || f.micro !== 0) {
      const time = `${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${formatFraction(f.micro)}`;
      return new Rejection(
        'invalid_date',
        `${quote(text)} has a time of day (${time}), but the column holds dates only; ` +
          'load it as timestamptz to keep the time',
      );
    }
    return formatDate(f.year, f.month, f.day);
  };
}

/** MySQL's zero date, alone or with a time (of zeros or not). */
const ZERO_DATE_RE = /^0000-00-00(?:$|[T ])/;

/**
 * `zero_date` for MySQL's zero date (`0000-00-00`, `0000-00-00 00:00:00`): it is no date, and
 * loading it as NULL would hide it. A date with only a zero month or day (`2024-00-15`) stays an
 * `impossible_date`. Undefined for anything else.
 */
export function zeroDateRejection(text: string): Rejection | undefined {
  if (!ZERO_DATE_RE.test(text)) return undefined;
  return new Rejection(
    'zero_date',
    `${quote(text)} is a MySQL zero date, not a date: it is rejected rather than loaded as NULL ` +
      '(fix it at the source or map it to NULL there)',
  );
}

import type { ColumnType, NormalizedValue, RawValue } from '../types.ts';
import { JsonNumber, JsonText } from '../types.ts';
import { booleanRule } from './booleans.ts';
import { type CellRule, Rejection } from './cell.ts';
import type { ResolvedFormat } from './column-plan.ts';
import { makeDateRule } from './dates.ts';
import { quoteValue } from './defaults.ts';
import { makeIntegerRule } from './integers.ts';
import { jsonbProblem, jsonTextRule } from './json-text.ts';
import { makeNullCheck, trimCell } from './nulls.ts';
import { makeNumericRule } from './numbers.ts';
import { makeTimestampRule } from './timestamps.ts';
import { uuidRule } from './uuid.ts';

/** Normalizes one raw cell of a column: the value, null, or a Rejection. */
export type CellFunction = (raw: RawValue | undefined) => NormalizedValue | Rejection;

/** Reason code for a value a type cannot read. */
const INVALID = {
  integer: 'invalid_integer',
  bigint: 'invalid_integer',
  numeric: 'invalid_number',
  boolean: 'invalid_boolean',
  date: 'invalid_date',
  timestamptz: 'invalid_timestamp',
  uuid: 'invalid_uuid',
  jsonb: 'invalid_json',
  text: 'invalid_text',
} as const satisfies Record<ColumnType, string>;

/** A NUL or a surrogate code unit: the rare characters the text rule looks at twice. */
const NOT_PLAIN_TEXT = /[\0\uD800-\uDFFF]/;

/**
 * The `text` rule: any text but one holding U+0000, which PostgreSQL text cannot store, or an
 * unpaired UTF-16 surrogate (a JSON `"\ud800"`), which is no Unicode character and which the load
 * refuses too (UTF-8 cannot carry it): refusing them here names the cell in the preview as well.
 */
export const textRule: CellRule<string> = (text) => (NOT_PLAIN_TEXT.test(text) ? textProblem(text) : text);

function textProblem(text: string): string | Rejection {
  if (text.indexOf('\0') >= 0) {
    return new Rejection(
      'invalid_text',
      `${quoteValue(text)} contains a NUL character (U+0000), which PostgreSQL text cannot store`,
    );
  }
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++; // a pair: one character beyond U+FFFF
      continue;
    }
    return new Rejection(
      'invalid_text',
      `${quoteValue(text)} contains an unpaired UTF-16 surrogate (\\u${unit.toString(16)}), which is not ` +
        'a Unicode character and cannot be stored as text',
    );
  }
  return text;
}

/** The rule of a type, for trimmed, non-null text, built once per column. */
export function makeTypeRule(type: ColumnType, format: ResolvedFormat): CellRule<NormalizedValue> {
  const numbers = { decimalSeparator: format.decimalSeparator, percent: format.percent };
  const dates = {
    order: format.dateOrder,
    twoDigitYearPivot: format.twoDigitYearPivot,
    ...(format.numericDates ? { numericDates: format.numericDates } : {}),
  };
  switch (type) {
    case 'integer':
    case 'bigint':
      return makeIntegerRule(type, numbers);
    case 'numeric':
      return makeNumericRule(numbers);
    case 'boolean':
      return booleanRule;
    case 'date':
      return makeDateRule(dates);
    case 'timestamptz':
      return makeTimestampRule({ ...dates, timeZone: format.timeZone });
    case 'uuid':
      return uuidRule;
    case 'jsonb':
      return jsonTextRule;
    case 'text':
      return textRule;
  }
}

/** A raw value as text, for error reports. */
export function rawText(raw: RawValue | undefined): string {
  if (typeof raw === 'string') return raw;
  if (raw === null || raw === undefined) return '';
  if (raw instanceof JsonNumber || raw instanceof JsonText) return raw.text;
  if (typeof raw === 'object') return JSON.stringify(raw);
  return String(raw);
}

function describeRaw(raw: RawValue): string {
  if (typeof raw === 'boolean') return `the boolean ${raw}`;
  if (Array.isArray(raw) || (raw instanceof JsonText && raw.text.startsWith('['))) return 'a JSON array';
  return 'a JSON object';
}

/**
 * Handles the raw values that are not strings (JSON and XLSX sources): numbers read by their
 * exact text with `.` as decimal mark whatever the column's mark, booleans only into boolean,
 * text and jsonb, objects and arrays only into jsonb and text (as JSON).
 */
function makeNonStringFunction(type: ColumnType, rule: CellRule<NormalizedValue>, format: ResolvedFormat) {
  const numberRule =
    (type === 'integer' || type === 'bigint' || type === 'numeric') && format.decimalSeparator !== '.'
      ? makeTypeRule(type, { ...format, decimalSeparator: '.' })
      : rule;
  return (raw: RawValue): NormalizedValue | Rejection => {
    if (typeof raw === 'number' || raw instanceof JsonNumber) {
      const text = typeof raw === 'number' ? String(raw) : raw.text;
      switch (type) {
        case 'text':
          return text;
        case 'jsonb': {
          if (typeof raw === 'number') return raw;
          const problem = jsonbProblem(text);
          return problem === undefined
            ? new JsonText(text)
            : new Rejection('invalid_json', `${quoteValue(text)} cannot be stored as jsonb: ${problem}`);
        }
        case 'boolean':
          return text === '1' ? true : text === '0' ? false : booleanRule(text);
        case 'uuid':
          return uuidRule(text);
        default:
          return numberRule(text);
      }
    }
    if (typeof raw === 'boolean') {
      if (type === 'boolean' || type === 'jsonb') return raw;
      if (type === 'text') return raw ? 'true' : 'false';
      return new Rejection(INVALID[type], `${describeRaw(raw)} cannot be read as ${type}`);
    }
    if (typeof raw === 'object' && raw !== null) {
      // A JsonText (nested JSON with numbers JS would change) is used as its exact text.
      const json = raw instanceof JsonText ? raw.text : JSON.stringify(raw);
      if (type === 'text') return textRule(json);
      if (type !== 'jsonb')
        return new Rejection(INVALID[type], `${describeRaw(raw)} cannot be read as ${type}`);
      const problem = jsonbProblem(json);
      return problem === undefined
        ? raw
        : new Rejection('invalid_json', `${quoteValue(json)} cannot be stored as jsonb: ${problem}`);
    }
    return null;
  };
}

/**
 * Builds the cell function of one column, once: trim → null token check → the type's rule for
 * strings, so the per-cell cost is a few char-code checks and one rule call. Every string goes
 * this way (a CSV's `"  x "` loads as `x`, `"NULL"` as NULL unless the column's nullTokens say
 * otherwise), except in a column whose text is kept as written (`format.keepText`: a database's text,
 * a JSON string, or `keepText: true`), where a string is NULL only when it is exactly one of the
 * column's nullTokens. `null`/`undefined` (a missing field) is SQL NULL; other raw values go through
 * {@link makeNonStringFunction}.
 */
export function makeCellFunction(
  type: ColumnType,
  format: ResolvedFormat,
  sourceType?: ColumnType,
): CellFunction {
  const rule = makeTypeRule(type, format);
  const isNull = makeNullCheck(format.nullTokens);
  const other = makeNonStringFunction(type, rule, format);
  if (format.keepText) {
    // A database's text as text: as it is (see `ResolvedFormat.keepText`).
    return (raw) => {
      if (typeof raw === 'string') return isNull(raw) ? null : rule(raw);
      if (raw === null || raw === undefined) return null;
      return other(raw);
    };
  }
  const typed = sourceType === type ? passThrough(type) : undefined;
  if (typed) {
    // A database column of this very type: a value already in its normalized form is taken as is.
    return (raw) => {
      if (typed(raw)) return raw as NormalizedValue;
      if (typeof raw === 'string') {
        const text = trimCell(raw);
        return isNull(text) ? null : rule(text);
      }
      if (raw === null || raw === undefined) return null;
      return other(raw);
    };
  }
  return (raw) => {
    if (typeof raw === 'string') {
      const text = trimCell(raw);
      return isNull(text) ? null : rule(text);
    }
    if (raw === null || raw === undefined) return null;
    return other(raw);
  };
}

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/**
 * For a column whose source declares its type: which raw values are already that type's
 * `NormalizedValue` (a JS integer in range for integer/bigint, a boolean for boolean). Strings are
 * still read by the rule (exact, and a source with dynamic typing may hold anything in them).
 */
function passThrough(type: ColumnType): ((raw: RawValue | undefined) => boolean) | undefined {
  switch (type) {
    case 'integer':
      return (raw) => typeof raw === 'number' && Number.isInteger(raw) && raw >= INT4_MIN && raw <= INT4_MAX;
    case 'bigint':
      return (raw) => typeof raw === 'number' && Number.isSafeInteger(raw);
    case 'boolean':
      return (raw) => typeof raw === 'boolean';
    default:
      return undefined;
  }
}

import type { CustomTypesConfig } from 'pg';
import type { ColumnType } from '../../../common/types.ts';
import { JsonText } from '../../../common/types.ts';
import type { CopyTextKind } from '../verbatim-rows.ts';

/**
 * How a PostgreSQL source reads each value's text (the session runs with `TimeZone=UTC`,
 * `DateStyle=ISO, YMD`, `bytea_output=hex`), so that every value arrives exactly, in the
 * `NormalizedValue` form of its column type, and none goes through a JS float.
 */
const PARSERS = new Map<number, (text: string) => unknown>([
  [16, (t) => t === 't'], // bool
  [20, bigintValue], // int8
  [21, Number], // int2
  [23, Number], // int4
  [26, Number], // oid
  [1082, (t) => t], // date: 'YYYY-MM-DD' as the server wrote it
  [1114, (t) => t.replace(' ', 'T')], // timestamp (naive): read later in the job's time zone
  [1184, utcTimestamp], // timestamptz
  [114, (t) => new JsonText(t)], // json
  [3802, (t) => new JsonText(t)], // jsonb
  [17, (t) => (t.startsWith('\\x') ? t.slice(2) : t)], // bytea → hex text
]);

const asText = (text: string): string => text;

/** Type parsers for a source connection: the ones above, every other type as its text. */
export const SOURCE_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number) => PARSERS.get(oid) ?? asText) as CustomTypesConfig['getTypeParser'],
};

/** int8: a number when it is exact, else its text. */
function bigintValue(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** '2024-01-02 03:04:05.123456+00' (UTC session) → '2024-01-02T03:04:05.123456Z'; other forms as text. */
function utcTimestamp(text: string): string {
  return text.endsWith('+00') ? `${text.slice(0, -3).replace(' ', 'T')}Z` : text.replace(' ', 'T');
}

/** Array types of the built-in types (typarray), which are read as their text. */
const TEXT_TYPES = new Set([25, 1043, 1042, 19, 18]); // text, varchar, bpchar, name, "char"

/**
 * The declared target type of a result column, by its type OID: a type with an exact counterpart
 * keeps it; character types are `null` (their values are inferred like a CSV column's: a text
 * column of dates becomes a date column); everything else (arrays, enums, bytea, intervals…) is text.
 */
export function columnTypeOf(oid: number): ColumnType | null {
  switch (oid) {
    case 16:
      return 'boolean';
    case 21:
    case 23:
      return 'integer';
    case 20:
    case 26:
      return 'bigint';
    case 700:
    case 701:
    case 1700:
      return 'numeric';
    case 1082:
      return 'date';
    case 1114:
    case 1184:
      return 'timestamptz';
    case 114:
    case 3802:
      return 'jsonb';
    case 2950:
      return 'uuid';
    default:
      return TEXT_TYPES.has(oid) ? null : 'text';
  }
}

/**
 * What a column's COPY text holds, by type OID, for the types whose text a load can send on as it
 * is (see pipeline/verbatim.ts), or null (a type with a parser of its own). A naive timestamp takes the job's time zone: its
 * text goes as it is only in a UTC job, whose instant the load's UTC session reads from it.
 */
export function copyTextKindOf(oid: number): CopyTextKind | null {
  switch (oid) {
    case 16:
      return 'boolean';
    case 21:
    case 23:
      return 'int4';
    case 20:
      return 'int8';
    case 1700:
      return 'numeric';
    case 1082:
      return 'date';
    case 1184:
      return 'timestamptz';
    case 1114:
      return 'naiveTimestamp';
    case 2950:
      return 'uuid';
    case 3802:
      return 'jsonb';
    case 114:
      return 'json';
    case 17:
      return 'bytea';
    case 700:
    case 701:
      return 'float';
    default:
      // Character types, and every type read as its text (arrays, enums, intervals, inet, time…):
      // the text the usual path loads is the field's, unescaped.
      return TEXT_TYPES.has(oid) || (columnTypeOf(oid) === 'text' && !PARSERS.has(oid)) ? 'text' : null;
  }
}

/** OID of `timestamp without time zone`: a watermark compared on it is not pushed down (time zones). */
export const NAIVE_TIMESTAMP_OID = 1114;

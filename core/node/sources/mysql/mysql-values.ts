import { type ColumnType, JsonText, type RawValue } from '../../../common/types.ts';
import type { CopyTextKind } from '../verbatim-rows.ts';

/** The column metadata mysql2 gives for a result field (its `ColumnDefinition`). */
export interface MysqlField {
  readonly name: string;
  readonly columnType: number;
  readonly columnLength: number;
  readonly flags: number;
  readonly characterSet: number;
  /** The table the column came from ('' for a UNION's columns, which come without their origin). */
  readonly orgTable?: string;
  /** MariaDB's extended metadata: `json` for a JSON column (a LONGTEXT alias there). */
  readonly extendedFormat?: string;
}

/** mysql2's type numbers (protocol `MYSQL_TYPE_*`). */
const T = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  BIT: 0x10,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  GEOMETRY: 0xff,
} as const;
const UNSIGNED_FLAG = 32;
const BINARY_CHARSET = 63;

/** How one column's values are read: the declared target type and a converter from mysql2's value. */
export interface ColumnReader {
  readonly type: ColumnType | null;
  readonly read: (value: unknown) => RawValue;
  /**
   * What mysql2's values are as COPY text the load may send as it is (see database/copy-rows.ts);
   * null: the column's rows always go the usual way.
   */
  readonly kind: CopyTextKind | null;
  /** mysql2 gives the column's values as JS numbers (else as text): how a field is read back. */
  readonly numbers: boolean;
}

/** The reader of a column whose mysql2 value is already the raw value (the source leaves it alone). */
export const asIs = (value: unknown): RawValue => value as RawValue;

/**
 * The reader of one result column. mysql2 is asked for strings wherever a JS number could lose
 * anything (BIGINT, DECIMAL, FLOAT/DOUBLE via `typeCast`, dates), so the values here are exact:
 * - TINYINT(1)/BOOLEAN → boolean, its value the number the server holds (the boolean rule reads 0/1 and
 *   rejects any other value; a column the job types as integer, numeric or text keeps the number);
 * - TINYINT…INT → integer (INT UNSIGNED → bigint); BIGINT → bigint (a number, or a string beyond 2^53);
 *   BIGINT UNSIGNED → numeric (a decimal string: its top half is beyond PostgreSQL's bigint);
 * - DECIMAL → numeric (exact string); FLOAT/DOUBLE → numeric (the server's text, written out without
 *   an exponent); YEAR → integer;
 * - DATE → date; DATETIME → the server's own text, `YYYY-MM-DD HH:MM:SS` with the fraction digits
 *   it declares (a naive timestamp, read in the job's time zone; loaded as text, what MySQL shows); TIMESTAMP → UTC
 *   (`Z`; the session's time zone is +00:00); a zero date stays as the server sent it, `0000-00-00`,
 *   and the date rules reject it as `zero_date`;
 * - JSON → jsonb as `JsonText` (exact text); BIT(1) → boolean, as the number 0 or 1 (like TINYINT(1));
 *   BIT(n) → text of n binary digits;
 * - BINARY/VARBINARY/BLOB/GEOMETRY → text `\x` + hex (PostgreSQL's bytea text form);
 * - ENUM, SET, TIME → text; CHAR/VARCHAR/TEXT → no declared type (inferred and normalized like a CSV column).
 */
export function columnReader(field: MysqlField): ColumnReader {
  const unsigned = (field.flags & UNSIGNED_FLAG) !== 0;
  switch (field.columnType) {
    case T.TINY:
      // Declared boolean but read as the number: the job may type it as an integer (a status 0–9).
      if (field.columnLength === 1) return reader('boolean', asIs, 'bitValue', true);
      return reader('integer', asIs, 'int4Value', true);
    case T.SHORT:
    case T.INT24:
    case T.YEAR:
      return reader('integer', asIs, 'int4Value', true);
    case T.LONG:
      return unsigned
        ? reader('bigint', asIs, 'integerValue', true)
        : reader('integer', asIs, 'int4Value', true);
    case T.LONGLONG:
      return unsigned
        ? reader('numeric', asIs, 'decimalValue')
        : reader('bigint', bigintValue, 'integerValue');
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return reader('numeric', asIs, 'decimalValue');
    case T.FLOAT:
    case T.DOUBLE:
      return reader('numeric', floatText, 'decimalValue');
    case T.DATE:
    case T.NEWDATE:
      return reader('date', asIs, 'isoDateValue');
    case T.DATETIME:
      // As the server wrote it: the timestamp rules read it; a column loaded as text keeps MySQL's text.
      return reader('timestamptz', asIs, 'naiveTimestampValue');
    case T.TIMESTAMP:
      return reader('timestamptz', utcTimestamp, 'utcTimestampValue');
    case T.JSON:
      return reader('jsonb', jsonText, 'jsonTextValue');
    case T.BIT:
      // BIT(1) goes as COPY text (0 or 1); its field reads back as that number.
      if (field.columnLength === 1) return reader('boolean', bitNumber, 'bitValue', true);
      return reader('text', (v) => bitText(v, field.columnLength));
    case T.TIME:
      return reader('text', asIs, 'text');
    case T.GEOMETRY:
      return reader('text', hexText);
    case T.NULL:
      return reader(null, asIs);
    default:
      if (field.extendedFormat === 'json') return reader('jsonb', jsonText, 'jsonTextValue');
      if (field.characterSet === BINARY_CHARSET) return reader('text', hexText, 'hexBytesValue');
      // ENUM and SET arrive as strings with a flag: text, never inferred (an ENUM of '1','2' stays text).
      if ((field.flags & (ENUM_FLAG | SET_FLAG)) !== 0) return reader('text', asIs, 'text');
      return reader(null, asIs, 'text');
  }
}

function reader(
  type: ColumnType | null,
  read: (value: unknown) => RawValue,
  kind: CopyTextKind | null = null,
  numbers = false,
): ColumnReader {
  return { type, read, kind, numbers };
}
const ENUM_FLAG = 256;
const SET_FLAG = 2048;

/**
 * `information_schema` data types whose values mysql2 reads the same with or without `typeCastField`
 * (which only changes FLOAT/DOUBLE and GEOMETRY). A table of only these columns is read without the
 * per-field callback: mysql2 then calls no function and makes no closure per value (MySQL → PG 1M rows:
 * ~8M closures and calls fewer). Any type not listed (float, double, geometry types, future types) keeps it.
 */
const PLAIN_DATA_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'year',
  'date',
  'datetime',
  'timestamp',
  'time',
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'enum',
  'set',
  'json',
  'bit',
]);

/** Whether a table of columns of these `information_schema` data types needs `typeCastField`. */
export function needsTypeCast(dataTypes: readonly string[]): boolean {
  return dataTypes.some((t) => !PLAIN_DATA_TYPES.has(t.toLowerCase()));
}

/** Whether mysql2 must hand this field over as its text (FLOAT/DOUBLE) or bytes (GEOMETRY). */
export function typeCastField(
  field: { type: string; string(encoding?: string): string | null; buffer(): Buffer | null },
  next: () => unknown,
): unknown {
  if (field.type === 'FLOAT' || field.type === 'DOUBLE') return field.string('ascii');
  if (field.type === 'GEOMETRY') return field.buffer();
  return next();
}

function bigintValue(value: unknown): RawValue {
  if (typeof value !== 'string') return value as RawValue;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function floatText(value: unknown): RawValue {
  return typeof value === 'string' ? plainDecimal(value) : (value as RawValue);
}

/**
 * A number's text without an exponent, digit for digit (`1.5e-7` → `0.00000015`, `2e+30` → `2` and
 * 30 zeros): PostgreSQL's numeric reads it exactly. Text that is not a number is returned as is.
 */
export function plainDecimal(text: string): string {
  const m = /^([+-]?)(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(text);
  if (!m) return text;
  const sign = m[1] === '-' ? '-' : '';
  const digits = `${m[2]}${m[3] ?? ''}`;
  const point = m[2]!.length + Number(m[4]);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return sign + out;
}

/** A TIMESTAMP's text (read in a +00:00 session) as the UTC time it is (exported for tests). */
export function utcTimestamp(value: unknown): RawValue {
  if (typeof value !== 'string') return value as RawValue;
  // A zero TIMESTAMP stays as sent, without a zone, so the date rule names it (zero_date).
  return value.startsWith('0000-00-00') ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`;
}

/** A JSON column's text (or its bytes) as the exact `JsonText` (exported for tests). */
export function jsonText(value: unknown): RawValue {
  if (typeof value === 'string') return new JsonText(value);
  if (Buffer.isBuffer(value)) return new JsonText(value.toString('utf8'));
  return value as RawValue;
}

/**
 * A BIT(1)'s bytes as the number they hold (0 or 1; read back from COPY text it is that number
 * already), so a boolean column reads 0/1 and a column typed as integer keeps it (exported for tests).
 */
export function bitNumber(value: unknown): RawValue {
  if (!Buffer.isBuffer(value)) return value as RawValue;
  let n = 0;
  for (const byte of value) n = n * 256 + byte;
  return n;
}

function bitText(value: unknown, bits: number): RawValue {
  if (!Buffer.isBuffer(value)) return value as RawValue;
  let out = '';
  for (const byte of value) out += byte.toString(2).padStart(8, '0');
  return out.slice(-bits).padStart(bits, '0');
}

/** Bytes as the text `\\x` + hex (exported for tests). */
export function hexText(value: unknown): RawValue {
  return Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : (value as RawValue);
}

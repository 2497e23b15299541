import type { ColumnType, RawValue } from '../../../common/types.ts';

/**
 * The target type of an SQLite column from its declared type, by SQLite's own affinity rules
 * (https://sqlite.org/datatype3.html §3.1) refined by name: BOOLEAN, DATE, DATETIME/TIMESTAMP,
 * JSON and UUID by name; INT… → bigint (SQLite integers are 64-bit; SMALLINT/TINYINT/INT2 →
 * integer); REAL/FLOAT/DOUBLE, NUMERIC/DECIMAL → numeric; BLOB (or no declared type on a table
 * column) → text as hex; character types and expressions → null (inferred from the values, like
 * a CSV column). A value of another storage class is not trusted: the normalizer reads it and
 * rejects it with its reason (text 'abc' in an INTEGER column → invalid_integer).
 */
export function sqliteColumnType(declared: string | null): ColumnType | null {
  if (declared === null) return null;
  const t = declared.toUpperCase();
  if (/\bBOOL/.test(t)) return 'boolean';
  if (/\bDATETIME\b|\bTIMESTAMP\b/.test(t)) return 'timestamptz';
  if (/\bDATE\b/.test(t)) return 'date';
  if (/\bJSONB?\b/.test(t)) return 'jsonb';
  if (/\bUUID\b/.test(t)) return 'uuid';
  if (t.includes('INT')) return /SMALLINT|TINYINT|INT2\b/.test(t) ? 'integer' : 'bigint';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return null;
  if (t === '' || t.includes('BLOB')) return 'text';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'numeric';
  if (t.includes('NUMERIC') || t.includes('DECIMAL')) return 'numeric';
  return null;
}

/**
 * One SQLite value as a raw cell: integers (read as BigInt, never rounded) as numbers when exact,
 * else their digits; reals as numbers; blobs as hex text; text as is.
 */
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function sqliteValue(value: unknown): RawValue {
  if (typeof value === 'bigint') {
    return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
  }
  if (typeof value !== 'object' || value === null) return value as RawValue;
  return Buffer.isBuffer(value) ? value.toString('hex') : (value as RawValue);
}

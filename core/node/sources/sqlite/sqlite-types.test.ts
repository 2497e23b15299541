import { describe, expect, it } from 'vitest';
import { sqliteColumnType, sqliteValue } from './sqlite-types.ts';

describe('SQLite declared types', () => {
  it.each([
    ['INTEGER', 'bigint'],
    ['int', 'bigint'],
    ['BIGINT', 'bigint'],
    ['SMALLINT', 'integer'],
    ['TINYINT', 'integer'],
    ['NUMERIC', 'numeric'],
    ['DECIMAL(10,2)', 'numeric'],
    ['REAL', 'numeric'],
    ['DOUBLE PRECISION', 'numeric'],
    ['BOOLEAN', 'boolean'],
    ['DATE', 'date'],
    ['DATETIME', 'timestamptz'],
    ['TIMESTAMP', 'timestamptz'],
    ['JSON', 'jsonb'],
    ['UUID', 'uuid'],
    ['BLOB', 'text'],
    ['TEXT', null],
    ['VARCHAR(20)', null],
    [null, null],
  ])('%s → %s', (declared, type) => {
    expect(sqliteColumnType(declared)).toBe(type);
  });

  it('keeps integers exact, blobs as hex', () => {
    expect(sqliteValue(42n)).toBe(42);
    expect(sqliteValue(9223372036854775807n)).toBe('9223372036854775807');
    expect(sqliteValue(Buffer.from([0, 255]))).toBe('00ff');
    expect(sqliteValue(1.5)).toBe(1.5);
    expect(sqliteValue('x')).toBe('x');
    expect(sqliteValue(null)).toBeNull();
  });
});

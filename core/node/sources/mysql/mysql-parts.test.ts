import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { utcDateTime } from '../database/watermark-bound.ts';
import { quoteMysqlIdent, splitTableName } from './mysql-identifiers.ts';
import { pushdown } from './mysql-pushdown.ts';
import { parseMysqlUrl, resolveMysqlUrl } from './mysql-url.ts';
import { needsTypeCast, plainDecimal } from './mysql-values.ts';

describe('MySQL URLs', () => {
  it('reads every part, percent-decoded, and the ssl mode by either name', () => {
    expect(parseMysqlUrl('mysql://b%40b:p%3Aw%2F@db.example.com:3307/sh%C3%B6p?ssl-mode=REQUIRED')).toEqual({
      host: 'db.example.com',
      port: 3307,
      database: 'shöp',
      user: 'b@b',
      password: 'p:w/',
      sslMode: 'require',
    });
    expect(parseMysqlUrl('mariadb://h?sslmode=verify-full').sslMode).toBe('verify-full');
    expect(parseMysqlUrl('mysql://[::1]/d').host).toBe('::1');
  });

  it('refuses what it cannot honour, never quoting the password', () => {
    expect(() => parseMysqlUrl('mysql://u:secret@h/d?ssl-mode=PREFERRED')).toThrow(/ssl-mode 'PREFERRED'/);
    expect(() => parseMysqlUrl('mysql://u:secret@h/d?charset=latin1')).toThrow(/unknown parameter 'charset'/);
    try {
      parseMysqlUrl('mysql://u:secret@h/d?x=1');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
      expect((e as Error).message).toContain('mysql://u:***@h/d');
    }
  });

  it('resolves defaults and MYSQL_PWD; the password never shows in JSON or inspect', () => {
    const c = resolveMysqlUrl('mysql://app@db/shop', { MYSQL_PWD: 's3cret' });
    expect(c).toMatchObject({ host: 'db', port: 3306, user: 'app', password: 's3cret', sslMode: 'disable' });
    expect(c.label).toBe('mysql://app@db/shop');
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(inspect(c)).not.toContain('s3cret');
    expect(resolveMysqlUrl('mysql://app:url@db/shop', { MYSQL_PWD: 'env' }).password).toBe('url');
  });
});

describe('MySQL identifiers', () => {
  it('quotes with backticks, doubling a backtick', () => {
    expect(quoteMysqlIdent('or`ders')).toBe('`or``ders`');
  });
  it('splits [schema.]table, backticks allowing dots', () => {
    expect(splitTableName('orders')).toEqual({ table: 'orders' });
    expect(splitTableName('shop.orders')).toEqual({ schema: 'shop', table: 'orders' });
    expect(splitTableName('`my.db`.`a``b`')).toEqual({ schema: 'my.db', table: 'a`b' });
    expect(() => splitTableName('a.b.c')).toThrow(/expected \[schema\.\]table/);
    expect(() => splitTableName('`a')).toThrow(/not closed/);
    expect(() => splitTableName('a.')).toThrow(/empty/);
  });
});

describe('exact numbers and watermark times', () => {
  it('writes a FLOAT/DOUBLE text out without an exponent, digit for digit', () => {
    expect(plainDecimal('1e300')).toBe(`1${'0'.repeat(300)}`);
    expect(plainDecimal('-2.5e-7')).toBe('-0.00000025');
    expect(plainDecimal('1.2345e2')).toBe('123.45');
    expect(plainDecimal('1.5e1')).toBe('15');
    expect(plainDecimal('0.1')).toBe('0.1');
  });
  it('reads a table without the per-field callback only when no column needs it', () => {
    expect(needsTypeCast(['int', 'VARCHAR', 'decimal', 'datetime', 'json', 'bit', 'enum'])).toBe(false);
    for (const t of ['double', 'FLOAT', 'geometry', 'point', 'some_future_type']) {
      expect(needsTypeCast(['int', t])).toBe(true);
    }
  });
  it('reads the target watermark text in UTC, any offset', () => {
    expect(utcDateTime('2024-01-01 00:00:03.5+00')).toBe('2024-01-01 00:00:03.5');
    expect(utcDateTime('2024-01-01T01:30:00+05:30')).toBe('2023-12-31 20:00:00');
    expect(utcDateTime('2024-01-01T00:00:00Z')).toBe('2024-01-01 00:00:00');
    expect(utcDateTime('2024-01-01')).toBeUndefined();
  });
});

describe('watermark pushdown', () => {
  const cols = [
    { name: 'id', dataType: 'bigint' },
    { name: 'amount', dataType: 'decimal' },
    { name: 'day', dataType: 'date' },
    { name: 'at', dataType: 'timestamp' },
    { name: 'local', dataType: 'datetime' },
    { name: 'name', dataType: 'varchar' },
  ];
  it('compares numbers exactly, timestamps in UTC, naive times 15 hours wide, never text; NULL rows too', () => {
    expect(pushdown(cols, 'id', '9007199254740995')).toEqual({
      where: '(`id` >= CAST(? AS DECIMAL(65,0)) OR `id` IS NULL)',
      value: '9007199254740995',
    });
    expect(pushdown(cols, 'amount', '12.5')?.where).toBe(
      '(`amount` >= CAST(? AS DECIMAL(65,30)) OR `amount` IS NULL)',
    );
    expect(pushdown(cols, 'day', '2024-03-05')).toEqual({
      where: '(`day` >= ? OR `day` IS NULL)',
      value: '2024-03-05',
    });
    expect(pushdown(cols, 'at', '2024-03-05 10:00:00+02')).toEqual({
      where: '(`at` >= ? OR `at` IS NULL)',
      value: '2024-03-05 08:00:00',
    });
    expect(pushdown(cols, 'local', '2024-03-05T10:00:00Z')?.where).toBe(
      '(`local` > CAST(? AS DATETIME(6)) - INTERVAL 15 HOUR OR `local` IS NULL)',
    );
    expect(pushdown(cols, 'name', 'abc')).toBeUndefined();
    expect(pushdown(cols, 'id', '1e5')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { connectionUrl, fieldsFromUrl, fieldsOf, urlText } from './connection-url.ts';

const saved = {
  name: 'warehouse',
  kind: 'postgres' as const,
  host: 'db.example.com',
  port: 6432,
  database: 'sales',
  user: 'bob',
  sslMode: 'require',
  hasSecret: true,
  builtIn: false,
};

describe('connectionUrl', () => {
  it('shows a saved connection as its URL, never with a password', () => {
    expect(connectionUrl(fieldsOf(saved))).toBe('postgres://bob@db.example.com:6432/sales?sslmode=require');
    expect(connectionUrl({ ...fieldsOf(saved), kind: 'mysql', port: '3306', sslMode: 'disable' })).toBe(
      'mysql://bob@db.example.com:3306/sales?sslmode=disable',
    );
  });

  it('percent-encodes what a URL cannot hold as is, and brackets an IPv6 host', () => {
    expect(
      connectionUrl({ ...fieldsOf(saved), user: 'a@b', database: 'x/y é', host: '::1', sslMode: '' }),
    ).toBe('postgres://a%40b@[::1]:6432/x%2Fy%20%C3%A9');
  });
});

describe('fieldsFromUrl', () => {
  it('reads back what connectionUrl writes', () => {
    for (const c of [
      fieldsOf(saved),
      { ...fieldsOf(saved), user: 'a@b', database: 'x/y é', host: '::1' },
      { ...fieldsOf(saved), kind: 'mysql' as const, port: '3306', sslMode: 'verify-full' },
      { ...fieldsOf(saved), port: '80' },
    ]) {
      expect(fieldsFromUrl(connectionUrl(c))).toEqual({ fields: c, password: '' });
    }
  });

  it('takes a typed password apart, for the password box', () => {
    expect(fieldsFromUrl('postgresql://bob:p%40ss@h/db')).toEqual({
      fields: { kind: 'postgres', host: 'h', port: '5432', database: 'db', user: 'bob', sslMode: 'prefer' },
      password: 'p@ss',
    });
    expect(fieldsFromUrl('mariadb://root@h?ssl-mode=REQUIRED')?.fields).toMatchObject({
      kind: 'mysql',
      port: '3306',
      sslMode: 'require',
    });
  });

  it('gives null for what is not a URL the form can read', () => {
    expect(fieldsFromUrl('')).toBeNull();
    expect(fieldsFromUrl('http://h/db')).toBeNull();
    expect(fieldsFromUrl('postgres://h:99999999/db')).toBeNull();
  });
});

describe('urlText', () => {
  it('names an empty or foreign URL by its control', () => {
    expect(urlText('  ')).toMatch(/^URL: enter/);
    expect(urlText('localhost:5432')).toMatch(/^URL: start it with postgres:\/\//);
    expect(urlText('postgres://h/db')).toBeNull();
    expect(urlText('MySQL://h/db')).toBeNull();
  });
});

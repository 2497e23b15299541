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
  options: {},
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

  it("writes a PostgreSQL connection's options in the engine's order, percent-encoded; a MySQL one takes none", () => {
    const options = {
      sslRootCert: '/etc/ssl/ca 1.pem',
      applicationName: 'etl+nightly',
      connectTimeoutSeconds: 7,
    };
    const withOptions = fieldsOf({ ...saved, sslMode: 'verify-full', options });
    expect(connectionUrl(withOptions)).toBe(
      'postgres://bob@db.example.com:6432/sales?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fca%201.pem&application_name=etl%2Bnightly&connect_timeout=7',
    );
    expect(connectionUrl({ ...withOptions, kind: 'mysql', port: '3306' })).toBe(
      'mysql://bob@db.example.com:3306/sales?sslmode=verify-full',
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
      fieldsOf({
        ...saved,
        sslMode: 'verify-ca',
        options: { sslRootCert: 'C:\\certs\\ca#1.pem', applicationName: 'a b+c', connectTimeoutSeconds: 0 },
      }),
    ]) {
      expect(fieldsFromUrl(connectionUrl(c))).toEqual({ fields: c, password: '' });
    }
  });

  it('takes a typed password apart, for the password box', () => {
    expect(fieldsFromUrl('postgresql://bob:p%40ss@h/db')).toEqual({
      fields: {
        kind: 'postgres',
        host: 'h',
        port: '5432',
        database: 'db',
        user: 'bob',
        sslMode: 'prefer',
        sslRootCert: '',
        applicationName: '',
        connectTimeout: '',
      },
      password: 'p@ss',
    });
    expect(fieldsFromUrl('mariadb://root@h?ssl-mode=REQUIRED')?.fields).toMatchObject({
      kind: 'mysql',
      port: '3306',
      sslMode: 'require',
    });
  });

  it("reads a typed URL's options as the engine does (a '+' stays a '+')", () => {
    expect(
      fieldsFromUrl(
        'postgres://bob:a%3Fb@h/db?sslmode=require&application_name=x+y&sslrootcert=%2Fca.pem&connect_timeout=9',
      )?.fields,
    ).toMatchObject({
      sslMode: 'require',
      applicationName: 'x+y',
      sslRootCert: '/ca.pem',
      connectTimeout: '9',
    });
    expect(fieldsFromUrl('mysql://root@h/db?application_name=x')?.fields.applicationName).toBe('');
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

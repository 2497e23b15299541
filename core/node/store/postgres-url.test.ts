import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import {
  formatPostgresUrl,
  isPostgresUrl,
  parsePostgresUrl,
  redactSecrets,
  redactUrl,
  sslOptionFor,
} from './postgres-url.ts';

describe('parsePostgresUrl', () => {
  it('reads every part, percent-decoded', () => {
    const p = parsePostgresUrl(
      'postgresql://b%C3%B8b:p%40ss%2Fw%3Ard@db.example.com:6543/sales%20db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=loadstone&connect_timeout=7',
    );
    expect(p).toEqual({
      host: 'db.example.com',
      port: 6543,
      database: 'sales db',
      user: 'bøb',
      password: 'p@ss/w:rd',
      sslMode: 'verify-full',
      sslRootCert: '/etc/ca.pem',
      applicationName: 'loadstone',
      connectTimeoutSeconds: 7,
    });
  });

  it('leaves absent parts undefined and accepts both schemes', () => {
    expect(parsePostgresUrl('postgres://')).toMatchObject({
      host: undefined,
      port: undefined,
      user: undefined,
    });
    expect(parsePostgresUrl('POSTGRES://h/db')).toMatchObject({ host: 'h', database: 'db' });
    expect(parsePostgresUrl('postgres://u@h')).toMatchObject({ user: 'u', password: undefined });
    expect(parsePostgresUrl('postgres://u:@h')).toMatchObject({ user: 'u', password: '' });
  });

  it('reads IPv6 hosts, socket folders and libpq query overrides', () => {
    expect(parsePostgresUrl('postgres://[::1]:5433/db')).toMatchObject({ host: '::1', port: 5433 });
    expect(parsePostgresUrl('postgres://%2Fvar%2Frun%2Fpostgresql/db')).toMatchObject({
      host: '/var/run/postgresql',
    });
    expect(parsePostgresUrl('postgres:///db?host=/tmp&port=5444&user=me&dbname=other')).toMatchObject({
      host: '/tmp',
      port: 5444,
      user: 'me',
      database: 'other',
    });
  });

  it.each([
    ['mysql://h/db', 'expected postgres://'],
    ['postgres://h:99999/db', "port '99999'"],
    ['postgres://h:abc/db', "port 'abc'"],
    ['postgres://h/db?sslmode=maybe', "sslmode 'maybe'"],
    ['postgres://h/db?ssl=true', "unsupported query parameter 'ssl'"],
    ['postgres://h1,h2/db', 'several hosts'],
    ['postgres://u:%zz@h/db', 'bad percent-encoding in the password'],
    ['postgres://h/db?connect_timeout=soon', 'connect_timeout'],
  ])('refuses %s', (url, why) => {
    expect(() => parsePostgresUrl(url)).toThrowError(why);
  });

  it('never puts the password in its error messages', () => {
    for (const url of [
      'postgres://u:hunter2@h:bad/db',
      'postgres://u:hun/ter2@h/db',
      'postgres://u:hunter2@h/db?x=1',
    ]) {
      try {
        parsePostgresUrl(url);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(LoadstoneError);
        expect((error as LoadstoneError).code).toBe('BAD_USAGE');
        expect((error as Error).message).not.toMatch(/hunter|ter2/);
      }
    }
  });

  it('hints at encoding when a / in the password cut the URL short', () => {
    expect(() => parsePostgresUrl('postgres://u:pa/ss@h/db')).toThrowError('%2F');
  });

  it('reads a password holding unencoded @, #, ? and : up to the last @ before the host, as libpq does', () => {
    expect(parsePostgresUrl('postgres://u:Hunter2#horse@db.example:5433/sales')).toMatchObject({
      user: 'u',
      password: 'Hunter2#horse',
      host: 'db.example',
      port: 5433,
      database: 'sales',
    });
    expect(parsePostgresUrl('postgres://u:a@horse#b@h/db')).toMatchObject({
      password: 'a@horse#b',
      host: 'h',
    });
    expect(parsePostgresUrl('postgres://u:wh?at:x@h?sslmode=require')).toMatchObject({
      password: 'wh?at:x',
      host: 'h',
      sslMode: 'require',
    });
    expect(parsePostgresUrl('postgresql://u:p#w@[::1]:6000')).toMatchObject({ password: 'p#w', host: '::1' });
    // libpq has no fragments: '#' is a character like any other.
    expect(parsePostgresUrl('postgres://h/db?password=Qxv#Zyw')).toMatchObject({ password: 'Qxv#Zyw' });
    expect(parsePostgresUrl('postgres://h/d#b')).toMatchObject({ host: 'h', database: 'd#b' });
    expect(redactUrl('postgres://h/db?password=Qxv#Zyw&sslmode=require')).toBe(
      'postgres://h/db?password=***&sslmode=require',
    );
    // What the browser-style reading got wrong: the host tried is the host shown.
    expect(redactUrl('postgres://u:a@horse#b@h/db')).toBe('postgres://u:***@h/db');
  });

  it.each([
    // A '/' in the password: the rest of it would read as a path, a query or another host.
    ['postgres://u:Qxv/Zyw@h/db', "'/' in a password as %2F"],
    ['postgres://u:Qxv/Zyw?Wkj@h:5432/db', "'/' in a password as %2F"],
    ['postgres://u:Qxv@Zyw/Wkj@h/db', "'/' in a password as %2F"],
    // An '@' in a parameter is ambiguous the same way.
    ['postgres://h/db?application_name=me@host', "'@' in a database name or parameter as %40"],
  ])('refuses %s, saying what to percent-encode, without any piece of the password', (url, why) => {
    try {
      parsePostgresUrl(url);
      expect.unreachable();
    } catch (error) {
      expect((error as LoadstoneError).code).toBe('BAD_USAGE');
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).not.toMatch(/Qx|Zy|Wk/);
    }
  });

  it('never echoes a piece of a password in any error (property)', () => {
    const secretChars = fc.constantFrom(...'Zq9#@?/:!%'.split(''));
    fc.assert(
      fc.property(
        fc.array(secretChars, { minLength: 1, maxLength: 12 }).map((a) => `Zq${a.join('')}`),
        fc.constantFrom('h', 'h:5432', 'h:bad', '[::1]', 'h,i'),
        fc.constantFrom('', '/db', '/db?sslmode=maybe', '/db?x=1', '?connect_timeout=soon'),
        (password, hostPort, tail) => {
          try {
            parsePostgresUrl(`postgres://u:${password}@${hostPort}${tail}`);
          } catch (error) {
            // The marker 'Zq' starts every password and appears nowhere else.
            expect((error as Error).message).not.toContain('Zq');
          }
        },
      ),
    );
  });
});

describe('redactUrl / redactSecrets', () => {
  it.each([
    ['postgres://u:secret@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgres://u:p@ss@h/db', 'postgres://u:***@h/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['postgres://h/db?password=secret&sslmode=require', 'postgres://h/db?password=***&sslmode=require'],
    ['warehouse', 'warehouse'],
    ["host=h password='se cret' user=u", 'host=h password=*** user=u'],
  ])('redactUrl(%s)', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('redacts URLs inside free text and keeps JSON valid', () => {
    const text =
      'failed to reach postgres://u:secret@h/db (retrying) and {"url":"postgresql://a:b@c/d","x":"password=zz"}';
    const out = redactSecrets(text);
    expect(out).not.toMatch(/secret|:b@|zz/);
    expect(out).toContain('postgres://u:***@h/db');
    const json = JSON.stringify({ url: 'postgres://u:p@h/db', note: 'password=hunter2', other: 'x@y' });
    expect(JSON.parse(redactSecrets(json))).toEqual({
      url: 'postgres://u:***@h/db',
      note: 'password=***',
      other: 'x@y',
    });
  });
});

describe('formatPostgresUrl', () => {
  it('round-trips through the parser without any password', () => {
    const parts = parsePostgresUrl(
      'postgres://us%20er:pw@h%C3%A9:5433/d%2Fb?sslmode=require&application_name=a%26b',
    );
    const { password: _password, ...rest } = parts;
    const url = formatPostgresUrl(rest);
    expect(url).not.toContain('pw');
    expect(parsePostgresUrl(url)).toEqual({ ...parts, password: undefined });
    expect(isPostgresUrl(url)).toBe(true);
  });
});

describe('sslOptionFor', () => {
  const ca = () => Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  it('maps libpq modes to pg options', () => {
    expect(sslOptionFor(undefined, undefined)).toBe(false);
    expect(sslOptionFor('disable', undefined)).toBe(false);
    expect(sslOptionFor('prefer', undefined)).toBe(false);
    expect(sslOptionFor('require', undefined)).toEqual({ rejectUnauthorized: false });
    expect(sslOptionFor('verify-full', undefined)).toEqual({ rejectUnauthorized: true });
    expect(sslOptionFor('verify-full', '/ca.pem', ca)).toEqual({
      rejectUnauthorized: true,
      ca: ca().toString(),
    });
    expect(sslOptionFor('verify-full', 'system', ca)).toEqual({ rejectUnauthorized: true });
    const verifyCa = sslOptionFor('verify-ca', '/ca.pem', ca);
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: ca().toString() });
    if (!verifyCa) throw new Error('verify-ca must use TLS');
    expect(verifyCa.checkServerIdentity?.('other-host', {} as never)).toBeUndefined();
    // libpq: require with a root certificate verifies the chain.
    expect(sslOptionFor('require', '/ca.pem', ca)).toMatchObject({ rejectUnauthorized: true });
  });

  it('names an unreadable sslrootcert file', () => {
    expect(() => sslOptionFor('verify-full', '/nope/ca.pem')).toThrowError("sslrootcert file '/nope/ca.pem'");
  });
});

import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './scrub.ts';

describe('scrubSecrets', () => {
  it('hides URL passwords but keeps the user and host', () => {
    expect(scrubSecrets('cannot connect to postgres://bob:s3cr%40t@db.example:5432/x')).toBe(
      'cannot connect to postgres://bob:***@db.example:5432/x',
    );
    expect(scrubSecrets('postgresql://bob@host/db')).toBe('postgresql://bob@host/db');
  });

  it('hides a URL password holding @, #, ? or / whole, never in part', () => {
    for (const password of ['Hunter2#horse', 'a@horse#b', 'wh?at', 'Hun/ter2']) {
      const out = scrubSecrets(`cannot connect to postgres://bob:${password}@db.example/x: refused`);
      expect(out).toBe('cannot connect to postgres://bob:***@db.example/x: refused');
    }
  });

  it('hides key=value, JSON and header secrets', () => {
    expect(scrubSecrets('host=x password=hunter22 user=bob')).toBe('host=x password=*** user=bob');
    expect(scrubSecrets('{"password":"abc123","user":"x"}')).toBe('{"password":"***","user":"x"}');
    expect(scrubSecrets('Authorization: Bearer abcdefghijkl')).not.toContain('abcdefghijkl');
    expect(scrubSecrets('?token=AbC-_123&x=1')).toBe('?token=***&x=1');
    expect(scrubSecrets("host=db password='a b c' user=x")).toBe('host=db password=*** user=x');
    expect(scrubSecrets('Authorization: Basic dXNlcjpwdw==')).toBe('Authorization: ***');
  });

  it('hides prefixed secret names: client_secret, access_token, PGPASSWORD, x-api-key…', () => {
    expect(scrubSecrets('body client_secret=abc123&grant_type=client_credentials')).toBe(
      'body client_secret=***&grant_type=client_credentials',
    );
    expect(scrubSecrets('{"access_token": "eyJhbGci.x.y", "expires_in": 3600}')).toBe(
      '{"access_token": "***", "expires_in": 3600}',
    );
    expect(scrubSecrets('{"refresh_token":"r-123","token_type":"bearer"}')).toBe(
      '{"refresh_token":"***","token_type":"bearer"}',
    );
    expect(scrubSecrets('env PGPASSWORD=hunter22 psql')).toBe('env PGPASSWORD=*** psql');
    expect(scrubSecrets('db_password=hunter22 sslpassword=k3y')).toBe('db_password=*** sslpassword=***');
    expect(scrubSecrets('request headers: x-api-key: abcd1234, accept: json')).toBe(
      'request headers: x-api-key: *** accept: json',
    );
    expect(scrubSecrets('PRIVATE-TOKEN: glpat-xyz')).toBe('PRIVATE-TOKEN: ***');
    // Words that merely contain a name stay as they are.
    for (const prose of [
      'bypass=1',
      'tokens=3',
      'the token: expired',
      'compass=north',
      'password authentication failed',
    ]) {
      expect(scrubSecrets(prose)).toBe(prose);
    }
  });

  it('hides known secret values wherever they appear, and leaves ordinary text alone', () => {
    expect(scrubSecrets('server said: bad word hunter22!', ['hunter22'])).toBe('server said: bad word ***!');
    expect(scrubSecrets('password authentication failed for user "bob"')).toBe(
      'password authentication failed for user "bob"',
    );
    // A connection named after a password is prose, not a key/value pair.
    expect(scrubSecrets('cannot connect to wrong-password: password authentication failed')).toBe(
      'cannot connect to wrong-password: password authentication failed',
    );
  });
});

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

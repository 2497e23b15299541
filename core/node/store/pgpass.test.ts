import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPgpassPath, lookupPgpass, matchPgpass, splitPgpassLine } from './pgpass.ts';
import { tempDir } from './test-fixtures/support.ts';

const q = { host: 'db.example.com', port: 5432, database: 'sales', user: 'bob' };

describe('pgpass', () => {
  it('takes the first matching line, with * wildcards', () => {
    const text = [
      '# comment',
      'other.host:5432:sales:bob:wrong',
      'db.example.com:5432:sales:alice:wrong',
      'db.example.com:*:sales:bob:first',
      '*:*:*:*:fallback',
    ].join('\n');
    expect(matchPgpass(text, q)).toBe('first');
    expect(matchPgpass(text, { ...q, user: 'carol' })).toBe('fallback');
    expect(matchPgpass('db.example.com:5433:sales:bob:x\n', q)).toBeUndefined();
  });

  it('undoes \\: and \\\\ escapes, keeps colons in the password field, tolerates CRLF', () => {
    expect(splitPgpassLine('h\\:x:5432:d:u:pa:ss\\\\w\\:d')).toEqual(['h:x', '5432', 'd', 'u', 'pa:ss\\w:d']);
    expect(matchPgpass('db.example.com:5432:sales:bob:s3:cr\\:et\r\n', q)).toBe('s3:cr:et');
    expect(splitPgpassLine('too:few:fields')).toBeUndefined();
  });

  it('matches socket connections as localhost, as libpq does', () => {
    expect(matchPgpass('localhost:5432:sales:bob:sock', { ...q, host: '/var/run/postgresql' })).toBe('sock');
  });

  it('reads a 0600 file and ignores (with a warning) one readable by group or others', () => {
    const dir = tempDir();
    const file = path.join(dir, '.pgpass');
    fs.writeFileSync(file, 'db.example.com:5432:sales:bob:fromfile\n', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    const warnings: string[] = [];
    expect(lookupPgpass(file, q, { platform: 'linux', onWarning: (m) => warnings.push(m) })).toBe('fromfile');
    fs.chmodSync(file, 0o644);
    expect(lookupPgpass(file, q, { platform: 'linux', onWarning: (m) => warnings.push(m) })).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('has group or world access and is ignored')]);
    // Windows has no such mode bits: libpq does not check there.
    expect(lookupPgpass(file, q, { platform: 'win32' })).toBe('fromfile');
    expect(lookupPgpass(path.join(dir, 'missing'), q)).toBeUndefined();
  });

  it('finds the file where libpq does', () => {
    expect(defaultPgpassPath({ PGPASSFILE: '/x/pass' }, '/home/u', 'linux')).toBe('/x/pass');
    expect(defaultPgpassPath({}, '/home/u', 'linux')).toBe('/home/u/.pgpass');
    expect(defaultPgpassPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u', 'win32')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\postgresql\\pgpass.conf',
    );
  });
});

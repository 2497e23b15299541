import { describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../pg/cluster.ts';
import { openSource } from '../open-source.ts';
import { mysqlTestBed } from './test-bed.ts';

// A source that cannot be connected to says why in words, as a PostgreSQL connection does, then the
// driver's or server's own message; before, it said only `cannot connect (ECONNREFUSED)` or
// `cannot connect (ENOTFOUND)`, and a login without a password did not say to set MYSQL_PWD.

const bed = await mysqlTestBed('connect_errors');

/** The error opening `url` gives, with MYSQL_PWD unset (the URL's password, if any, is the only one). */
async function failure(url: string): Promise<{ code?: string; message: string }> {
  const saved = process.env.MYSQL_PWD;
  delete process.env.MYSQL_PWD;
  try {
    const source = await openSource({ kind: 'mysql', connection: url, table: 't' });
    await source.close();
    throw new Error(`${url} opened`);
  } catch (error) {
    return error as { code?: string; message: string };
  } finally {
    if (saved !== undefined) process.env.MYSQL_PWD = saved;
  }
}

describe.skipIf(bed.server === null)('MySQL source connection failures in words (real MariaDB)', () => {
  it('nothing listening, an unknown host name: what to check, then the driver message', async () => {
    const port = await freeLoopbackPort();
    const refused = await failure(`mysql://app@127.0.0.1:${port}/shop`);
    expect(refused.code).toBe('SOURCE_UNREACHABLE');
    expect(refused.message).toBe(
      `mysql mysql://app@127.0.0.1:${port}/shop table t: nothing is listening on 127.0.0.1:${port} — ` +
        `is the server running, and is that its port? (connect ECONNREFUSED 127.0.0.1:${port})`,
    );
    const unknown = await failure('mysql://app@no-such-host.invalid/shop');
    expect(unknown.code).toBe('SOURCE_UNREACHABLE');
    expect(unknown.message).toMatch(
      /^mysql mysql:\/\/app@no-such-host\.invalid\/shop table t: the host name 'no-such-host\.invalid' (is not known \(DNS found no such host\)|could not be looked up \(DNS did not answer\))/,
    );
  });

  it('a wrong password, no password, an unknown database: which, never the password', async () => {
    const good = new URL(bed.myUrl);
    const wrong = new URL(good);
    wrong.password = 'wrong-secret-123';
    const refused = await failure(wrong.toString());
    expect(refused.code).toBe('SOURCE_UNREACHABLE');
    expect(refused.message).toMatch(
      /: the server refused the login of user 'loadstone' — check the password \(saved, or MYSQL_PWD\), and that this user may connect from this host \(Access denied for user 'loadstone'@'127\.0\.0\.1' \(using password: YES\)\)$/,
    );
    expect(refused.message).not.toContain('wrong-secret-123');

    const bare = new URL(good);
    bare.password = '';
    const none = await failure(bare.toString());
    expect(none.code).toBe('SOURCE_UNREACHABLE');
    expect(none.message).toMatch(
      /: the server refused the login of user 'loadstone' without a password — set MYSQL_PWD \(the CLI\) or save the password with the connection \(the app\) \(Access denied .*using password: NO\)\)$/,
    );

    const missing = new URL(good);
    missing.pathname = '/no_such_db';
    const database = await failure(missing.toString());
    expect(database.code).toBe('SOURCE_UNREACHABLE');
    expect(database.message).toMatch(
      /\/no_such_db table t: the server refused the login or database: it has no database 'no_such_db' — check the database name \(Unknown database 'no_such_db'\)$/,
    );
    expect(database.message).not.toContain(decodeURIComponent(good.password));
  });
});

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { EXIT } from './exit-codes.ts';
import { runCli } from './test-support.ts';

function cli(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  // PGPASSFILE points nowhere unless a test sets it: the developer's own ~/.pgpass stays out.
  return runCli(args, { cwd: dir, dataDir: dir, env: { PGPASSFILE: path.join(dir, 'no-pgpass'), ...env } });
}

/** The shared test server, split into a URL without password and the password. */
function server(): { url: string; password: string; host: string; port: string } {
  const u = new URL(inject('pgUrl'));
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), password, host: u.hostname, port: u.port };
}

describe('loadstone connections', () => {
  it('adds, lists, removes; refuses a password it cannot encrypt', async () => {
    const dir = tempDir();
    const added = await cli(dir, [
      'connections',
      'add',
      'wh',
      'postgresql://bob@db.example.com:6543/sales?sslmode=require',
    ]);
    expect(added).toMatchObject({ code: EXIT.ok, err: '' });
    expect(added.out).toBe(
      "Saved connection 'wh': postgres://bob@db.example.com:6543/sales?sslmode=require\n",
    );

    const withPassword = await cli(dir, [
      'connections',
      'add',
      'pw',
      'postgres://bob:hunter2@db.example.com/sales',
    ]);
    expect(withPassword.code).toBe(EXIT.failure);
    expect(withPassword.err).toContain('never stores passwords in plain text');
    expect(withPassword.err).toContain('PGPASSWORD');
    expect(withPassword.err).not.toContain('hunter2');

    const dup = await cli(dir, ['connections', 'add', 'wh', 'postgres://other/db']);
    expect(dup.code).toBe(EXIT.usage);
    expect(dup.err).toContain("a connection named 'wh' already exists");
    expect((await cli(dir, ['connections', 'add', 'wh', 'postgres://other/db', '--replace'])).code).toBe(
      EXIT.ok,
    );
    expect((await cli(dir, ['connections', 'add', 'local', 'postgres://other/db'])).err).toContain(
      "'local' is reserved",
    );
    expect((await cli(dir, ['connections', 'add', 'x', 'not-a-url'])).code).toBe(EXIT.usage);

    const list = await cli(dir, ['connections', 'list']);
    expect(list.out.split('\n')[0]).toMatch(/^name\s+url\s+ssl\s+password$/);
    expect(list.out).toMatch(/local\s+\(built-in embedded warehouse/);
    expect(list.out).toMatch(/wh\s+postgres:\/\/other:5432\/db\s+prefer/);
    const json = JSON.parse((await cli(dir, ['connections', 'list', '--json'])).out);
    expect(json).toMatchObject([
      { name: 'wh', host: 'other', hasSecret: false, url: 'postgres://other:5432/db' },
    ]);

    expect(await cli(dir, ['connections', 'remove', 'wh'])).toMatchObject({
      code: EXIT.ok,
      out: "Removed connection 'wh'\n",
    });
    const again = await cli(dir, ['connections', 'remove', 'wh']);
    expect(again.code).toBe(EXIT.usage);
    expect(again.err).toContain("no saved connection named 'wh'");
    expect((await cli(dir, ['connections'])).code).toBe(EXIT.usage);
    expect((await cli(dir, ['connections', 'frobnicate'])).err).toContain(
      "unknown connections subcommand 'frobnicate'",
    );
  });

  it('lists a secret saved by the desktop app as saved, never showing it', async () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    store.connections.save({ name: 'app', url: 'postgres://u@h/db', password: 'hunter2' });
    store.close();
    const list = await cli(dir, ['connections', 'list', '--json']);
    expect(JSON.parse(list.out)[0]).toMatchObject({ name: 'app', hasSecret: true });
    expect(list.out).not.toContain('hunter2');
  });

  it('test: prints the server version, with the password from PGPASSWORD, ~/.pgpass or the URL', async () => {
    const dir = tempDir();
    const pg = server();
    expect((await cli(dir, ['connections', 'add', 'test-pg', pg.url])).code).toBe(EXIT.ok);

    const viaEnv = await cli(dir, ['connections', 'test', 'test-pg'], { PGPASSWORD: pg.password });
    expect(viaEnv).toMatchObject({ code: EXIT.ok, err: '' });
    expect(viaEnv.out).toMatch(/^PostgreSQL \d+(\.\d+)?\S*, not encrypted\n$/);

    const pgpass = path.join(dir, 'pgpass');
    fs.writeFileSync(pgpass, `${pg.host}:${pg.port}:*:postgres:${pg.password.replace(/[:\\]/g, '\\$&')}\n`, {
      mode: 0o600,
    });
    fs.chmodSync(pgpass, 0o600);
    expect((await cli(dir, ['connections', 'test', 'test-pg'], { PGPASSFILE: pgpass })).code).toBe(EXIT.ok);
    // A pgpass readable by others is ignored, and the CLI says so.
    fs.chmodSync(pgpass, 0o644);
    const ignored = await cli(dir, ['connections', 'test', 'test-pg'], { PGPASSFILE: pgpass });
    expect(ignored.err).toContain('has group or world access and is ignored');
    expect(ignored.code).toBe(EXIT.target);

    expect((await cli(dir, ['connections', 'test', inject('pgUrl')])).out).toMatch(/^PostgreSQL /);
  });

  it("test: the server's error, exit 4, no password in the output", async () => {
    const dir = tempDir();
    const pg = server();
    await cli(dir, ['connections', 'add', 'test-pg', pg.url]);
    const wrong = await cli(dir, ['connections', 'test', 'test-pg'], { PGPASSWORD: 'wrong-password-123' });
    expect(wrong.code).toBe(EXIT.target);
    expect(wrong.out).toBe('');
    // In words first, then the server's own message.
    expect(wrong.err).toMatch(
      /^loadstone: cannot connect to test-pg: the server refused the password for user 'postgres' — check the password \(saved, PGPASSWORD or ~\/\.pgpass\) \(password authentication failed for user "postgres"\)\n$/,
    );
    expect(wrong.err).not.toContain('wrong-password-123');

    // A port where nothing listens.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const refused = await cli(dir, ['connections', 'test', `postgres://u:topsecret@127.0.0.1:${port}/db`]);
    expect(refused.code).toBe(EXIT.target);
    expect(refused.err).toContain(`nothing is listening on 127.0.0.1:${port} — is the server running`);
    expect(refused.err).toContain('ECONNREFUSED');
    expect(refused.err).toContain('postgres://u:***@127.0.0.1');
    expect(refused.err).not.toContain('topsecret');

    const unknown = await cli(dir, ['connections', 'test', 'nope']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.err).toContain("no saved connection named 'nope'");
    // A source's connection may also be a MySQL URL: the message says so.
    expect(unknown.err).toContain("or a URL: postgres:// (a source's may also be mysql://)");
    expect((await cli(dir, ['connections', 'test', 'local'])).code).toBe(EXIT.usage);
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { giveToServerUser, serverRunAs } from '../pg/server-user.ts';
import { startTestServer, type TestServer } from '../pg/test-server.ts';
import { tempDir } from '../store/test-fixtures/support.ts';
import { EXIT } from './exit-codes.ts';
import { runCli } from './test-support.ts';

/**
 * TLS to PostgreSQL, end to end: an embedded server of its own (never an external one: its TLS
 * settings and pg_hba.conf are changed here) with a certificate signed by a test CA, for the host
 * name `db.example.com` only, so connecting to 127.0.0.1 shows whether the host name is checked.
 * Certificates are made with the openssl command (.ci/run installs it when missing).
 */
let server: TestServer;
let dir: string;
let url: URL;
let password: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate it signs (for db.example.com), and an unrelated CA. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=Loadstone Test CA',
    ...ca,
  );
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'other.key',
    '-out',
    'other-ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=Other CA',
    ...ca,
  );
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=db.example.com');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:db.example.com\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
}

/** Runs one statement as the superuser, over TLS once `tls` (pg_hba.conf may refuse plain connections). */
async function adminQuery(sql: string, tls = false): Promise<pg.QueryResult> {
  const client = new pg.Client({
    connectionString: url.toString(),
    ssl: tls ? { rejectUnauthorized: false } : false,
  });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The server's URL with the given libpq query parameters (the password stays in the URL). */
function target(params: Record<string, string>): string {
  const u = new URL(url.toString());
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function cli(args: string[]) {
  return runCli(args, {
    cwd: dir,
    dataDir: path.join(dir, 'data'),
    env: { PGPASSFILE: path.join(dir, 'no-pgpass') },
  });
}

beforeAll(async () => {
  dir = tempDir();
  makeCertificates();
  // The server runs as the `postgres` user when we are root: it must read its key and certificate.
  const runAs = serverRunAs();
  giveToServerUser(dir, runAs);
  for (const f of ['server.key', 'server.crt']) giveToServerUser(path.join(dir, f), runAs);
  fs.chmodSync(path.join(dir, 'server.key'), 0o600);
  server = await startTestServer({ env: {} });
  url = new URL(server.url);
  password = decodeURIComponent(url.password);
  await adminQuery('ALTER SYSTEM SET ssl = on');
  await adminQuery(`ALTER SYSTEM SET ssl_cert_file = '${path.join(dir, 'server.crt')}'`);
  await adminQuery(`ALTER SYSTEM SET ssl_key_file = '${path.join(dir, 'server.key')}'`);
  await adminQuery('SELECT pg_reload_conf()');
  // A reload is asynchronous: wait until new connections see TLS on.
  for (let i = 0; i < 100; i++) {
    if ((await adminQuery('SHOW ssl')).rows[0].ssl === 'on') break;
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('TLS to PostgreSQL', () => {
  it('sslmode=require encrypts without checking the certificate; disable does not encrypt', async () => {
    const required = await cli(['connections', 'test', target({ sslmode: 'require' })]);
    expect(required).toMatchObject({ code: EXIT.ok, err: '' });
    expect(required.out).toMatch(/^PostgreSQL \S+, encrypted \(TLSv1\.[23]\)\n$/);
    const plain = await cli(['connections', 'test', target({ sslmode: 'disable' })]);
    expect(plain.out).toMatch(/, not encrypted\n$/);
  });

  it('verify-ca checks the chain against sslrootcert; verify-full checks the host name too', async () => {
    const ca = path.join(dir, 'ca.crt');
    const other = path.join(dir, 'other-ca.crt');
    // Signed by our CA, for db.example.com: the chain is good, the host name (127.0.0.1) is not.
    expect(
      (await cli(['connections', 'test', target({ sslmode: 'verify-ca', sslrootcert: ca })])).out,
    ).toMatch(/encrypted/);
    expect((await cli(['connections', 'test', target({ sslmode: 'require', sslrootcert: ca })])).code).toBe(
      EXIT.ok,
    );
    const wrongHost = await cli(['connections', 'test', target({ sslmode: 'verify-full', sslrootcert: ca })]);
    expect(wrongHost.code).toBe(EXIT.target);
    expect(wrongHost.err).toMatch(/cannot connect to .*127\.0\.0\.1.*(altnames|does not match)/);
    expect(wrongHost.err).toContain('or use sslmode=verify-ca to check the chain only');
    for (const sslmode of ['verify-ca', 'require']) {
      const wrongCa = await cli(['connections', 'test', target({ sslmode, sslrootcert: other })]);
      expect(wrongCa.code).toBe(EXIT.target);
      expect(wrongCa.err).toContain("the server's certificate is not signed by the CA in sslrootcert");
      expect(wrongCa.err).not.toContain(password);
    }
    const missing = await cli([
      'connections',
      'test',
      target({ sslmode: 'verify-ca', sslrootcert: path.join(dir, 'nope.crt') }),
    ]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain("sslrootcert file '");
  });

  it('loads over a verified TLS connection, and a server that requires TLS refuses a plain one', async () => {
    fs.writeFileSync(path.join(dir, 'rows.csv'), 'id,label\n1,one\n2,two\n');
    const secure = target({ sslmode: 'verify-ca', sslrootcert: path.join(dir, 'ca.crt') });
    const loaded = await cli(['load', 'rows.csv', '--target', secure, '--table', 'over_tls', '--json']);
    expect(loaded.err).toBe('');
    expect(JSON.parse(loaded.out)).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(loaded.out).not.toContain(password);

    // Reject every connection that is not encrypted (the first matching pg_hba.conf line wins).
    const hba = (await adminQuery('SHOW hba_file')).rows[0].hba_file as string;
    fs.writeFileSync(hba, `hostnossl all all all reject\n${fs.readFileSync(hba, 'utf8')}`);
    await adminQuery('SELECT pg_reload_conf()');
    const plain = target({ sslmode: 'disable' });
    let refused = { code: 0, out: '', err: '' };
    for (let i = 0; i < 100 && refused.code !== EXIT.target; i++) {
      refused = await cli(['load', 'rows.csv', '--target', plain, '--table', 'over_tls', '--json']);
      if (refused.code !== EXIT.target) await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused.code).toBe(EXIT.target);
    expect(refused.err + refused.out).toMatch(/no encryption/);
    expect(refused.err + refused.out).not.toContain(password);
    const again = await cli(['load', 'rows.csv', '--target', secure, '--table', 'over_tls', '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ status: 'succeeded', inserted: 2 });

    // A PostgreSQL source takes the same TLS settings: read over verified TLS, refused in plain.
    const copyFrom = (source: string) =>
      cli([
        'load',
        source,
        '--source-table',
        'public.over_tls',
        '--target',
        secure,
        '--table',
        'copied_over_tls',
        '--json',
      ]);
    const copied = await copyFrom(secure);
    const { n } = (await adminQuery('SELECT count(*)::int AS n FROM over_tls', true)).rows[0];
    expect(n).toBeGreaterThan(0);
    expect(JSON.parse(copied.out)).toMatchObject({ status: 'succeeded', rowsRead: n, inserted: n });
    const plainSource = await copyFrom(plain);
    expect(plainSource.code).toBe(EXIT.target); // exit 4: a source that cannot be reached, like a target
    expect(plainSource.err + plainSource.out).toMatch(/no encryption/);
    expect(plainSource.err + plainSource.out).not.toContain(password);
  });

  it('sslmode=require against a server without TLS says what to change', async () => {
    // Undo the previous test's TLS-only rule, then turn TLS off (over TLS, while it is on).
    const hba = (await adminQuery('SHOW hba_file', true)).rows[0].hba_file as string;
    fs.writeFileSync(hba, fs.readFileSync(hba, 'utf8').replace(/^hostnossl all all all reject\n/, ''));
    await adminQuery('ALTER SYSTEM SET ssl = off', true);
    await adminQuery('SELECT pg_reload_conf()', true);
    let r = { code: 0, out: '', err: '' };
    for (let i = 0; i < 100 && r.code !== EXIT.target; i++) {
      r = await cli(['connections', 'test', target({ sslmode: 'require' })]);
      if (r.code !== EXIT.target) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(r.code).toBe(EXIT.target);
    expect(r.err).toContain('does not support SSL');
    expect(r.err).toContain('use sslmode=disable or prefer, or turn ssl on in its configuration');
  });
});

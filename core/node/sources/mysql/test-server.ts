import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freeLoopbackPort, isProcessAlive } from '../../pg/cluster.ts';

/** A throwaway MariaDB server for tests and benchmarks. */
export interface MysqlTestServer {
  /** `mysql://loadstone:…@127.0.0.1:port` (a throwaway password; no database). */
  readonly url: string;
  /** Milliseconds from `mariadb-install-db` to the first answered query. */
  readonly startMs: number;
  /** The server's temp folder (deleted by `stop`); undefined for an external server. */
  readonly dir: string | undefined;
  /** Stops the server and deletes its folder (no-op for an external server). */
  stop(): Promise<void>;
}

const PREFIX = 'loadstone-mytest-';
const OWNER_FILE = 'owner.pid';
/** How long install + start may take before the test setup gives up. */
const START_TIMEOUT_MS = 90_000;
const SERVER_USER = 'mysql';

const SERVER_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/local/sbin/mariadbd', '/usr/sbin/mysqld'];
const INSTALL_CANDIDATES = [
  '/usr/bin/mariadb-install-db',
  '/usr/local/bin/mariadb-install-db',
  '/usr/bin/mysql_install_db',
];

/**
 * Why no MariaDB test server can be had here (no `mariadbd`/`mariadb-install-db` installed and
 * no `LOADSTONE_TEST_MYSQL_URL`), or null when one can. Tests skip with this message.
 */
export function mysqlTestServerUnavailable(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.LOADSTONE_TEST_MYSQL_URL) return null;
  if (!binaries()) {
    return (
      'MariaDB tests skipped: no mariadbd / mariadb-install-db found ' +
      "(install Debian's mariadb-server, as .ci/run does, or set LOADSTONE_TEST_MYSQL_URL)"
    );
  }
  return null;
}

function binaries(): { server: string; install: string } | null {
  const server = SERVER_CANDIDATES.find((p) => fs.existsSync(p));
  const install = INSTALL_CANDIDATES.find((p) => fs.existsSync(p));
  return server && install ? { server, install } : null;
}

/**
 * Starts a MariaDB server in a fresh temp folder on a free loopback port: `mariadb-install-db`
 * into it, then `mariadbd` (as the `mysql` user when running as root: the server refuses root,
 * and the folder is handed to it so a 0700 parent is no obstacle), waits until it answers, and
 * creates a user `loadstone` with every privilege and a random password. Durability is off.
 * Uses the server of `LOADSTONE_TEST_MYSQL_URL` instead when set. Folders left by a killed earlier
 * run are cleaned up first. Bounded: gives up after START_TIMEOUT_MS.
 */
export async function startMysqlTestServer(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<MysqlTestServer> {
  const external = (opts.env ?? process.env).LOADSTONE_TEST_MYSQL_URL;
  if (external) return { url: external, startMs: 0, dir: undefined, stop: async () => {} };
  const bin = binaries();
  if (!bin) throw new Error(mysqlTestServerUnavailable() ?? 'no MariaDB binaries');

  reapStale();
  const began = Date.now();
  const runAs = runAsUser();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  fs.writeFileSync(path.join(root, OWNER_FILE), String(process.pid));
  if (runAs) fs.chownSync(root, runAs.uid, runAs.gid);
  // The server user must be able to enter every folder above its own (e.g. a 0700 TMPDIR).
  const reach = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'probe', root], identity(runAs));
  if (reach.status !== 0) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(`the '${runAs?.name}' user cannot reach ${root}; set TMPDIR to a folder it can enter`);
  }
  const dataDir = path.join(root, 'data');
  const socket = path.join(root, 'mysqld.sock');
  let child: ChildProcess | undefined;
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  try {
    const install = spawnSync(
      bin.install,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...(runAs ? [`--user=${runAs.name}`] : []),
      ],
      { ...identity(runAs), encoding: 'utf8', timeout: START_TIMEOUT_MS },
    );
    if (install.status !== 0) {
      throw new Error(
        `mariadb-install-db failed (${install.error?.message ?? `exit ${install.status}`}): ${tail(install.stderr || install.stdout)}`,
      );
    }
    const port = await freeLoopbackPort();
    const errorLog = path.join(root, 'error.log');
    child = spawn(
      bin.server,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(root, 'mysqld.pid')}`,
        `--log-error=${errorLog}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-flush-log-at-trx-commit=0',
        '--innodb-doublewrite=0',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
      ],
      { ...identity(runAs), stdio: 'ignore', detached: false },
    );
    let exited: string | null = null;
    child.on('exit', (code, signal) => {
      exited = `exit ${code ?? signal}`;
    });
    const password = randomBytes(12).toString('hex');
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`mariadbd stopped at start (${exited}): ${tail(readText(errorLog))}`);
      if (Date.now() > deadline) throw new Error(`mariadbd did not answer within ${START_TIMEOUT_MS} ms`);
      try {
        const admin = await mysql.createConnection({ socketPath: socket, user: 'root' });
        try {
          await admin.query('CREATE USER loadstone@127.0.0.1 IDENTIFIED BY ?', [password]);
          await admin.query('GRANT ALL ON *.* TO loadstone@127.0.0.1 WITH GRANT OPTION');
        } finally {
          await admin.end();
        }
        break;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const started = child;
    return {
      url: `mysql://loadstone:${password}@127.0.0.1:${port}`,
      startMs: Date.now() - began,
      dir: root,
      stop: async () => {
        await stopServer(started);
        cleanup();
      },
    };
  } catch (error) {
    if (child) await stopServer(child);
    cleanup();
    throw error;
  }
}

/**
 * A MariaDB server for a test file, or why there is none: not installed, or it could not be started.
 * Either way the reason is printed (a test file then skips its MariaDB tests, never silently).
 */
export async function mysqlServerForTests(): Promise<
  { server: MysqlTestServer; skip: null } | { server: null; skip: string }
> {
  const missing = mysqlTestServerUnavailable();
  if (missing) {
    console.warn(missing);
    return { server: null, skip: missing };
  }
  try {
    const server = await startMysqlTestServer();
    console.info(`MariaDB test server started in ${server.startMs} ms`);
    return { server, skip: null };
  } catch (error) {
    const skip = `MariaDB tests SKIPPED: the server could not be started: ${error instanceof Error ? error.message : error}`;
    console.warn(skip);
    return { server: null, skip };
  }
}

/**
 * Creates (dropping first if it exists) database `loadstone_test_<name>` on the server of `url`
 * and returns a URL for it. Each test file uses its own database.
 */
export async function createMysqlTestDatabase(url: string, name: string): Promise<string> {
  const database = `loadstone_test_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 64);
  const conn = await mysql.createConnection(url);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  } finally {
    await conn.end();
  }
  const out = new URL(url);
  out.pathname = `/${database}`;
  return out.toString();
}

/** SIGTERM (a clean shutdown), then SIGKILL after 20 s. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await done;
  clearTimeout(timer);
}

/** Deletes folders of earlier runs whose owning process is gone (their server died with it or is killed). */
function reapStale(): void {
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const root = path.join(os.tmpdir(), name);
    try {
      const owner = readText(path.join(root, OWNER_FILE)).trim();
      if (owner === '') {
        if (Date.now() - fs.statSync(root).mtimeMs < 60_000) continue;
      } else if (isProcessAlive(Number(owner))) {
        continue;
      }
      const pid = Number(readText(path.join(root, 'mysqld.pid')).trim());
      if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
      fs.rmSync(root, { recursive: true, force: true });
    } catch {
      // Not ours to fight over.
    }
  }
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** As root, the `mysql` system user (mariadbd refuses to run as root); else ourselves. */
function runAsUser(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const uid = spawnSync('id', ['-u', SERVER_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', SERVER_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`running as root, MariaDB needs the '${SERVER_USER}' user (mariadb-server creates it)`);
  }
  return { name: SERVER_USER, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function identity(runAs: RunAs | null): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join(' | ');
}

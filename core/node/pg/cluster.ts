import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LoadstoneError } from '../../common/errors.ts';
import { findPgBinaries } from './binaries.ts';
import { giveToServerUser, type RunAs, spawnIdentity } from './server-user.ts';

const run = promisify(execFile);

/** What `postmaster.pid` says about a server running (or once running) on a data folder. */
export interface PostmasterInfo {
  readonly pid: number;
  readonly port: number;
  /** `starting`, `ready`, `stopping`… (empty on very old servers). */
  readonly status: string;
}

/** Server settings written at initdb: TCP on loopback only, no Unix socket, a quiet log. */
const BASE_SETTINGS = [
  "listen_addresses = '127.0.0.1'",
  "unix_socket_directories = ''",
  // Bad-row isolation makes the server refuse statements on purpose; do not fill the log with them.
  'log_min_messages = fatal',
  'log_min_error_statement = panic',
];

/** For throwaway test/bench servers only: durability costs time and protects nothing there. */
const THROWAWAY_SETTINGS = ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off'];

/**
 * Creates a cluster in `dataDir` (which must not exist yet; its parent must be reachable by the
 * server user) with superuser `postgres` and `password`, UTF-8, C collation with Unicode-aware
 * case mapping, English server messages, scram-sha-256 authentication.
 */
export async function initCluster(
  dataDir: string,
  opts: { password: string; runAs: RunAs | null; throwaway?: boolean },
): Promise<void> {
  const { initdb } = await findPgBinaries();
  // Created here and handed over, so only the folder itself (not its parent) must be the server user's.
  fs.mkdirSync(dataDir, { mode: 0o700 });
  giveToServerUser(dataDir, opts.runAs);
  // initdb reads the password from a file as the server user; keep it in a private folder.
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-pw-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    fs.writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
    giveToServerUser(pwDir, opts.runAs);
    giveToServerUser(pwFile, opts.runAs);
    const args = [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--lc-messages=C',
    ];
    if (opts.throwaway) args.push('--no-sync');
    await exec(initdb, args, opts.runAs, 'initdb');
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
  const settings = opts.throwaway ? [...BASE_SETTINGS, ...THROWAWAY_SETTINGS] : BASE_SETTINGS;
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# Loadstone\n${settings.join('\n')}\n`);
}

/** Starts the server of `dataDir` on 127.0.0.1:`port` in the background and waits until it accepts connections. */
export async function startCluster(dataDir: string, port: number, runAs: RunAs | null): Promise<void> {
  const { pgCtl } = await findPgBinaries();
  const log = path.join(dataDir, 'server.log');
  try {
    // pg_ctl detaches the server (own session), so it outlives this process until stopCluster.
    await exec(
      pgCtl,
      ['start', '-D', dataDir, '-w', '-t', '60', '-s', '-l', log, '-o', `-p ${port}`],
      runAs,
      'pg_ctl start',
    );
  } catch (error) {
    const tail = readTail(log);
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `${error instanceof Error ? error.message : String(error)}${tail ? `\nserver log:\n${tail}` : ''}`,
      { cause: error },
    );
  }
}

/** Starts the cluster on a free loopback port, retrying when another process grabbed the port first. */
export async function startOnFreePort(dataDir: string, runAs: RunAs | null): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      await startCluster(dataDir, port, runAs);
      return port;
    } catch (error) {
      const busy = error instanceof Error && /could not (bind|create listen)/i.test(error.message);
      if (!busy || attempt >= 5) throw error;
    }
  }
}

/** Stops the server of `dataDir` (`fast`: roll back open transactions, disconnect clients). */
export async function stopCluster(
  dataDir: string,
  runAs: RunAs | null,
  mode: 'fast' | 'immediate' = 'fast',
): Promise<void> {
  const { pgCtl } = await findPgBinaries();
  await exec(pgCtl, ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60', '-s'], runAs, 'pg_ctl stop');
}

/** Reads `postmaster.pid`; null when there is none (no server, or it was stopped cleanly). */
export function readPostmasterPid(dataDir: string): PostmasterInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  return { pid, port, status: (lines[7] ?? '').trim() };
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the caller retries if it is taken meanwhile). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

async function exec(file: string, args: string[], runAs: RunAs | null, what: string): Promise<void> {
  try {
    await run(file, args, {
      ...spawnIdentity(runAs),
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    const output = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim();
    throw new Error(`${what} failed: ${output || e.message}`);
  }
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n').trim();
  } catch {
    return '';
  }
}

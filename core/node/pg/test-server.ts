import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { initCluster, isProcessAlive, readPostmasterPid, startOnFreePort, stopCluster } from './cluster.ts';
import { quoteIdent } from './identifiers.ts';
import { ROOT_CLUSTER_BASE } from './local-warehouse.ts';
import { giveToServerUser, serverRunAs } from './server-user.ts';

/** A PostgreSQL server for tests and benchmarks. */
export interface TestServer {
  /** `postgresql://postgres:…@127.0.0.1:port/postgres` (a throwaway password). */
  readonly url: string;
  /** Stops the server and deletes its folder (no-op for an external server). */
  stop(): Promise<void>;
}

const PREFIX = 'loadstone-pgtest-';
const OWNER_FILE = 'owner.pid';

/**
 * Starts one embedded server in a fresh temp folder on a free loopback port, or uses the external
 * server in `LOADSTONE_TEST_PG_URL` when set. Durability is off (fsync, synchronous commit): the
 * data is thrown away. Folders left by a killed earlier run are cleaned up first.
 */
export async function startTestServer(
  opts: { env?: NodeJS.ProcessEnv; durable?: boolean } = {},
): Promise<TestServer> {
  const external = (opts.env ?? process.env).LOADSTONE_TEST_PG_URL;
  if (external) return { url: external, stop: async () => {} };

  await reapStaleServers();
  const runAs = serverRunAs();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  fs.writeFileSync(path.join(root, OWNER_FILE), String(process.pid));
  giveToServerUser(root, runAs);
  const dataDir = path.join(root, 'data');
  const password = randomBytes(12).toString('hex');
  try {
    await initCluster(dataDir, { password, runAs, throwaway: !opts.durable });
    const port = await startOnFreePort(dataDir, runAs);
    return {
      url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
      stop: async () => {
        await stopCluster(dataDir, runAs).catch(() => stopCluster(dataDir, runAs, 'immediate'));
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Creates (dropping first if it exists) database `loadstone_test_<name>` on the server of `url`
 * and returns a URL for it. Each test file uses its own database so files can run in parallel.
 */
export async function createTestDatabase(url: string, name: string): Promise<string> {
  const database = `loadstone_test_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Sessions left on it are ended first (what `DROP DATABASE … WITH (FORCE)` does, which needs 13+).
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      database,
    ]);
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
    await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
  } finally {
    await client.end();
  }
  const target = new URL(url);
  target.pathname = `/${database}`;
  return target.toString();
}

/** Stops and deletes test servers whose owning process is gone (a killed earlier test run). */
async function reapStaleServers(): Promise<void> {
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  const runAs = serverRunAs();
  for (const name of names) {
    const root = path.join(os.tmpdir(), name);
    try {
      const ownerText = readOwner(root);
      if (ownerText === null) {
        // Just created by a concurrent run that has not written its owner file yet?
        if (Date.now() - fs.statSync(root).mtimeMs < 60_000) continue;
      } else if (isProcessAlive(Number(ownerText))) {
        continue;
      }
      const dataDir = path.join(root, 'data');
      const info = readPostmasterPid(dataDir);
      if (info && isProcessAlive(info.pid)) await stopCluster(dataDir, runAs, 'immediate').catch(() => {});
      fs.rmSync(root, { recursive: true, force: true });
    } catch {
      // Not ours to fight over: leave anything we cannot read or remove.
    }
  }
}

function readOwner(root: string): string | null {
  try {
    return fs.readFileSync(path.join(root, OWNER_FILE), 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * As root the local warehouse of a (private) data folder lives in /var/lib/loadstone/<hash>; a test's
 * data folder is thrown away, so is that cluster (the engine has stopped it by now).
 */
export function removeRootCluster(dataDir: string): void {
  let location: string;
  try {
    location = fs.readFileSync(path.join(dataDir, 'warehouse.location'), 'utf8').trim();
  } catch {
    return;
  }
  if (location.startsWith(`${ROOT_CLUSTER_BASE}/`)) {
    fs.rmSync(path.dirname(location), { recursive: true, force: true });
  }
}

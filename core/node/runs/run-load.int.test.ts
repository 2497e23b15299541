import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runLoad } from './run-load.ts';

let url = '';
let password = '';
let client: pg.Client;
let store: RunStore;
const dir = tempDir();

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'runs_run_load');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  // A saved connection (a job never stores a password): the password comes from PGPASSWORD.
  const u = new URL(url);
  password = decodeURIComponent(u.password);
  u.password = '';
  store.connections.save({ name: 'pg', url: u.toString() });
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const load = (spec: Parameters<typeof runLoad>[0], dryRun = false) =>
  runLoad(spec, {
    store,
    env: { PGPASSWORD: password },
    dryRun,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    chunkRows: 2,
  });

describe('a run records what happened, counted apart', () => {
  it('a saved job applies the Settings saved after it, unless it sets its own', async () => {
    const file = join(dir, 'days.csv');
    writeFileSync(file, 'id,day\n1,03/04/2024\n2,05/06/2024\n');
    const spec = { source: { path: file }, target: { connection: 'pg', table: 'job_days' } };
    store.jobs.save('days', spec);
    store.settings.set({ dateOrder: 'DMY' });
    const saved = store.jobs.get('days')!.spec;
    expect((await load(saved)).status).toBe('succeeded');
    const r = await client.query('SELECT day::text AS day FROM job_days ORDER BY id');
    expect(r.rows.map((x) => x.day)).toEqual(['2024-04-03', '2024-06-05']);
    // The job's own date order wins over Settings.
    const own = {
      ...spec,
      format: { dateOrder: 'MDY' as const },
      target: { ...spec.target, table: 'job_own' },
    };
    expect((await load(own)).status).toBe('succeeded');
    const o = await client.query('SELECT day::text AS day FROM job_own ORDER BY id');
    expect(o.rows.map((x) => x.day)).toEqual(['2024-03-04', '2024-05-06']);
    store.settings.set({ dateOrder: null });
  });

  it('superseded rows, the watermark before and after, and one duration in the outcome and the store', async () => {
    const file = join(dir, 'orders.csv');
    writeFileSync(file, 'id,at,v\n1,10,a\n2,20,b\n1,30,c\n3,40,d\n');
    const spec = {
      name: 'orders-inc',
      source: { path: file },
      target: {
        connection: 'pg',
        table: 'orders_inc',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'at',
      },
    };
    const first = await load(spec);
    expect(first).toMatchObject({
      status: 'succeeded',
      counts: { read: 4, inserted: 3, updated: 0, unchanged: 0, skipped: 0, superseded: 1, rejected: 0 },
      watermark: { before: null, after: '40' },
    });
    const run = store.runs.get(first.runId)!;
    expect(run.counts).toEqual(first.counts);
    expect(run.watermark).toEqual({ before: null, after: '40' });
    expect(run.durationMs).toBe(first.durationMs);

    writeFileSync(file, 'id,at,v\n1,10,a\n2,20,b\n1,30,c\n3,40,d\n4,50,e\n');
    const second = await load(spec);
    expect(second).toMatchObject({
      // The rows at 10, 20 and 30, below the mark: skipped; key 3 at 40, at it: compared by key, unchanged.
      counts: { read: 5, inserted: 1, skipped: 3, superseded: 0, unchanged: 1 },
      watermark: { before: '40', after: '50' },
    });
    expect(store.runs.get(second.runId)!.watermark).toEqual({ before: '40', after: '50' });
    // A dry run says what the mark would become; the stored mark does not move.
    writeFileSync(file, 'id,at,v\n5,60,f\n');
    const dry = await load(spec, true);
    expect(dry).toMatchObject({ dryRun: true, watermark: { before: '50', after: '60' } });
    const third = await load(spec);
    expect(third.watermark).toEqual({ before: '50', after: '60' });
  });

  it('a failed run stores no watermark after, and the same duration everywhere', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'id,at\n1,10\n');
    await client.query('CREATE TABLE inc_bad (id integer, at integer)'); // no unique key on id
    const outcome = await load({
      name: 'bad',
      source: { path: file },
      target: { connection: 'pg', table: 'inc_bad', mode: 'incremental', key: ['id'], watermark: 'at' },
    });
    expect(outcome).toMatchObject({ status: 'failed', watermark: { before: null, after: null } });
    expect(outcome.error?.message).toContain('CREATE UNIQUE INDEX ON "public"."inc_bad" ("id")');
    expect(store.runs.get(outcome.runId)!.durationMs).toBe(outcome.durationMs);
  });
});

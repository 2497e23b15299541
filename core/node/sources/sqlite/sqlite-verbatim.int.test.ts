import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// Rows of an SQLite source written straight into COPY text (sqlite-copy-rows.ts): what lands in the
// target must be what the usual read → normalize → encode path loads, value for value and reject
// for reject, and a row the target refuses is found inside its run and reported with its cells.

let url = '';
let client: pg.Client;
let store: RunStore;
const file = join(tempDir(), 'orders.db');
const COLUMNS = 'id, email, day, amount, paid, note, at, photo';

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'sqlite_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const db = new Database(file);
  db.exec(`
    CREATE TABLE orders (id INTEGER PRIMARY KEY, email TEXT, day DATE, amount NUMERIC, paid BOOLEAN,
      note TEXT, at DATETIME, photo BLOB);
    -- 30,000 clean rows (prices, whole amounts, reals that need all their digits, escapes in text):
    -- read after the sample and the first batches, these go as COPY text.
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 30000)
    INSERT INTO orders SELECT n, 'user' || n || '@example.com',
      date('2020-01-01', '+' || (n % 1500) || ' days'),
      CASE n % 4 WHEN 0 THEN n * 1.25 WHEN 1 THEN n WHEN 2 THEN n / 3.0 ELSE -n - 0.05 END,
      n % 2, CASE WHEN n % 7 = 0 THEN 'line' || char(10) || 'two' || char(9) || 'tab \\ slash' ELSE 'note ' || n END,
      datetime('2024-01-01 00:00:00', '+' || n || ' minutes') || CASE WHEN n % 5 = 0 THEN '.123456' ELSE '' END,
      CASE WHEN n % 3 = 0 THEN x'00ff10' END
      FROM g;
    -- Rows the writer leaves to the usual path: each must load (or be rejected) as that path does it.
    INSERT INTO orders VALUES
      (40001, '  padded  ', '2024-02-29', 1, 1, 'x', '2024-01-01 00:00:00', NULL),
      (40002, 'NULL', '2024-02-30', 2, 0, '', '2024-01-01 24:00:00', NULL),
      (40003, 'a', '2023-02-29', 'twelve', 2, 'x', '2024-01-01 23:59:60', NULL),
      (40004, 'b', '24-01-05', 1e300, 1, 'ü ünïcode 😀', '2024-01-01T10:00:00', x''),
      (40005, 'c', ' 2024-01-05', -0.0, 0, 'x', '2024-01-01 10:00:00.1234567', NULL),
      (40006, 'd', '0000-01-01', 1e-9, 0, 'x' || char(0) || 'y', '2024-01-01 10:00:00+02:00', NULL),
      (40007, 'e', '2024-1-5', 9007199254740993, 1, 'x', '2024-06-01 12:00', NULL),
      (40008, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (40009, 'f', 20240105, 0.1, '1', 'x', 1704067200, 'text in a blob column');
  `);
  db.close();
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const load = (table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source: { kind: 'sqlite', path: file, table: 'orders' },
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    },
    {
      store,
      env: {},
      dryRun: false,
      openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    },
  );

describe('SQLite rows sent as COPY text', () => {
  it('come only where every value is what the load would write, in runs of bytes', async () => {
    const job = await planJob(
      parseJobSpec({
        source: { kind: 'sqlite', path: file, table: 'orders' },
        target: { connection: url, table: 'unused' },
        settings: { sampleSize: 50 },
      }),
    );
    const offered = await readOffered(job);
    const usual = offered.usual.map((cells) => Number(cells[0]));
    for (const run of offered.runs) expect(Buffer.isBuffer(run.bytes)).toBe(true);
    // Each line of a run reads back into cells.
    for (const { cells } of offered.verbatim) expect(cells).toHaveLength(8);
    const verbatim = offered.verbatim.length;
    // 40001's padded text is the database's own (kept as it is): it goes as COPY text too.
    expect(usual.filter((id) => id > 40000)).toEqual([40002, 40003, 40004, 40005, 40006, 40007, 40009]);
    // The sample is read apart (on the loading thread) and the worker reads nothing before the offer:
    // every clean row goes as COPY text, from the first on, and each row comes once.
    expect(usual).toEqual([40002, 40003, 40004, 40005, 40006, 40007, 40009]);
    expect(verbatim).toBe(30009 - usual.length);
    expect(offered.verbatim[0]!.line).toBe(1);
    expect(new Set(offered.verbatim.map((v) => v.line)).size).toBe(verbatim);
    expect(job.sampleRows).toHaveLength(0); // let go once the rows began
  });

  it('load exactly what the usual path loads (append as text, upsert the usual way)', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(client, store, appended, upserted, COLUMNS);
    expect(appended.counts.rejected).toBeGreaterThan(0);
    // Spot checks of values written as text: a price, a real with all its digits, escapes, a blob.
    const rows = await client.query(
      `SELECT id, amount::text, note, at::text, photo
         FROM as_text WHERE id IN (3, 7, 8, 10) ORDER BY id`,
    );
    expect(rows.rows.map((r) => [r.id, r.amount])).toEqual([
      ['3', '-3.05'],
      ['7', '-7.05'],
      ['8', '10'],
      ['10', '3.3333333333333335'],
    ]);
    expect(rows.rows[1].note).toBe('line\ntwo\ttab \\ slash');
    expect(rows.rows[0].photo).toBe('00ff10');
    expect(rows.rows[3].at).toBe('2024-01-01 00:10:00.123456+00');
  });

  it('a row the target refuses inside a run is isolated and reported with its cells', async () => {
    await client.query(`CREATE TABLE guarded (id bigint CHECK (id <> 25000), email text, day date,
      amount numeric, paid boolean, note text, at timestamptz, photo text)`);
    const outcome = await runLoad(
      {
        source: { kind: 'sqlite', path: file, table: 'orders' },
        target: { connection: url, table: 'guarded' },
        settings: { sampleSize: 50, maxErrorRate: 1, commitEvery: 700 },
      },
      {
        store,
        env: {},
        dryRun: false,
        openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
      },
    );
    expect(outcome.error ?? null).toBeNull();
    const refused = store.reports
      .page(outcome.runId)
      .rows.filter((r) => r.errors.some((e) => e.reason === 'database_rejected'));
    expect(refused.map((r) => [r.at, r.raw])).toEqual([
      [
        { kind: 'key', key: { id: '25000' } },
        {
          id: 25000,
          email: 'user25000@example.com',
          day: '2022-09-27',
          amount: 31250,
          paid: 0,
          note: 'note 25000',
          at: '2024-01-18 08:40:00.123456',
          photo: null,
        },
      ],
    ]);
  });
});

import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { progressFraction } from '../../common/progress.ts';
import type { JobSpecInput } from '../../common/spec/job-spec.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { createMysqlTestDatabase, mysqlServerForTests } from '../sources/mysql/test-server.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runLoad } from './run-load.ts';

// A database table read whole tells the load about how many rows it holds (PostgreSQL's planner,
// MySQL's TABLE_ROWS, SQLite's largest rowid): progress shows the rows read against it, a fraction
// for the bar and the time left, and no byte count (a database source reads no file). A query, or
// an incremental read of the rows from the mark on, has no such estimate.

const ROWS = 30_000;
const { server: mysqlServer, skip } = await mysqlServerForTests();

let sourceUrl = '';
let targetUrl = '';
let store: RunStore;
let sqlitePath = '';
let tables = 0;

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'progress_src');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'progress_dst');
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const src = new pg.Client({ connectionString: sourceUrl });
  await src.connect();
  await src.query(`CREATE TABLE orders AS SELECT g AS id, 'note ' || g AS note, now() AS at
                     FROM generate_series(1, ${ROWS}) g;
                   ALTER TABLE orders ADD PRIMARY KEY (id);
                   ANALYZE orders`);
  await src.end();
  sqlitePath = `${tempDir()}/orders.db`;
  const db = new Database(sqlitePath);
  db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${ROWS})
    INSERT INTO orders SELECT n, 'note ' || n FROM g;`);
  db.close();
});
afterAll(() => store?.close());

async function load(source: JobSpecInput['source'], mode: 'append' | 'incremental' = 'append') {
  const events: LoadProgressDto[] = [];
  const target =
    mode === 'append'
      ? { connection: targetUrl, table: `progress_${++tables}` }
      : { connection: targetUrl, table: `progress_inc_${source.kind}`, mode, key: ['id'], watermark: 'id' };
  const outcome = await runLoad({ source, target, settings: { maxErrorRate: 0 } } as JobSpecInput, {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    onProgress: (p) => events.push(p),
  });
  expect(outcome.error ?? null).toBeNull();
  return { outcome, events };
}

function expectEstimated(events: LoadProgressDto[], near: (n: number) => boolean) {
  const last = events.at(-1)!;
  expect(last.phase).toBe('done');
  expect(last.rowsRead).toBe(ROWS);
  expect(near(last.estimatedRows ?? 0)).toBe(true);
  // No bytes for a database; the bar and the time left come from the rows.
  for (const e of events) expect(e.bytesRead).toBeNull();
  expect(progressFraction(last)).toBe(1);
  const midway = events.filter((e) => e.phase === 'loading' && e.rowsRead > 0 && e.rowsRead < ROWS);
  for (const e of midway) {
    expect(e.etaSeconds).not.toBeNull();
    expect(progressFraction(e)!).toBeGreaterThan(0);
    expect(progressFraction(e)!).toBeLessThan(1);
  }
}

describe('progress of a database table read whole: rows against the source estimate', () => {
  it('SQLite: the largest rowid; a query has none', async () => {
    const { events } = await load({ kind: 'sqlite', path: sqlitePath, table: 'orders' });
    expectEstimated(events, (n) => n === ROWS);
    // The time left comes from the rows: none once all the estimated rows are read.
    expect(events.at(-1)!.etaSeconds).toBe(0);
    const query = await load({ kind: 'sqlite', path: sqlitePath, query: 'SELECT * FROM orders' });
    expect(query.events.at(-1)!.estimatedRows ?? null).toBeNull();
    expect(query.events.at(-1)!.etaSeconds).toBeNull();
  });

  it("PostgreSQL: the planner's estimate; an incremental read from the mark on has none", async () => {
    const { events } = await load({ kind: 'postgres', connection: sourceUrl, table: 'orders' });
    // ANALYZE on 30,000 rows reads them all: the estimate is the count.
    expectEstimated(events, (n) => n === ROWS);
    const first = await load({ kind: 'postgres', connection: sourceUrl, table: 'orders' }, 'incremental');
    expect(first.outcome.counts.inserted).toBe(ROWS);
    // Read again from the mark on: only the row at it (compared by key: unchanged) and those above
    // it, which the table's estimate does not measure.
    const again = await load({ kind: 'postgres', connection: sourceUrl, table: 'orders' }, 'incremental');
    expect(again.outcome.counts.read).toBe(1);
    expect(again.outcome.counts.unchanged).toBe(1);
    expect(again.events.at(-1)!.estimatedRows ?? null).toBeNull();
  });

  describe.skipIf(mysqlServer === null)('MySQL (real MariaDB)', () => {
    it("the server's TABLE_ROWS", async () => {
      if (!mysqlServer) throw new Error(skip ?? 'no server');
      const myUrl = await createMysqlTestDatabase(mysqlServer.url, 'progress');
      const my = await mysql.createConnection({ uri: myUrl, multipleStatements: true });
      await my.query(`SET SESSION max_recursive_iterations = ${ROWS + 1};
        CREATE TABLE orders (id INT PRIMARY KEY, note TEXT);
        INSERT INTO orders WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${ROWS})
          SELECT n, CONCAT('note ', n) FROM g;
        ANALYZE TABLE orders;`);
      await my.end();
      const { events } = await load({ kind: 'mysql', connection: myUrl, table: 'orders' });
      // InnoDB's TABLE_ROWS is an estimate from sampled pages: near the count, not the count.
      expectEstimated(events, (n) => n > ROWS * 0.5 && n < ROWS * 1.5);
    });
  });
});

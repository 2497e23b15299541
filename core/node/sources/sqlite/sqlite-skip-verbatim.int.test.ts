import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// SQLite rows whose load leaves columns out (`columns: [{ source, skip: true }]`) are still written
// as COPY text: the writer leaves those values out of each line (database/copy-rows.ts). Before,
// leaving out one column sent every row the usual way. A row the target refuses is reported with
// the loaded columns' values, read back from its line.

const ROWS = 30_000;
const file = join(tempDir(), 'people.db');
let url = '';
let client: pg.Client;
let store: RunStore;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'sqlite_skip_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const db = new Database(file);
  db.exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, secret BLOB, name TEXT, amount NUMERIC, note TEXT);
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${ROWS})
    INSERT INTO people SELECT n, randomblob(8), 'person ' || n, n / 4.0,
      CASE WHEN n % 7 = 0 THEN 'tab' || char(9) || 'new' || char(10) || 'line' ELSE NULL END FROM g;`);
  db.close();
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SKIPS = [
  { source: 'secret', skip: true },
  { source: 'amount', skip: true },
];
const source = { kind: 'sqlite', path: file, table: 'people' };

const load = (table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source,
      columns: SKIPS,
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe('SQLite rows with columns left out', () => {
  it('go as COPY text of the loaded columns', async () => {
    const job = await planJob(
      parseJobSpec({ source, columns: SKIPS, target: { connection: url, table: 'unused' } } as never),
    );
    const offered = await readOffered(job);
    expect(job.source.copyText?.lineColumns).toEqual(['id', 'name', 'note']);
    expect(offered.verbatim.length).toBeGreaterThan(5_000);
    expect(offered.verbatim.length + offered.usual.length).toBe(ROWS);
    const row = offered.verbatim.find(({ cells }) => Number(cells[0]) === 20_007)!;
    expect(row.cells).toEqual([20007, 'person 20007', null]);
    const escaped = offered.verbatim.find(({ cells }) => Number(cells[0]) === 20_013)!;
    expect(escaped.cells).toEqual([20013, 'person 20013', 'tab\tnew\nline']);
  });

  it('load what the usual path loads, and a refused row is reported with its loaded values', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(client, store, appended, upserted, 'id, name, note');
    expect(appended.counts.inserted).toBe(ROWS);
    await client.query(
      "CREATE TABLE guarded (id bigint, name text CHECK (name <> 'person 25005'), note text)",
    );
    const guarded = await load('guarded', { mode: 'append' });
    expect(guarded.counts).toMatchObject({ inserted: ROWS - 1, rejected: 1 });
    const [row] = store.reports.page(guarded.runId).rows;
    expect(row!.errors[0]).toMatchObject({ reason: 'database_rejected', column: 'name' });
    expect(JSON.parse(JSON.stringify(row!.raw))).toEqual({ id: 25005, name: 'person 25005', note: null });
  });
});

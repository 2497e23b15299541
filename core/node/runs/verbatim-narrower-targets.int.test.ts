import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { planJob } from '../pipeline/plan-job.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runLoad } from './run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from './verbatim-test-support.ts';

// Rows sent as their COPY text into an existing table whose integer columns are narrower than the
// values' types: a bigint (SQLite's every INTEGER, a PostgreSQL int8) into an `integer` column, an
// integer into a `smallint`. The target reads the same digits as the same value, or refuses the row
// as out of range, as it refuses the usual path's same text: the refused rows, their columns and
// reasons must be the same both ways. Before, such a column sent every row the usual way.

const ROWS = 20_000;
const dir = tempDir();
const sqliteFile = join(dir, 'counts.db');
const jsonFile = join(dir, 'counts.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** Row n's id: every 1,000th beyond `integer`. */
const id = (n: number) => (n % 1000 === 0 ? 3_000_000_000 + n : n);
/** Row n's count: within `smallint`, but every 1,000th (at 7) beyond it. */
const count = (n: number) => (n % 1000 === 7 ? 40_000 + n : (n % 500) - 250);
const OUT_OF_RANGE = (ROWS / 1000) * 2;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'verbatim_narrower');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  await client.query(`
    CREATE TABLE source_counts (id int8 PRIMARY KEY, count int4);
    INSERT INTO source_counts SELECT CASE WHEN n % 1000 = 0 THEN 3000000000 + n ELSE n END,
      CASE WHEN n % 1000 = 7 THEN 40000 + n ELSE n % 500 - 250 END
      FROM generate_series(1, ${ROWS}) n;
  `);
  const db = new Database(sqliteFile);
  db.exec('CREATE TABLE counts (id INTEGER PRIMARY KEY, count INTEGER)');
  const insert = db.prepare('INSERT INTO counts VALUES (?, ?)');
  db.transaction(() => {
    for (let n = 1; n <= ROWS; n++) insert.run(id(n), count(n));
  })();
  db.close();
  const records = Array.from({ length: ROWS }, (_, i) => `{"id": ${id(i + 1)}, "count": ${count(i + 1)}}`);
  writeFileSync(jsonFile, `[\n${records.join(',\n')}\n]\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SOURCES = {
  postgres: () => ({ kind: 'postgres', connection: url, table: 'source_counts' }),
  sqlite: () => ({ kind: 'sqlite', path: sqliteFile, table: 'counts' }),
  json: () => ({ path: jsonFile }),
} as const;

const load = (source: Record<string, unknown>, table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source,
      // The ids beyond `integer` are bigints for every source (the JSON's inferred from its sample).
      columns: [{ source: 'id', type: 'bigint' }],
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])(
  'a %s source into narrower columns',
  (name) => {
    it('sends its rows as COPY text', async () => {
      const job = await planJob(
        parseJobSpec({
          source: SOURCES[name](),
          columns: [{ source: 'id', type: 'bigint' }],
          target: { connection: url, table: 'unused' },
          settings: { sampleSize: 50 },
        } as never),
      );
      const offered = await readOffered(job, (i) => ({ base: ['int4', 'int2'][i]!, rounds: false }));
      // A JSON file's first half-MB of text is read ahead (and comes the usual way).
      expect(offered.verbatim.length).toBeGreaterThan(name === 'json' ? 1_000 : 5_000);
      expect(offered.verbatim.length + offered.usual.length).toBe(ROWS);
    });

    it('loads and refuses exactly what the usual path does', async () => {
      await client.query(`
      DROP TABLE IF EXISTS as_text, usual;
      CREATE TABLE as_text (id integer, count smallint);
      CREATE TABLE usual (id integer PRIMARY KEY, count smallint);
    `);
      const appended = await load(SOURCES[name](), 'as_text', { mode: 'append' });
      const upserted = await load(SOURCES[name](), 'usual', {
        mode: 'upsert',
        key: ['id'],
        duplicateKeys: 'reject',
      });
      await expectLoadedAlike(client, store, appended, upserted, 'id, count');
      expect(appended.counts).toMatchObject({ inserted: ROWS - OUT_OF_RANGE, rejected: OUT_OF_RANGE });
      const columns = store.reports
        .page(appended.runId, { limit: 100 })
        .rows.map((r) => [Number(String(r.raw.id)), r.errors.map((e) => [e.column, e.reason])]);
      expect(columns).toContainEqual([3_000_001_000, [['id', 'database_rejected']]]);
      expect(columns).toContainEqual([1007, [['count', 'database_rejected']]]);
      // An upsert takes COPY text too (into its staging table): the same again.
      await client.query('DROP TABLE as_text; CREATE TABLE as_text (id integer PRIMARY KEY, count smallint)');
      const staged = await load(SOURCES[name](), 'as_text', { mode: 'upsert', key: ['id'] });
      await expectLoadedAlike(client, store, staged, upserted, 'id, count');
    });
  },
);

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

// An incremental load (key + watermark) takes rows as COPY text like an upsert, but a row whose
// watermark is NULL must come the usual way, which refuses it (`missing_watermark`): each source
// checks the watermark field of the rows it writes or passes on. What lands, what is refused and the
// new mark must be what the usual path gives, and a second run skips what the first loaded.

const ROWS = 30_000;
const dir = tempDir();
const sqliteFile = join(dir, 'changes.db');
const jsonFile = join(dir, 'changes.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** Row n's watermark: n, or NULL for every 500th row. */
const seq = (n: number) => (n % 500 === 0 ? null : n);
const NULL_ROWS = ROWS / 500;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'verbatim_incremental');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  await client.query(`
    CREATE TABLE source_changes (id int4 PRIMARY KEY, seq int4, name text);
    INSERT INTO source_changes SELECT n, CASE WHEN n % 500 = 0 THEN NULL ELSE n END, 'name ' || n
      FROM generate_series(1, ${ROWS}) n;
  `);
  const db = new Database(sqliteFile);
  db.exec('CREATE TABLE changes (id INTEGER PRIMARY KEY, seq INTEGER, name TEXT)');
  const insert = db.prepare('INSERT INTO changes VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let n = 1; n <= ROWS; n++) insert.run(n, seq(n), `name ${n}`);
  })();
  db.close();
  const records = Array.from(
    { length: ROWS },
    (_, i) => `{"id": ${i + 1}, "seq": ${seq(i + 1)}, "name": "name ${i + 1}"}`,
  );
  writeFileSync(jsonFile, `[\n${records.join(',\n')}\n]\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SOURCES = {
  postgres: () => ({ kind: 'postgres', connection: url, table: 'source_changes' }),
  sqlite: () => ({ kind: 'sqlite', path: sqliteFile, table: 'changes' }),
  json: () => ({ path: jsonFile }),
} as const;

const load = (
  name: string,
  source: Record<string, unknown>,
  table: string,
  target: Record<string, unknown>,
) =>
  runLoad(
    {
      name,
      source,
      target: { connection: url, table, mode: 'incremental', key: ['id'], watermark: 'seq', ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])(
  'an incremental load of a %s source',
  (name) => {
    it('a row with a NULL watermark does not come as COPY text', async () => {
      const job = await planJob(
        parseJobSpec({
          source: SOURCES[name](),
          target: { connection: url, table: 'unused' },
          settings: { sampleSize: 50 },
        } as never),
      );
      const offered = await readOffered(job, (i) => ({
        base: null,
        rounds: false,
        ...(i === 1 ? { notNull: true } : {}),
      }));
      const usual = offered.usual.map((cells) => Number(String(cells[0])));
      const after = Math.min(...offered.verbatim.map(({ cells }) => Number(String(cells[0]))));
      expect(usual.filter((id) => id > after)).toEqual(
        Array.from({ length: NULL_ROWS }, (_, i) => (i + 1) * 500).filter((id) => id > after),
      );
      expect(offered.verbatim.length).toBeGreaterThan(10_000);
    });

    it('loads, refuses and marks what the usual path does; a second run skips what the first loaded', async () => {
      await client.query(`
      DROP TABLE IF EXISTS as_text, usual;
      CREATE TABLE as_text (id int4 PRIMARY KEY, seq int4, name text);
      CREATE TABLE usual (id int4 PRIMARY KEY, seq int4, name text);
    `);
      const asText = await load(`${name}-text`, SOURCES[name](), 'as_text', {});
      const usual = await load(`${name}-usual`, SOURCES[name](), 'usual', { duplicateKeys: 'reject' });
      await expectLoadedAlike(client, store, asText, usual, 'id, seq, name');
      expect(asText.counts.inserted).toBe(ROWS - NULL_ROWS);
      expect(asText.counts.rejected).toBe(NULL_ROWS);
      expect(asText.watermark.after).toBe(String(ROWS - 1));
      expect(usual.watermark.after).toBe(String(ROWS - 1));
      const again = await load(`${name}-text`, SOURCES[name](), 'as_text', {});
      expect(again.error ?? null).toBeNull();
      expect(again.counts.inserted).toBe(0);
      expect(again.counts.updated).toBe(0);
    });
  },
);

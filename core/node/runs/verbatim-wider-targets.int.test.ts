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

// Rows sent as their COPY text into an existing table whose columns are wider than the values'
// types: an integer into numeric, a decimal into double precision, a time into a `timestamp`
// without time zone (the usual money and event columns). Before, any such column sent every row
// the usual way (an API load into a `timestamp` column took 1.5× as long). A `timestamp` ignores
// an offset written after a time, so only UTC times go as they are; a time at +02:00 goes the usual
// way, which converts it to its UTC wall time. What lands must be what the usual path loads.

const ROWS = 30_000;
const dir = tempDir();
const sqliteFile = join(dir, 'events.db');
const jsonFile = join(dir, 'events.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** Row n's time: naive, 'Z', '+00:00', or (every 1,000th) at +02:00. */
function time(n: number, zoned: boolean): string {
  const base = `2024-01-01T${String(n % 24).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:05`;
  if (!zoned) return base.replace('T', ' ');
  if (n % 1000 === 0) return `${base}+02:00`;
  return n % 2 === 0 ? `${base}Z` : `${base}+00:00`;
}
const amount = (n: number) => (n % 3 === 0 ? `${n}.1` : n % 3 === 1 ? `0.${n}` : String(n));
const OFFSET_ROWS = Array.from({ length: ROWS / 1000 }, (_, i) => (i + 1) * 1000);

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'verbatim_wider');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  await client.query(`
    SET TimeZone = 'UTC';
    CREATE TABLE source_events (id int4 PRIMARY KEY, amount numeric, at timestamptz);
    INSERT INTO source_events SELECT n, CASE n % 3 WHEN 0 THEN n + 0.1 WHEN 1 THEN ('0.' || n)::numeric ELSE n END,
      TIMESTAMPTZ '2024-01-01 00:00:05+00' + (n % 24) * INTERVAL '1 hour' + (n % 60) * INTERVAL '1 minute'
      FROM generate_series(1, ${ROWS}) n;
  `);
  const db = new Database(sqliteFile);
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, amount REAL, at DATETIME)');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let n = 1; n <= ROWS; n++) insert.run(n, Number(amount(n)), time(n, false));
  })();
  db.close();
  const records = Array.from(
    { length: ROWS },
    (_, i) => `{"id": ${i + 1}, "amount": ${amount(i + 1)}, "at": "${time(i + 1, true)}"}`,
  );
  writeFileSync(jsonFile, `[\n${records.join(',\n')}\n]\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SOURCES = {
  postgres: () => ({ kind: 'postgres', connection: url, table: 'source_events' }),
  sqlite: () => ({ kind: 'sqlite', path: sqliteFile, table: 'events' }),
  json: () => ({ path: jsonFile }),
} as const;
const BASES = ['numeric', 'float8', 'timestamp'];

const load = (source: Record<string, unknown>, table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source,
      target: { connection: url, table, ...target },
      format: { timeZone: 'UTC' },
      settings: { sampleSize: 50, maxErrorRate: 0 },
    } as never,
    runOptions(store),
  );

describe.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])('a %s source into wider columns', (name) => {
  it('sends its rows as COPY text, a time with an offset the usual way', async () => {
    const job = await planJob(
      parseJobSpec({
        source: SOURCES[name](),
        target: { connection: url, table: 'unused' },
        format: { timeZone: 'UTC' },
        settings: { sampleSize: 50 },
      } as never),
    );
    const offered = await readOffered(job, (i) => ({ base: BASES[i]!, rounds: false }));
    const usual = offered.usual.map((cells) => Number(String(cells[0])));
    const verbatim = offered.verbatim.map(({ cells }) => Number(String(cells[0])));
    const after = Math.min(...verbatim);
    const expected = name === 'json' ? OFFSET_ROWS.filter((id) => id > after) : [];
    expect(usual.filter((id) => id > after)).toEqual(expected);
    expect(verbatim.length).toBeGreaterThan(10_000);
    expect(verbatim.length + usual.length).toBe(ROWS);
  });

  it('loads exactly what the usual path loads', async () => {
    await client.query(`
      DROP TABLE IF EXISTS as_text, usual;
      CREATE TABLE as_text (id numeric, amount double precision, at timestamp);
      CREATE TABLE usual (id numeric PRIMARY KEY, amount double precision, at timestamp);
    `);
    const appended = await load(SOURCES[name](), 'as_text', { mode: 'append' });
    const upserted = await load(SOURCES[name](), 'usual', {
      mode: 'upsert',
      key: ['id'],
      duplicateKeys: 'reject',
    });
    await expectLoadedAlike(client, store, appended, upserted, 'id, amount, at');
    expect(appended.counts.inserted).toBe(ROWS);
    const rows = await client.query(
      "SELECT id::text, amount, to_char(at, 'YYYY-MM-DD HH24:MI:SS') AS at FROM as_text WHERE id IN (1, 2000, 2001) ORDER BY id",
    );
    // 2000 is the JSON's 20:20:05+02:00: its UTC wall time.
    expect(rows.rows).toEqual([
      { id: '1', amount: 0.1, at: '2024-01-01 01:01:05' },
      { id: '2000', amount: 2000, at: name === 'json' ? '2024-01-01 06:20:05' : '2024-01-01 08:20:05' },
      { id: '2001', amount: 2001.1, at: '2024-01-01 09:21:05' },
    ]);
  });
});

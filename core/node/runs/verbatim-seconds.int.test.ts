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

// Rows sent as their COPY text into a `timestamptz(3)`: PostgreSQL would round 10:00:00.1234 to
// .123 without a word, so the load refuses such a time (`too_many_decimals`); each time is checked
// for its significant fraction digits (trailing zeros do not count) and one with more goes the
// usual way. What lands and what is refused must be what the usual path does.

const ROWS = 30_000;
const dir = tempDir();
const sqliteFile = join(dir, 'times.db');
const jsonFile = join(dir, 'times.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** Row n's fraction of a second: none, 3 digits, trailing zeros, or (every 1,000th) 4 digits. */
function fraction(n: number): string {
  if (n % 1000 === 0) return '.1234';
  return n % 3 === 0 ? '' : n % 3 === 1 ? '.125' : '.500000';
}
const time = (n: number) => `2024-01-01 ${String(n % 24).padStart(2, '0')}:00:05${fraction(n)}`;
const REFUSED = Array.from({ length: ROWS / 1000 }, (_, i) => (i + 1) * 1000);

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'verbatim_seconds');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, '${time(i + 1)}+00')`);
  await client.query(`SET TimeZone = 'UTC'; CREATE TABLE source_times (id int4 PRIMARY KEY, at timestamptz);
    INSERT INTO source_times VALUES ${values.join(', ')}`);
  const db = new Database(sqliteFile);
  db.exec('CREATE TABLE times (id INTEGER PRIMARY KEY, at DATETIME)');
  const insert = db.prepare('INSERT INTO times VALUES (?, ?)');
  db.transaction(() => {
    for (let n = 1; n <= ROWS; n++) insert.run(n, time(n));
  })();
  db.close();
  const records = Array.from(
    { length: ROWS },
    (_, i) => `{"id": ${i + 1}, "at": "${time(i + 1).replace(' ', 'T')}Z"}`,
  );
  writeFileSync(jsonFile, `[\n${records.join(',\n')}\n]\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SOURCES = {
  postgres: () => ({ kind: 'postgres', connection: url, table: 'source_times' }),
  sqlite: () => ({ kind: 'sqlite', path: sqliteFile, table: 'times' }),
  json: () => ({ path: jsonFile }),
} as const;

const load = (source: Record<string, unknown>, table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source,
      target: { connection: url, table, ...target },
      format: { timeZone: 'UTC' },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])('a %s source into timestamptz(3)', (name) => {
  it('sends times with at most three significant fraction digits as COPY text, the others the usual way', async () => {
    const job = await planJob(
      parseJobSpec({
        source: SOURCES[name](),
        target: { connection: url, table: 'unused' },
        format: { timeZone: 'UTC' },
        settings: { sampleSize: 50 },
      } as never),
    );
    const offered = await readOffered(job, (i) =>
      i === 1 ? { base: 'timestamptz', rounds: true, secondsDigits: 3 } : { base: null, rounds: false },
    );
    const usual = offered.usual.map((cells) => Number(String(cells[0])));
    const verbatim = offered.verbatim.map(({ cells }) => Number(String(cells[0])));
    const after = Math.min(...verbatim);
    expect(usual.filter((id) => id > after)).toEqual(REFUSED.filter((id) => id > after));
    expect(verbatim.length).toBeGreaterThan(10_000);
    expect(verbatim.length + usual.length).toBe(ROWS);
  });

  it('loads and refuses exactly what the usual path does', async () => {
    await client.query(`
      DROP TABLE IF EXISTS as_text, usual;
      CREATE TABLE as_text (id int4, at timestamptz(3));
      CREATE TABLE usual (id int4 PRIMARY KEY, at timestamptz(3));
    `);
    const appended = await load(SOURCES[name](), 'as_text', { mode: 'append' });
    const upserted = await load(SOURCES[name](), 'usual', {
      mode: 'upsert',
      key: ['id'],
      duplicateKeys: 'reject',
    });
    await expectLoadedAlike(client, store, appended, upserted, 'id, at');
    expect(appended.counts.rejected).toBe(REFUSED.length);
    const reasons = new Set(store.reports.page(appended.runId).rows.map((r) => r.errors[0]!.reason));
    expect([...reasons]).toEqual(['too_many_decimals']);
    const loaded = await client.query(
      "SELECT to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS at FROM as_text WHERE id IN (1, 2, 3) ORDER BY id",
    );
    expect(loaded.rows.map((r) => r.at)).toEqual(['01:00:05.125000', '02:00:05.500000', '03:00:05.000000']);
  });
});

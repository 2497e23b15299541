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

// Rows sent as their COPY text into an existing table whose numeric column has a scale
// (`numeric(12,2)`, the usual money column): PostgreSQL would round 10.125 to 10.13 without a word,
// so the load refuses such a value (`too_many_decimals`). Before, any such column sent every row
// the usual way (an API load into it took twice as long); now each value is checked for its
// significant decimals, and what lands and what is refused must be what the usual path does.

const ROWS = 30_000;
const dir = tempDir();
const sqliteFile = join(dir, 'amounts.db');
const jsonFile = join(dir, 'amounts.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** Row n's amount as a decimal's text: whole, two decimals, trailing zeros, or three decimals (refused). */
function amount(n: number): string {
  if (n % 997 === 0) return `${n}.125`;
  if (n % 3 === 0) return (n * 1.25).toString();
  if (n % 3 === 1) return `${n}.500`;
  return String(n);
}
/** Rows the target refuses: three significant decimals, and one number too wide for numeric(12,2). */
const REFUSED = [...Array.from({ length: Math.floor(ROWS / 997) }, (_, i) => (i + 1) * 997), ROWS + 1];
const WIDE = '12345678901.5';

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'verbatim_scale');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const values = Array.from({ length: ROWS }, (_, i) => [i + 1, amount(i + 1)] as const);
  await client.query(`
    CREATE TABLE source_amounts (id int4 PRIMARY KEY, amount numeric);
    INSERT INTO source_amounts SELECT n, CASE WHEN n % 997 = 0 THEN n + 0.125 WHEN n % 3 = 0 THEN n * 1.25
      WHEN n % 3 = 1 THEN (n || '.500')::numeric ELSE n END FROM generate_series(1, ${ROWS}) n;
    INSERT INTO source_amounts VALUES (${ROWS + 1}, ${WIDE});
  `);
  const db = new Database(sqliteFile);
  db.exec('CREATE TABLE amounts (id INTEGER PRIMARY KEY, amount NUMERIC)');
  const insert = db.prepare('INSERT INTO amounts VALUES (?, ?)');
  db.transaction(() => {
    for (const [id, text] of values) insert.run(id, Number(text));
    insert.run(ROWS + 1, Number(WIDE));
  })();
  db.close();
  const records = values.map(([id, text]) => `{"id": ${id}, "amount": ${text}}`);
  records.push(`{"id": ${ROWS + 1}, "amount": ${WIDE}}`);
  writeFileSync(jsonFile, `[\n${records.join(',\n')}\n]\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SOURCES = {
  postgres: () => ({ kind: 'postgres', connection: url, table: 'source_amounts' }),
  sqlite: () => ({ kind: 'sqlite', path: sqliteFile, table: 'amounts' }),
  json: () => ({ path: jsonFile }),
} as const;

const load = (source: Record<string, unknown>, table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source,
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])('a %s source into numeric(12,2)', (name) => {
  it('sends values with at most two significant decimals as COPY text, the others the usual way', async () => {
    const job = await planJob(
      parseJobSpec({
        source: SOURCES[name](),
        target: { connection: url, table: 'unused' },
        settings: { sampleSize: 50 },
      }),
    );
    const offered = await readOffered(job, (i) =>
      i === 1 ? { base: 'numeric', rounds: true, decimals: 2 } : { base: null, rounds: false },
    );
    const usual = offered.usual.map((cells) => Number(String(cells[0])));
    const verbatim = offered.verbatim.map(({ cells }) => Number(String(cells[0])));
    // Past the rows read before the offer, only the three-decimal amounts go the usual way (the
    // too-wide one has one decimal: PostgreSQL refuses it, it is not rounded).
    const after = Math.min(...verbatim);
    expect(usual.filter((id) => id > after)).toEqual(REFUSED.slice(0, -1).filter((id) => id > after));
    expect(verbatim).toContain(ROWS + 1);
    expect(verbatim.length).toBeGreaterThan(10_000);
    expect(verbatim.length + usual.length).toBe(ROWS + 1);
  });

  it('loads and refuses exactly what the usual path does', async () => {
    await client.query(`
      DROP TABLE IF EXISTS as_text, usual;
      CREATE TABLE as_text (id int4, amount numeric(12,2));
      CREATE TABLE usual (id int4 PRIMARY KEY, amount numeric(12,2));
    `);
    const appended = await load(SOURCES[name](), 'as_text', { mode: 'append' });
    const upserted = await load(SOURCES[name](), 'usual', {
      mode: 'upsert',
      key: ['id'],
      duplicateKeys: 'reject',
    });
    await expectLoadedAlike(client, store, appended, upserted, 'id, amount');
    expect(appended.counts.rejected).toBe(REFUSED.length);
    const reasons = store.reports
      .page(appended.runId)
      .rows.map((r) => r.errors.map((e) => e.reason).join())
      .sort();
    expect(reasons).toEqual([
      'database_rejected',
      ...Array.from({ length: REFUSED.length - 1 }, () => 'too_many_decimals'),
    ]);
    const loaded = await client.query('SELECT amount::text FROM as_text WHERE id IN (4, 5, 6) ORDER BY id');
    // '4.500' kept as 4.50 (trailing zeros are not rounded away), 5 and 7.5 as they are.
    expect(loaded.rows.map((r) => r.amount)).toEqual(['4.50', '5.00', '7.50']);
  });
});

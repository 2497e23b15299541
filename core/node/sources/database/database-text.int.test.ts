import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// A database's text loaded as text is the database's data, not a writer's conventions: 'NA'
// (Namibia), '-', 'none', '' and '  padded ' load as they are; only the database's NULL is NULL.
// A text column that becomes another type (a legacy column of dates) is still read like a CSV
// column: trimmed, with the null tokens. Both on rows sent as COPY text and rows normalized one by one.

let sourceUrl = '';
let targetUrl = '';
let src: pg.Client;
let dst: pg.Client;
let store: RunStore;
const file = join(tempDir(), 'countries.db');

const VALUES: [number, string | null][] = [
  [1, 'NA'],
  [2, ' France '],
  [3, ''],
  [4, '-'],
  [5, 'none'],
  [6, 'null'],
  [7, 'NULL'],
  [8, 'N/A'],
  [9, null],
  [10, 'tab\tand\nnewline '],
];

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'db_text_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'db_text_to');
  src = new pg.Client({ connectionString: sourceUrl });
  dst = new pg.Client({ connectionString: targetUrl });
  await src.connect();
  await dst.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  await src.query(`CREATE TABLE countries (id int PRIMARY KEY, code text, padded char(20), born text)`);
  await src.query(
    `INSERT INTO countries SELECT v.id, v.code, v.code, CASE WHEN v.id = 1 THEN 'NA' ELSE '2024-01-0' || (v.id % 9 + 1) END
       FROM json_to_recordset($1) AS v(id int, code text)`,
    [JSON.stringify(VALUES.map(([id, code]) => ({ id, code })))],
  );
  const db = new Database(file);
  db.exec('CREATE TABLE countries (id INTEGER PRIMARY KEY, code TEXT, born TEXT)');
  const insert = db.prepare('INSERT INTO countries VALUES (?, ?, ?)');
  for (const [id, code] of VALUES) insert.run(id, code, id === 1 ? ' NA ' : `2024-01-0${(id % 9) + 1}`);
  db.close();
});
afterAll(async () => {
  store?.close();
  await src?.end();
  await dst?.end();
});

const load = (spec: Parameters<typeof runLoad>[0]) =>
  runLoad(spec, {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

async function loaded(table: string, column = 'code'): Promise<[number, string | null][]> {
  const got = await dst.query(`SELECT id::int AS id, ${column} AS v FROM ${table} ORDER BY id`);
  return got.rows.map((r) => [r.id, r.v]);
}

describe("a database's text", () => {
  it('SQLite: loads as it is, spaces and null-looking words included', async () => {
    const outcome = await load({
      source: { kind: 'sqlite', path: file, table: 'countries' },
      target: { connection: targetUrl, table: 'sqlite_countries' },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 10, inserted: 10, rejected: 0 });
    expect(await loaded('sqlite_countries')).toEqual(VALUES);
    // A text column of dates is typed date and read like a CSV column: ' NA ' is NULL.
    const types = await dst.query(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'sqlite_countries' AND column_name = 'born'`,
    );
    expect(types.rows[0].data_type).toBe('date');
    expect((await loaded('sqlite_countries', 'born::text'))[0]).toEqual([1, null]);
  });

  it('PostgreSQL: loads as it is (char(n) padding kept), on rows sent as COPY text and rows normalized one by one', async () => {
    const outcome = await load({
      source: { kind: 'postgres', connection: sourceUrl, table: 'countries' },
      target: { connection: targetUrl, table: 'pg_countries' },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 10, inserted: 10, rejected: 0 });
    expect(await loaded('pg_countries')).toEqual(VALUES);
    expect(await loaded('pg_countries', 'padded')).toEqual(
      VALUES.map(([id, code]) => [id, code === null ? null : code.padEnd(20)]),
    );
    // A target column of another type makes the rows go one by one: the text is still kept.
    await dst.query(
      'CREATE TABLE pg_countries_typed (id int8 PRIMARY KEY, code varchar(40), padded text, born date)',
    );
    const typed = await load({
      source: { kind: 'postgres', connection: sourceUrl, table: 'countries' },
      target: { connection: targetUrl, table: 'pg_countries_typed' },
    });
    expect(typed.error ?? null).toBeNull();
    expect(typed.counts).toMatchObject({ read: 10, inserted: 10, rejected: 0 });
    expect(await loaded('pg_countries_typed')).toEqual(VALUES);
  });

  it("the job's or column's null tokens still apply when set; the preview shows the values as they load", async () => {
    const outcome = await load({
      source: { kind: 'sqlite', path: file, table: 'countries' },
      target: { connection: targetUrl, table: 'sqlite_countries_tokens' },
      format: { nullTokens: ['NA', ''] },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(await loaded('sqlite_countries_tokens')).toEqual(
      VALUES.map(([id, code]) => [id, code === 'NA' || code === '' ? null : code]),
    );
    const shown = await preview(
      { source: { kind: 'sqlite', path: file, table: 'countries' } },
      { limit: 10 },
    );
    const code = shown.columns.find((c) => c.source === 'code')!;
    expect(code.type).toBe('text');
    expect(code.format.nullTokens).toEqual([]);
    expect(code.nullCount).toBe(1);
    const normalized = shown.rows.map((r) => r.values[code.name] ?? null);
    expect(normalized).toEqual(VALUES.map(([, v]) => v));
  });
});

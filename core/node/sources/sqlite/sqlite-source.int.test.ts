import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { openSource } from '../open-source.ts';

let url = '';
let client: pg.Client;
let store: RunStore;
const dir = tempDir();
const file = join(dir, 'crm.bin'); // an SQLite file whatever its name says

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'sqlite_source');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const db = new Database(file);
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, score INTEGER, price NUMERIC,
      ratio REAL, active BOOLEAN, born DATE, seen DATETIME, photo BLOB, big BIGINT);
    INSERT INTO customers VALUES
      (1, 'Ada', 10, '12.50', 0.25, 1, '1990-05-01', '2024-01-02 03:04:05', x'0102ff', 9007199254740993),
      (2, 'Bob', 'eleven', '3', 1.5, 0, '1985-12-31', '2024-06-30 23:59:59', NULL, -5),
      (3, 'Cy', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    CREATE TABLE events (seq INTEGER, what TEXT);
    INSERT INTO events VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');
  `);
  db.close();
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const load = (spec: Parameters<typeof runLoad>[0]) =>
  runLoad(spec, {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

describe('SQLite source', () => {
  it('reads declared types exactly and rejects a text in an INTEGER column with its reason and key', async () => {
    const outcome = await load({
      source: { kind: 'sqlite', path: file, table: 'customers' },
      target: { connection: url, table: 'crm_customers' },
      settings: { maxErrorRate: 0.5 },
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.counts).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const types = await client.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'crm_customers' ORDER BY ordinal_position`,
    );
    expect(Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]))).toMatchObject({
      id: 'bigint',
      score: 'bigint',
      price: 'numeric',
      ratio: 'numeric',
      active: 'boolean',
      born: 'date',
      seen: 'timestamp with time zone',
      photo: 'text',
      big: 'bigint',
    });
    const rows = await client.query(
      `SELECT id, name, score, price::text, ratio::text, active, born::text, seen AT TIME ZONE 'UTC' AS seen, photo, big::text
         FROM crm_customers ORDER BY id`,
    );
    expect(rows.rows[0]).toMatchObject({
      id: '1',
      name: 'Ada',
      score: '10',
      price: '12.5',
      ratio: '0.25',
      active: true,
      born: '1990-05-01',
      photo: '0102ff',
      big: '9007199254740993',
    });
    expect(rows.rows.map((r) => r.id)).toEqual(['1', '3']);
    expect(rows.rows[1]).toMatchObject({ name: 'Cy', score: null, price: null, active: null });
    const page = store.reports.page(outcome.runId);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]!.at).toEqual({ kind: 'key', key: { id: '2' } });
    expect(page.rows[0]!.errors).toMatchObject([{ column: 'score', reason: 'invalid_integer' }]);
  });

  it('text that is not UTF-8 is a rejected row (invalid_encoding), a real U+FFFD is loaded as it is', async () => {
    const notes = join(dir, 'notes.db');
    const db = new Database(notes);
    db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
      INSERT INTO notes VALUES (1, 'plain'), (2, CAST(x'fffe41' AS TEXT)), (3, 'caf' || char(233)),
        (4, 'a ' || char(65533) || ' really there'), (5, CAST(x'636166c3' AS TEXT));
      CREATE TABLE keyless (body TEXT);
      INSERT INTO keyless VALUES ('fine'), (CAST(x'c3' AS TEXT));`);
    // Enough rows for the ones that go as COPY text to be written in runs around the odd ones.
    const insert = db.prepare('INSERT INTO notes VALUES (?, ?)');
    for (let id = 6; id <= 3000; id++) insert.run(id, `note ${id}`);
    db.close();
    const outcome = await load({
      source: { kind: 'sqlite', path: notes, table: 'notes' },
      target: { connection: url, table: 'sqlite_notes' },
      settings: { maxErrorRate: 0.5 },
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.counts).toMatchObject({ read: 3000, inserted: 2998, rejected: 2 });
    const kept = await client.query('SELECT id, body FROM sqlite_notes WHERE id <= 5 ORDER BY id');
    expect(kept.rows).toEqual([
      { id: '1', body: 'plain' },
      { id: '3', body: 'café' },
      { id: '4', body: 'a \uFFFD really there' },
    ]);
    const page = store.reports.page(outcome.runId);
    expect(page.rows.map((r) => r.at)).toEqual([
      { kind: 'key', key: { id: '2' } },
      { kind: 'key', key: { id: '5' } },
    ]);
    expect(page.rows[0]!.errors).toMatchObject([
      {
        // The report names the column (it was a row-level error, column empty).
        column: 'body',
        reason: 'invalid_encoding',
        message: expect.stringContaining("column 'body' holds bytes that are not valid UTF-8 (x'fffe41')"),
      },
    ]);
    // Without a key the bytes cannot be read again: a U+FFFD is rejected, saying why.
    const keyless = await load({
      source: { kind: 'sqlite', path: notes, query: 'SELECT body FROM keyless' },
      target: { connection: url, table: 'sqlite_keyless' },
      settings: { maxErrorRate: 0.5 },
    });
    expect(keyless.counts).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    expect(store.reports.page(keyless.runId).rows[0]!.errors).toMatchObject([
      {
        column: 'body',
        reason: 'invalid_encoding',
        message: expect.stringContaining('without a primary key'),
      },
    ]);
  });

  it('reads a query, and a file another connection holds open for writing', async () => {
    const writer = new Database(file);
    writer.exec('BEGIN IMMEDIATE');
    try {
      const source = await openSource({
        kind: 'sqlite',
        path: file,
        query: 'SELECT what, seq * 2 AS twice FROM events ORDER BY seq',
      });
      expect(source.columns).toEqual(['what', 'twice']);
      const rows = [];
      for await (const batch of source.rows()) rows.push(...batch);
      expect(rows.map((r) => r.values)).toEqual([
        ['a', 2],
        ['b', 4],
        ['c', 6],
        ['d', 8],
      ]);
      expect(source.placeOf?.(3, { what: 'c' })).toEqual({ kind: 'row', row: 3 });
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it('a statement that fails while the rows are read fails the read, naming the source', async () => {
    // abs() of the smallest integer overflows when SQLite steps to that row, after rows came.
    const source = await openSource({
      kind: 'sqlite',
      path: file,
      query:
        'SELECT seq, abs(CASE WHEN seq = 4 THEN -9223372036854775807 - 1 ELSE seq END) AS a FROM events ORDER BY seq',
    });
    const failure = await (async () => {
      for await (const _ of source.rows()) {
        // reading on
      }
    })().catch((e: Error & { code?: string }) => e);
    expect(failure).toMatchObject({ code: 'SOURCE_UNREADABLE' });
    expect((failure as Error).message).toMatch(
      /^sqlite .*crm\.bin query: SQLite refused the read: integer overflow/,
    );
  });

  it('pushes an incremental watermark down: only the row at the mark and newer rows are read', async () => {
    const spec = {
      name: 'events-inc',
      source: { kind: 'sqlite' as const, path: file, table: 'events' },
      target: {
        connection: url,
        table: 'events_inc',
        mode: 'incremental' as const,
        key: ['seq'],
        watermark: 'seq',
      },
    };
    expect((await load(spec)).counts).toMatchObject({ read: 4, inserted: 4 });
    const db = new Database(file);
    db.exec("INSERT INTO events VALUES (5, 'e')");
    db.close();
    // Read 2 rows, not 5: the source asked for seq >= 4 only (4, at the mark, is compared by key:
    // unchanged).
    expect((await load(spec)).counts).toMatchObject({ read: 2, inserted: 1, unchanged: 1, skipped: 0 });
  });

  it('pushes a timestamp watermark down onto ISO-like texts; other values are read and compared after', async () => {
    const db = new Database(file);
    db.exec(`CREATE TABLE visits (id INTEGER PRIMARY KEY, at DATETIME);
      INSERT INTO visits VALUES (1, '2024-01-01 08:00:00'), (2, '2024-01-02 08:00:00'),
        (3, '2024-01-03T08:00:00')`);
    db.close();
    const spec = {
      name: 'visits-inc',
      source: { kind: 'sqlite' as const, path: file, table: 'visits' },
      target: {
        connection: url,
        table: 'visits_inc',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'at',
      },
      // The epoch value below is rejected; let the run go on to show the rest.
      settings: { maxErrorRate: 0.5 },
    };
    expect((await load(spec)).counts).toMatchObject({ read: 3, inserted: 3 });
    const writer = new Database(file);
    // A new visit; a late one just older than the mark; one as epoch seconds (never left out unread).
    writer.exec(`INSERT INTO visits VALUES (4, '2024-01-04 09:00:00'), (5, '2024-01-03 00:00:00'),
      (6, 1704358800)`);
    writer.close();
    const second = await load(spec);
    // Rows 1 and 2 are below the mark less 15 hours and not read; 3 is read and, at the mark, compared
    // by key (unchanged); 5 is read and skipped (below the mark); 4 is loaded; 6 is read, and rejected
    // with its reason (never left out unread).
    expect(second.counts).toMatchObject({ read: 4, inserted: 1, unchanged: 1, skipped: 1, rejected: 1 });
    const got = await client.query('SELECT id::int AS id FROM visits_inc ORDER BY id');
    expect(got.rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });

  it('previews a table, and refuses a statement that returns no rows', async () => {
    const copy = join(dir, 'copy.sqlite');
    copyFileSync(file, copy);
    const result = await preview({ source: { kind: 'sqlite', path: copy, table: 'events' } }, { limit: 2 });
    expect(result.format.kind).toBe('sqlite');
    expect(result.rows).toHaveLength(2);
    await expect(
      openSource({ kind: 'sqlite', path: copy, query: 'DELETE FROM events' }),
    ).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    await expect(
      openSource({ kind: 'sqlite', path: join(dir, 'none.db'), table: 't' }),
    ).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
    });
  });
});

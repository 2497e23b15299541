import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobSpecInput } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// A query ending in a `-- comment` is wrapped as a subquery (the watermark pushed down, the column
// probe, the preview): the comment must not swallow the wrapper's closing parenthesis.

let sourceUrl = '';
let targetUrl = '';
let src: pg.Client;
let dst: pg.Client;
let store: RunStore;

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'query_comment_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'query_comment_to');
  src = new pg.Client({ connectionString: sourceUrl });
  dst = new pg.Client({ connectionString: targetUrl });
  await src.connect();
  await dst.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(async () => {
  store?.close();
  await src?.end();
  await dst?.end();
});

const load = (source: JobSpecInput['source'], table: string) =>
  runLoad(
    {
      source,
      target: { connection: targetUrl, table, mode: 'incremental', key: ['id'], watermark: 'id' },
    } as Parameters<typeof runLoad>[0],
    {
      store,
      env: {},
      dryRun: false,
      openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    },
  );

const count = async (table: string) =>
  Number((await dst.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

describe('an incremental query ending in a -- comment', () => {
  it('SQLite: the second run reads only the row at the mark and the newer rows (no "incomplete input")', async () => {
    const file = join(tempDir(), 'crm.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
      WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10)
      INSERT INTO customers SELECT n, 'c' || n FROM g`);
    const source = { kind: 'sqlite' as const, path: file, query: 'select * from customers -- c' };
    const first = await load(source, 'comment_sqlite');
    expect(first).toMatchObject({ status: 'succeeded', counts: { read: 10, inserted: 10 } });
    db.exec("INSERT INTO customers VALUES (11, 'c11'), (12, 'c12')");
    db.close();
    const second = await load(source, 'comment_sqlite');
    expect(second.error).toBeNull();
    // Pushed down: only the row at the mark (compared by key: unchanged) and the two newer rows are
    // read, none skipped.
    expect(second).toMatchObject({
      status: 'succeeded',
      counts: { read: 3, inserted: 2, unchanged: 1, skipped: 0 },
    });
    expect(second.watermark).toEqual({ before: '10', after: '12' });
    expect(await count('comment_sqlite')).toBe(12);
  });

  it('PostgreSQL: the mark is still pushed down (only the row at it and the newer rows are read)', async () => {
    await src.query(`CREATE TABLE customers (id int PRIMARY KEY, name text);
      INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g`);
    const source = {
      kind: 'postgres' as const,
      connection: sourceUrl,
      query: 'select * from customers -- c',
    };
    const first = await load(source, 'comment_pg');
    expect(first).toMatchObject({ status: 'succeeded', counts: { read: 10, inserted: 10 } });
    await src.query("INSERT INTO customers VALUES (11, 'c11'), (12, 'c12')");
    const second = await load(source, 'comment_pg');
    expect(second).toMatchObject({
      status: 'succeeded',
      counts: { read: 3, inserted: 2, unchanged: 1, skipped: 0 },
    });
    expect(second.watermark).toEqual({ before: '10', after: '12' });
    expect(await count('comment_pg')).toBe(12);
  });
});

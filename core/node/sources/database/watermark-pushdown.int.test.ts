import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobSpecInput } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// An incremental load's mark pushed down into a database source's read (`WHERE col >= mark`) must read
// every row the loader would take: not when the column's own type orders otherwise (text), NULL rows
// every time (so they are reported each run), marks beyond 64 bits in SQLite.

let sourceUrl = '';
let targetUrl = '';
let src: pg.Client;
let dst: pg.Client;
let store: RunStore;
const dir = tempDir();

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'wm_pushdown_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'wm_pushdown_to');
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

const load = (spec: JobSpecInput) =>
  runLoad(spec as Parameters<typeof runLoad>[0], {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

const incremental = (name: string, source: JobSpecInput['source'], table: string, watermark: string) => ({
  name,
  source,
  target: { connection: targetUrl, table, mode: 'incremental' as const, key: ['id'], watermark },
  settings: { maxErrorRate: 1 },
});

/** The target's ids, as text, sorted as numbers. */
const ids = async (table: string) =>
  (await dst.query(`SELECT id::text AS id FROM ${table}`)).rows
    .map((r) => r.id as string)
    .sort((a, b) => Number(a) - Number(b));

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

const reasons = (runId: string) =>
  store.reports
    .page(runId)
    .rows.map((r) => [r.at, r.errors[0]?.reason])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('PostgreSQL: the watermark pushed down', () => {
  it('a text column of numbers is read whole and compared after normalizing: every row arrives once', async () => {
    await src.query(`CREATE TABLE inc_txt (id text, v text);
      INSERT INTO inc_txt SELECT g::text, 'v' || g FROM generate_series(1, 9) g`);
    const spec = incremental(
      'pg-text',
      { kind: 'postgres', connection: sourceUrl, table: 'inc_txt' },
      'inc_txt',
      'id',
    );
    expect((await load(spec)).watermark).toEqual({ before: null, after: '9' });
    await src.query(`INSERT INTO inc_txt SELECT g::text, 'v' || g FROM generate_series(10, 20) g;
      INSERT INTO inc_txt VALUES ('95', 'v95')`);
    const second = await load(spec);
    // 1..8 below the mark: skipped; 9, at it, compared by key: unchanged; 10..20 and 95: inserted.
    expect(second.counts).toMatchObject({ read: 21, inserted: 12, unchanged: 1, skipped: 8, rejected: 0 });
    expect(second.watermark).toEqual({ before: '9', after: '95' });
    expect(await ids('inc_txt')).toEqual([...range(1, 20), '95']);
    // The same through a query.
    const byQuery = incremental(
      'pg-text-q',
      { kind: 'postgres', connection: sourceUrl, query: 'select id, v from inc_txt where id <> $$95$$' },
      'inc_txt_q',
      'id',
    );
    expect((await load(byQuery)).counts).toMatchObject({ inserted: 20 });
    expect(await ids('inc_txt_q')).toEqual(range(1, 20));
  });

  it('an integer column with a decimal mark, or one beyond int8, is compared exactly (not as an int)', async () => {
    await src.query(`CREATE TABLE inc_int (id int PRIMARY KEY, seq int);
      INSERT INTO inc_int SELECT g, g FROM generate_series(1, 5) g`);
    // The target's column is numeric (a numeric column of another source created it), and its marks
    // were kept by an earlier version (no basis: taken as they are).
    await dst.query('CREATE TABLE inc_int (id int PRIMARY KEY, seq numeric)');
    const slot = `${store.connections.resolve(targetUrl, { env: {} }).label}/inc_int`;
    const table = incremental(
      'pg-int',
      { kind: 'postgres', connection: sourceUrl, table: 'inc_int' },
      'inc_int',
      'seq',
    );
    store.watermarks.set('job:pg-int', slot, '4.5');
    // 4.5 against an int column: not pushed down ('4.5' is no integer), every row read.
    const b = await load(table);
    expect(b.watermark).toEqual({ before: '4.5', after: '5' });
    expect(b.counts).toMatchObject({ read: 5, inserted: 1, skipped: 4 });
    store.watermarks.set('job:pg-int', slot, '99999999999999999999999');
    await src.query('INSERT INTO inc_int VALUES (6, 6)');
    // Beyond int8: compared as numeric; nothing is newer.
    const d = await load(table);
    expect(d).toMatchObject({ status: 'succeeded', counts: { read: 0 } });
  });

  it('a row whose watermark is NULL is read and rejected as missing_watermark on every run', async () => {
    for (const watermark of ['ts', 'n']) {
      const name = `inc_null_${watermark}`;
      await src.query(`CREATE TABLE ${name} (id int PRIMARY KEY, ts timestamptz, n int);
        INSERT INTO ${name} VALUES (1, '2024-01-01 00:00:00.123456+00', 1), (2, NULL, NULL)`);
      const spec = incremental(
        `pg-null-${watermark}`,
        { kind: 'postgres', connection: sourceUrl, table: name },
        name,
        watermark,
      );
      const first = await load(spec);
      expect(first.counts).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
      expect(reasons(first.runId)).toEqual([[{ kind: 'key', key: { id: '2' } }, 'missing_watermark']]);
      await src.query(`INSERT INTO ${name} VALUES (3, '2024-01-01 00:00:00.123457+00', 3), (5, NULL, NULL)`);
      const second = await load(spec);
      // Row 1, at the mark, is read again (compared by key: unchanged); rows 2 and 5 are read, and
      // reported again; row 3 is new.
      expect(second.counts).toMatchObject({ read: 4, inserted: 1, unchanged: 1, rejected: 2, skipped: 0 });
      expect(reasons(second.runId)).toEqual([
        [{ kind: 'key', key: { id: '2' } }, 'missing_watermark'],
        [{ kind: 'key', key: { id: '5' } }, 'missing_watermark'],
      ]);
    }
  });
});

describe('SQLite: the watermark pushed down', () => {
  it('a TEXT column of numbers is read whole: every row arrives once', async () => {
    const file = join(dir, 'text.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id TEXT, v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    for (const i of range(1, 9)) insert.run(i, `v${i}`);
    const spec = incremental('sqlite-text', { kind: 'sqlite', path: file, table: 't' }, 'sqlite_txt', 'id');
    expect((await load(spec)).watermark).toEqual({ before: null, after: '9' });
    for (const i of [...range(10, 20), '95']) insert.run(i, `v${i}`);
    db.close();
    const second = await load(spec);
    // 1..8 below the mark: skipped; 9, at it, compared by key: unchanged; 10..20 and 95: inserted.
    expect(second.counts).toMatchObject({ read: 21, inserted: 12, unchanged: 1, skipped: 8 });
    expect(await ids('sqlite_txt')).toEqual([...range(1, 20), '95']);
  });

  it('an INTEGER column: numbers compared as numbers, a text in it read (and rejected), NULLs each run', async () => {
    const file = join(dir, 'int.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER);
      INSERT INTO t VALUES (1, 1), (2, 9), (3, NULL)`);
    const spec = incremental('sqlite-int', { kind: 'sqlite', path: file, table: 't' }, 'sqlite_int', 'seq');
    const first = await load(spec);
    expect(first.counts).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    db.exec("INSERT INTO t VALUES (4, 10), (5, 'eleven'), (6, NULL), (7, 5)");
    db.close();
    const second = await load(spec);
    // Read: 9 (at the mark, compared by key: unchanged), 10, 'eleven' (a text is above every number
    // in SQLite) and the two NULLs; not 1, 5.
    expect(second.counts).toMatchObject({ read: 5, inserted: 1, unchanged: 1, rejected: 3, skipped: 0 });
    expect(reasons(second.runId)).toEqual([
      [{ kind: 'key', key: { id: '3' } }, 'missing_watermark'],
      [{ kind: 'key', key: { id: '5' } }, 'invalid_integer'],
      [{ kind: 'key', key: { id: '6' } }, 'missing_watermark'],
    ]);
    expect(second.watermark).toEqual({ before: '9', after: '10' });
  });

  it('a numeric mark beyond 64 bits is compared as a REAL: later runs work', async () => {
    const file = join(dir, 'huge.db');
    const db = new Database(file);
    db.exec('CREATE TABLE h (id INTEGER PRIMARY KEY, n NUMERIC); INSERT INTO h VALUES (1, 1e23), (2, 5)');
    const spec = incremental('sqlite-huge', { kind: 'sqlite', path: file, table: 'h' }, 'sqlite_huge', 'n');
    const first = await load(spec);
    expect(first).toMatchObject({ status: 'succeeded', watermark: { after: '100000000000000000000000' } });
    db.exec('INSERT INTO h VALUES (3, 2e23), (4, 7)');
    db.close();
    const second = await load(spec);
    expect(second).toMatchObject({ status: 'succeeded', watermark: { after: '200000000000000000000000' } });
    // 1e23 itself is read again (compared as `>=` its double) and, at the mark, compared by key:
    // unchanged; 2e23 is new.
    expect(second.counts).toMatchObject({ read: 2, inserted: 1, unchanged: 1, skipped: 0 });
    expect((await load(spec)).status).toBe('succeeded');
  });
});

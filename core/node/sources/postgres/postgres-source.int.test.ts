import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { openSource } from '../open-source.ts';
import { listPostgresTables } from './pg-tables.ts';

const RUNNING_SLEEP =
  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%SELECT pg_sleep(60), 1 AS one%' AND query NOT LIKE '%pg_stat_activity%' AND state = 'active'";

let sourceUrl = '';
let targetUrl = '';
let password = '';
let src: pg.Client;
let dst: pg.Client;
let store: RunStore;

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'pg_source_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'pg_source_to');
  src = new pg.Client({ connectionString: sourceUrl });
  dst = new pg.Client({ connectionString: targetUrl });
  await src.connect();
  await dst.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  // Saved connections keep no password here: it comes from PGPASSWORD, as in a headless setup.
  const u = new URL(sourceUrl);
  password = decodeURIComponent(u.password);
  u.password = '';
  store.connections.save({ name: 'replica', url: u.toString() });
  await src.query(`
    CREATE TYPE mood AS ENUM ('sad', 'happy');
    CREATE TABLE every_type (
      id int8 PRIMARY KEY, small int2, mid int4, amount numeric(30,10), ok boolean, day date,
      at timestamptz, naive timestamp, doc jsonb, j json, uid uuid, bytes bytea, tags text[],
      feeling mood, note text, ratio float8);
    INSERT INTO every_type VALUES
      (9007199254740993, -32768, 2147483647, '12345678901234567890.0123456789', true, '2024-02-29',
       '2024-01-02 03:04:05.123456+00', '2024-06-01 12:00:00.000001',
       '{"id": 123456789012345678901234567890, "price": 1.10, "n": null}', '{"a": [1, 2.50]}',
       'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '\\x00ff10', '{a,"b c"}', 'happy', '  kept  ', 0.1),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    CREATE TABLE orders (id int PRIMARY KEY, seq int NOT NULL, item text, price numeric(12,2));
    INSERT INTO orders SELECT g, g, 'item ' || g, g * 1.25 FROM generate_series(1, 50) g;
    CREATE INDEX ON orders (seq);
    CREATE TABLE legacy (id int, born text);
    INSERT INTO legacy VALUES (1, '03/04/2024'), (2, '31/12/2023'), (3, 'not a date');
  `);
});
afterAll(async () => {
  store?.close();
  await src?.end();
  await dst?.end();
});

const load = (
  spec: Parameters<typeof runLoad>[0],
  onProgress?: Parameters<typeof runLoad>[1]['onProgress'],
) =>
  runLoad(spec, {
    store,
    env: { PGPASSWORD: password },
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    ...(onProgress ? { onProgress } : {}),
  });

/**
 * A progress listener that terminates the source's backend the first time `when` holds (the
 * `killed` flag says whether it did).
 */
function killSourceWhen(when: (rowsRead: number) => boolean) {
  const state = { killed: false };
  const onProgress = (progress: { rowsRead: number }) => {
    if (state.killed || !when(progress.rowsRead)) return;
    state.killed = true;
    void src.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'loadstone source'",
    );
  };
  return { state, onProgress };
}

describe('PostgreSQL → PostgreSQL', () => {
  it('round-trips every mapped type exactly, NULLs included', async () => {
    const outcome = await load({
      source: { kind: 'postgres', connection: 'replica', table: 'public.every_type' },
      target: { connection: targetUrl, table: 'every_type' },
      format: { timeZone: 'Europe/Berlin' },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    const types = await dst.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'every_type' ORDER BY ordinal_position`,
    );
    expect(Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]))).toEqual({
      id: 'bigint',
      small: 'integer',
      mid: 'integer',
      amount: 'numeric',
      ok: 'boolean',
      day: 'date',
      at: 'timestamp with time zone',
      naive: 'timestamp with time zone',
      doc: 'jsonb',
      j: 'jsonb',
      uid: 'uuid',
      bytes: 'text',
      tags: 'text',
      feeling: 'text',
      note: 'text',
      ratio: 'numeric',
    });
    const q = `SELECT id::text, small, mid, amount::text, ok, day::text,
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at,
        to_char(naive AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS naive,
        doc::text, j::text, uid::text, bytes, tags, feeling::text, note, ratio::text
      FROM every_type ORDER BY id DESC`;
    const got = await dst.query(q);
    expect(got.rows[0]).toEqual({
      id: '9007199254740993',
      small: -32768,
      mid: 2147483647,
      amount: '12345678901234567890.0123456789',
      ok: true,
      day: '2024-02-29',
      at: '2024-01-02 03:04:05.123456',
      // Naive timestamps are read in the job's time zone (Berlin is UTC+2 in June).
      naive: '2024-06-01 10:00:00.000001',
      doc: '{"n": null, "id": 123456789012345678901234567890, "price": 1.10}',
      j: '{"a": [1, 2.50]}',
      uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      bytes: '00ff10',
      tags: '{a,"b c"}',
      feeling: 'happy',
      // A database's text is kept as it is: spaces and all.
      note: '  kept  ',
      ratio: '0.1',
    });
    expect(Object.entries(got.rows[1]).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
  });

  it('arrays, intervals, inet, time, bit load into existing columns of exactly their own type', async () => {
    const ddl = (table: string) => `CREATE TABLE ${table} (
      id int PRIMARY KEY, nums int[], words varchar(5)[], prices numeric(10,2)[], span interval,
      ip inet, net cidr, at time, flags bit(3), days date[], note text)`;
    await src.query(`${ddl('own_types')};
      INSERT INTO own_types VALUES
        (1, '{1,2,NULL,-3}', '{"a b","c,d","e\\"f"}', '{1.50,NULL}', '1 year 2 mons 3 days 04:05:06.789',
         '10.0.0.1/8', '192.168.0.0/16', '23:59:59.999999', B'101', '{2024-02-29,NULL}', 'x'),
        (2, '{}', NULL, '{}', '-00:00:01', '::1', '::/0', '00:00', B'000', NULL, NULL)`);
    await dst.query(ddl('own_types'));
    const sourceUrlOf = 'replica';
    const appended = await load({
      source: { kind: 'postgres', connection: sourceUrlOf, table: 'own_types' },
      target: { connection: targetUrl, table: 'own_types', mode: 'append' },
    });
    expect(appended.error ?? null).toBeNull();
    expect(appended.counts).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    const rows = (client: pg.Client) =>
      client.query('SELECT own_types::text AS row FROM own_types ORDER BY id').then((r) => r.rows);
    expect(await rows(dst)).toEqual(await rows(src));
    // Through the staging table too (upsert): the same values, compared by key (unchanged).
    const upserted = await load({
      source: { kind: 'postgres', connection: sourceUrlOf, table: 'own_types' },
      target: { connection: targetUrl, table: 'own_types', mode: 'upsert', key: ['id'] },
    });
    expect(upserted.error ?? null).toBeNull();
    expect(upserted.counts).toMatchObject({ read: 2, inserted: 0, updated: 0, unchanged: 2 });
    expect(await rows(dst)).toEqual(await rows(src));
    // Another type than the source's still takes text only: int[] into bigint[] is refused.
    await dst.query('CREATE TABLE wider (id int PRIMARY KEY, nums bigint[])');
    const wider = await load({
      source: { kind: 'postgres', connection: sourceUrlOf, query: 'SELECT id, nums FROM own_types' },
      target: { connection: targetUrl, table: 'wider', mode: 'append' },
    });
    expect(wider.status).toBe('failed');
    expect(wider.error?.message).toContain(
      'column nums (bigint[]): a text value cannot be stored in bigint[]',
    );
  });

  it('bytea loads into an existing bytea column as the same bytes, into a text column as its hex', async () => {
    const ddl = (table: string, bytes: string) =>
      `CREATE TABLE ${table} (id int PRIMARY KEY, data ${bytes}, note text)`;
    // NUL, backslash, tab, newline and high bytes; an empty bytea; a NULL; a 64 KB one.
    await src.query(`${ddl('own_bytes', 'bytea')};
      INSERT INTO own_bytes VALUES
        (1, '\\x005c090a0dff7f80'::bytea, 'mixed'), (2, ''::bytea, 'empty'), (3, NULL, 'null'),
        (4, decode(repeat('00ff5c', 21846), 'hex'), 'long')`);
    await dst.query(`${ddl('own_bytes', 'bytea')}; ${ddl('bytes_as_text', 'text')}`);
    const rows = (client: pg.Client, table: string) =>
      client
        .query(
          `SELECT id, encode(data::bytea, 'hex') AS hex, length(data::bytea) AS n FROM ${table} ORDER BY id`,
        )
        .then((r) => r.rows);
    const expected = await rows(src, 'own_bytes');
    expect(expected[0]).toEqual({ id: 1, hex: '005c090a0dff7f80', n: 8 });
    for (const target of [
      { connection: targetUrl, table: 'own_bytes', mode: 'append' as const },
      // Through the staging table (upsert): the rows already there compare unchanged.
      { connection: targetUrl, table: 'own_bytes', mode: 'upsert' as const, key: ['id'] },
    ]) {
      const outcome = await load({
        source: { kind: 'postgres', connection: 'replica', table: 'own_bytes' },
        target,
      });
      expect(outcome.error ?? null).toBeNull();
      expect(outcome.counts.rejected).toBe(0);
      expect(await rows(dst, 'own_bytes')).toEqual(expected);
    }
    // A changed row goes through the upsert's staging table as bytes too.
    await src.query(`UPDATE own_bytes SET data = '\\x5c5c00'::bytea WHERE id = 2`);
    const changed = await load({
      source: { kind: 'postgres', connection: 'replica', table: 'own_bytes' },
      target: { connection: targetUrl, table: 'own_bytes', mode: 'upsert', key: ['id'] },
    });
    expect(changed.counts).toMatchObject({ updated: 1, unchanged: 3, rejected: 0 });
    expect(await rows(dst, 'own_bytes')).toEqual(await rows(src, 'own_bytes'));
    // Into a text column: the hex digits, as before (the README's mapping table).
    const asText = await load({
      source: { kind: 'postgres', connection: 'replica', query: 'SELECT id, data, note FROM own_bytes' },
      target: { connection: targetUrl, table: 'bytes_as_text', mode: 'append' },
    });
    expect(asText.error ?? null).toBeNull();
    const text = await dst.query('SELECT id, data FROM bytes_as_text ORDER BY id');
    expect(text.rows.slice(0, 3)).toEqual([
      { id: 1, data: '005c090a0dff7f80' },
      { id: 2, data: '5c5c00' },
      { id: 3, data: null },
    ]);
  });

  it('cancelled while its query is still computing its first rows: LOAD_CANCELLED, no run recorded', async () => {
    const before = store.runs.list({ limit: 1000 }).length;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await runLoad(
      {
        source: {
          kind: 'postgres',
          connection: 'replica',
          query: 'SELECT 1 AS id, pg_sleep(5)::text AS slept',
        },
        target: { connection: targetUrl, table: 'never_started' },
      },
      {
        store,
        env: { PGPASSWORD: password },
        dryRun: false,
        signal: controller.signal,
        openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
      },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'LOAD_CANCELLED' });
    expect(store.runs.list({ limit: 1000 })).toHaveLength(before);
  });

  it("a run's start is when the load began, before its source answered (not when it was recorded)", async () => {
    const began = Date.now();
    const outcome = await load({
      source: {
        kind: 'postgres',
        connection: 'replica',
        query: 'SELECT 1 AS id, pg_sleep(1.2)::text AS slept',
      },
      target: { connection: targetUrl, table: 'slow_start' },
    });
    expect(outcome.status).toBe('succeeded');
    const run = store.runs.get(outcome.runId)!;
    // The source took 1.2 s to give its first rows (read before the run is recorded).
    expect(Date.parse(run.startedAt) - began).toBeLessThan(1000);
    expect(Date.parse(run.endedAt!) - Date.parse(run.startedAt)).toBeGreaterThanOrEqual(1200);
    expect(run.durationMs).toBeGreaterThanOrEqual(1200);
  });

  it('a text column of legacy dates is normalized like a CSV column, a bad one rejected by row number', async () => {
    const outcome = await load({
      source: { kind: 'postgres', connection: sourceUrl, query: 'SELECT id, born FROM legacy ORDER BY id' },
      target: { connection: targetUrl, table: 'legacy' },
      format: { dateOrder: 'DMY' },
      columns: [{ source: 'born', type: 'date' }],
      settings: { maxErrorRate: 0.5 },
    });
    expect(outcome.counts).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const rows = await dst.query('SELECT id, born::text FROM legacy ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, born: '2024-04-03' },
      { id: 2, born: '2023-12-31' },
    ]);
    // The run record names the source without its password.
    expect(JSON.stringify(store.runs.get(outcome.runId))).not.toContain(password);
    expect(() =>
      store.jobs.save('leaky', { source: { kind: 'postgres', connection: sourceUrl, table: 'legacy' } }),
    ).toThrow(/password in source.connection/);
    const rejected = store.reports.page(outcome.runId).rows;
    expect(rejected.map((r) => [r.at, r.errors[0]?.reason])).toEqual([
      [{ kind: 'row', row: 3 }, 'invalid_date'],
    ]);
  });

  it('append, replace, upsert and incremental with the watermark pushed down', async () => {
    const source = { kind: 'postgres' as const, connection: 'replica', table: 'orders' };
    const copy = (mode: 'append' | 'replace' | 'upsert') =>
      load({
        source,
        target: {
          connection: targetUrl,
          table: `orders_${mode}`,
          mode,
          ...(mode === 'upsert' ? { key: ['id'] } : {}),
        },
      });
    expect((await copy('append')).counts).toMatchObject({ read: 50, inserted: 50 });
    expect((await copy('append')).counts).toMatchObject({ read: 50, inserted: 50 });
    expect((await dst.query('SELECT count(*)::int AS n FROM orders_append')).rows[0].n).toBe(100);
    await copy('replace');
    expect((await copy('replace')).counts).toMatchObject({ read: 50, inserted: 50 });
    expect((await dst.query('SELECT count(*)::int AS n FROM orders_replace')).rows[0].n).toBe(50);
    await dst.query('CREATE TABLE orders_upsert (id int PRIMARY KEY, seq int, item text, price numeric)');
    expect((await copy('upsert')).counts).toMatchObject({ read: 50, inserted: 50 });
    await src.query("UPDATE orders SET item = 'changed' WHERE id = 7");
    expect((await copy('upsert')).counts).toMatchObject({ read: 50, inserted: 0, updated: 1, unchanged: 49 });

    const inc = {
      name: 'orders-inc',
      source,
      target: {
        connection: targetUrl,
        table: 'orders_inc',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'seq',
      },
    };
    expect((await load(inc)).counts).toMatchObject({ read: 50, inserted: 50 });
    await src.query("INSERT INTO orders SELECT g, g, 'item ' || g, 1 FROM generate_series(51, 53) g");
    await src.query('SELECT pg_stat_reset()');
    const second = await load(inc);
    // Only the row at the mark (50, compared by key: unchanged) and the 3 new rows were read from the
    // source, not 53 filtered after reading.
    expect(second.counts).toMatchObject({ read: 4, inserted: 3, unchanged: 1, skipped: 0 });
    expect(second.watermark).toEqual({ before: '50', after: '53' });

    // A query is wrapped as a subquery: the mark is pushed down the same way.
    const byQuery = {
      name: 'orders-inc-query',
      source: {
        kind: 'postgres' as const,
        connection: 'replica',
        query: 'SELECT id, seq, item FROM orders WHERE id > 5;',
      },
      target: {
        connection: targetUrl,
        table: 'orders_inc_q',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'seq',
      },
    };
    expect((await load(byQuery)).counts).toMatchObject({ read: 48, inserted: 48 });
    await src.query("INSERT INTO orders VALUES (54, 54, 'item 54', 1)");
    // 53, at the mark (unchanged), and 54.
    expect((await load(byQuery)).counts).toMatchObject({ read: 2, inserted: 1, unchanged: 1, skipped: 0 });

    // The mark goes into COPY as a literal of its own: a `$1` in the query's text stays text.
    const dollar = {
      ...byQuery,
      name: 'orders-inc-dollar',
      source: { ...byQuery.source, query: "SELECT id, seq, 'x $1 y' AS tag FROM orders WHERE id > 50" },
      target: { ...byQuery.target, table: 'orders_inc_dollar' },
    };
    expect((await load(dollar)).counts).toMatchObject({ read: 4, inserted: 4 });
    await src.query("INSERT INTO orders VALUES (55, 55, 'item 55', 1)");
    // 54, at the mark (unchanged), and 55.
    expect((await load(dollar)).counts).toMatchObject({ read: 2, inserted: 1, unchanged: 1, skipped: 0 });
    const tags = await dst.query('SELECT DISTINCT tag FROM orders_inc_dollar');
    expect(tags.rows).toEqual([{ tag: 'x $1 y' }]);
  });

  it('a naive timestamp watermark is pushed down with a bound 15 hours below the mark (any job zone)', async () => {
    await src.query(`CREATE TABLE visits (id int PRIMARY KEY, at timestamp NOT NULL);
      INSERT INTO visits VALUES (1, '2024-06-01 08:00'), (2, '2024-06-02 08:00'), (3, '2024-06-03 08:00')`);
    const spec = {
      name: 'visits-inc',
      source: { kind: 'postgres' as const, connection: 'replica', table: 'visits' },
      target: {
        connection: targetUrl,
        table: 'visits_inc',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'at',
      },
      // UTC+2 in June: the last visit is 06:00 UTC, the mark.
      format: { timeZone: 'Europe/Berlin' },
    };
    expect((await load(spec)).counts).toMatchObject({ read: 3, inserted: 3 });
    // One new visit, one late one a little older than the mark.
    await src.query("INSERT INTO visits VALUES (4, '2024-06-04 08:00'), (5, '2024-06-03 07:00')");
    const second = await load(spec);
    // Read: visits 3, 4, 5 (at or above the mark less 15 h), not 1 and 2; 3, at the mark, is compared
    // by key (unchanged); 5, below it, is skipped.
    expect(second.counts).toMatchObject({ read: 3, inserted: 1, unchanged: 1, skipped: 1 });
    expect(second.watermark).toEqual({ before: '2024-06-03 06:00:00+00', after: '2024-06-04 06:00:00+00' });
  });

  it('a query that writes is refused by the server; credentials stay out of the message', async () => {
    const url = sourceUrl;
    const attempt = openSource(
      {
        kind: 'postgres',
        connection: url,
        query: "INSERT INTO orders VALUES (999, 999, 'x', 1) RETURNING *",
      },
      {},
    );
    await expect(attempt).rejects.toMatchObject({ code: 'SOURCE_UNREADABLE' });
    const error = (await attempt.catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/read-only transaction/);
    expect(error.message).not.toContain(password);
    expect((await src.query('SELECT count(*)::int AS n FROM orders WHERE id = 999')).rows[0].n).toBe(0);
    // A load records it as a failed run (its alerts go out), with the server's reason.
    const refused = await load({
      source: { kind: 'postgres', connection: 'replica', query: 'DELETE FROM orders RETURNING *' },
      target: { connection: targetUrl, table: 'never' },
    });
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'SOURCE_UNREADABLE' } });
    expect(refused.error?.message).toMatch(/read-only transaction/);
    expect(refused.error?.message).not.toContain(password);
  });

  it('lists the tables and views a source connection may read, with row estimates', async () => {
    await src.query('ANALYZE orders; CREATE VIEW recent AS SELECT * FROM orders WHERE id > 40');
    const tables = await listPostgresTables(
      store.connections.resolve('replica', { env: { PGPASSWORD: password } }),
    );
    expect(tables).toContainEqual({
      schema: 'public',
      name: 'orders',
      view: false,
      rows: expect.any(Number),
    });
    expect(tables).toContainEqual({ schema: 'public', name: 'recent', view: true, rows: null });
    expect(tables.find((t) => t.name === 'orders')!.rows).toBeGreaterThanOrEqual(50);
    // A wrong password: the connection is refused (exit 4 on the CLI), the password never shown.
    const wrong = { ...store.connections.resolve('replica', { env: { PGPASSWORD: password } }) };
    wrong.password = 'not-the-password';
    const refused = await listPostgresTables(wrong).catch((e: Error & { code?: string }) => e);
    expect(refused).toMatchObject({ code: 'SOURCE_UNREACHABLE' });
    expect((refused as Error).message).toMatch(/cannot connect to the source: .*password/);
    expect((refused as Error).message).not.toContain('not-the-password');
  });

  it("a source that cannot be connected to is said in the same words as a target's (exit 4)", async () => {
    const env = { PGPASSWORD: password };
    const read = (connection: string, environment: NodeJS.ProcessEnv) =>
      runLoad(
        {
          source: { kind: 'postgres', connection, table: 'orders' },
          target: { connection: targetUrl, table: 'never' },
        },
        {
          store,
          env: environment,
          dryRun: false,
          openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
        },
      ).then((outcome) => outcome.error as { code?: string; message: string });
    const u = new URL(sourceUrl);
    u.password = 'not-the-password';
    const wrong = await read(u.toString(), env);
    expect(wrong.code).toBe('SOURCE_UNREACHABLE');
    expect(wrong.message).toContain(
      `cannot connect to the source: the server refused the password for user '${u.username}' — check the password`,
    );
    expect(wrong.message).not.toContain('not-the-password');
    const missing = new URL(sourceUrl);
    missing.pathname = '/no_such_database';
    const none = await read(missing.toString(), env);
    expect(none.code).toBe('SOURCE_UNREACHABLE');
    expect(none.message).toContain("the server has no database 'no_such_database' — check the database name");
    // A saved connection without a password, and no PGPASSWORD: said so, not pg's SCRAM wording alone.
    const bare = await read('replica', {});
    expect(bare.code).toBe('SOURCE_UNREACHABLE');
    expect(bare.message).toContain(`the server asks user '${u.username}' for a password and none was given`);
  });

  it('a statement timeout is a job setting; a cancelled read ends the statement on the server', async () => {
    await expect(
      openSource({
        kind: 'postgres',
        connection: sourceUrl,
        query: 'SELECT pg_sleep(30)',
        statementTimeoutMs: 50,
      }),
    ).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE',
      message: expect.stringContaining('statement timeout'),
    });

    const controller = new AbortController();
    const opening = openSource(
      { kind: 'postgres', connection: sourceUrl, query: 'SELECT pg_sleep(60), 1 AS one' },
      { signal: controller.signal },
    );
    // Cancel once the server runs the statement (seen in pg_stat_activity), then it must go away.
    await expect.poll(async () => (await src.query(RUNNING_SLEEP)).rows[0].n, { timeout: 20_000 }).toBe(1);
    controller.abort();
    await expect(opening).rejects.toMatchObject({ code: 'LOAD_CANCELLED' });
    await expect.poll(async () => (await src.query(RUNNING_SLEEP)).rows[0].n, { timeout: 20_000 }).toBe(0);
  });

  it('a read cancelled on the server by another session says so, as a source failure (exit 4)', async () => {
    const opening = openSource({
      kind: 'postgres',
      connection: sourceUrl,
      query: 'SELECT pg_sleep(60), 1 AS one',
    });
    opening.catch(() => undefined);
    await expect.poll(async () => (await src.query(RUNNING_SLEEP)).rows[0].n, { timeout: 20_000 }).toBe(1);
    // An administrator cancels the statement (the connection stays).
    await src.query(
      "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
    );
    await expect(opening).rejects.toMatchObject({
      code: 'SOURCE_UNREACHABLE',
      message: expect.stringMatching(
        /the query was cancelled on the server \(pg_cancel_backend, by an administrator or another session\): canceling statement due to user request/,
      ),
    });
  });

  it('refuses TABLESAMPLE for a query, naming the setting', async () => {
    await expect(
      openSource({ kind: 'postgres', connection: sourceUrl, query: 'SELECT 1', sample: 'tablesample' }),
    ).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining("sample 'tablesample'"),
    });
  });

  it('a preview samples with TABLESAMPLE when asked, and takes the first rows otherwise', async () => {
    const first = await preview(
      { source: { kind: 'postgres', connection: sourceUrl, query: 'SELECT * FROM orders ORDER BY id' } },
      { limit: 5 },
    );
    expect(first.format.kind).toBe('postgres');
    expect(first.rows.map((r) => r.values.id)).toEqual([1, 2, 3, 4, 5]);
    expect(first.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['seq', 'integer'],
      ['item', 'text'],
      ['price', 'numeric'],
    ]);
    const sampled = await preview(
      { source: { kind: 'postgres', connection: sourceUrl, table: 'orders', sample: 'tablesample' } },
      { limit: 5 },
    );
    expect(sampled.rows.length).toBeGreaterThan(0);
  });

  it('rows sent as their COPY text in runs: split at commit boundaries, a refused row found inside a run', async () => {
    // Rows after the first message of the server go as their text, in runs (`rows`); text with a
    // newline, a tab and a backslash too (checked unescaped), and text with spaces at its ends (a
    // database's text is kept as it is, never trimmed). A run is split where a chunk ends (every 700 rows: a commit), and the
    // row the target refuses (15023, inside a run) is found and reported with its cells.
    await src.query(`
      CREATE TABLE runs (id int8 PRIMARY KEY, note text);
      INSERT INTO runs SELECT g, CASE WHEN g % 10 = 0 THEN E'line\\nnext\\tcol \\\\ end' ELSE 'n' || g END
        FROM generate_series(1, 20000) g;
      UPDATE runs SET note = '  padded ' WHERE id IN (7, 12007);`);
    await dst.query('CREATE TABLE runs_copy (id int8 PRIMARY KEY, note text, CHECK (id <> 15023))');
    const outcome = await load({
      source: { kind: 'postgres', connection: 'replica', query: 'SELECT id, note FROM runs ORDER BY id' },
      target: { connection: targetUrl, table: 'runs_copy' },
      settings: { commitEvery: 700, maxErrorRate: 0.5 },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 20000, inserted: 19999, rejected: 1 });
    const rejected = store.reports.page(outcome.runId).rows;
    expect(rejected.map((r) => [r.at, r.raw])).toEqual([
      [
        { kind: 'row', row: 15023 },
        { id: 15023, note: 'n15023' },
      ],
    ]);
    const loaded = await dst.query(
      'SELECT id, note FROM runs_copy WHERE id IN (7, 12007, 19990, 20000) ORDER BY id',
    );
    expect(loaded.rows).toEqual([
      { id: '7', note: '  padded ' },
      { id: '12007', note: '  padded ' },
      { id: '19990', note: 'line\nnext\tcol \\ end' },
      { id: '20000', note: 'line\nnext\tcol \\ end' },
    ]);
    const counted = await dst.query(
      "SELECT count(*) FILTER (WHERE note = E'line\\nnext\\tcol \\\\ end')::int AS escaped, count(*)::int AS n FROM runs_copy",
    );
    expect(counted.rows[0]).toEqual({ escaped: 2000, n: 19999 });
  });

  it('a source backend terminated while the server computes rows is a lost connection (exit 4), not a refused read', async () => {
    // The server is still computing rows when it is told to end: its FATAL reaches the COPY read
    // before the socket closes (before the client's 'error' event).
    await src.query(`CREATE FUNCTION slow_id(i int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
      BEGIN IF i % 100 = 0 THEN PERFORM pg_sleep(0.01); END IF; RETURN i; END $$`);
    const kill = killSourceWhen((rowsRead) => rowsRead > 0);
    const outcome = await load(
      {
        source: {
          kind: 'postgres',
          connection: 'replica',
          query: 'SELECT slow_id(g) AS id FROM generate_series(1, 200000) g',
        },
        target: { connection: targetUrl, table: 'slow_copy' },
      },
      kill.onProgress,
    );
    expect(kill.state.killed).toBe(true);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('SOURCE_UNREACHABLE');
    expect(outcome.error?.message).toContain(
      'postgres replica query: the source connection failed while reading',
    );
    expect((await dst.query("SELECT to_regclass('public.slow_copy') IS NULL AS gone")).rows[0].gone).toBe(
      true,
    );
  }, 60_000);

  it('a source connection killed mid-read fails the run naming the source; the target keeps the last commit', async () => {
    // Rows of ~0.5 KB: what is left to send when the kill comes (~18 MB) is more than socket buffers
    // hold, so the server is still sending (a whole read is one COPY stream, not cursor batches).
    await src.query(
      `CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 16) AS v FROM generate_series(1, 60000) g`,
    );
    const kill = killSourceWhen((rowsRead) => rowsRead >= 25000);
    const outcome = await load(
      {
        source: { kind: 'postgres', connection: 'replica', table: 'big' },
        target: { connection: targetUrl, table: 'big_copy' },
        settings: { commitEvery: 10000 },
      },
      kill.onProgress,
    );
    expect(kill.state.killed).toBe(true);
    expect(outcome.status).toBe('failed');
    // The server's FATAL reaches the read before the client's 'error' event: still a lost connection.
    expect(outcome.error?.code).toBe('SOURCE_UNREACHABLE');
    expect(outcome.error?.message).toContain('postgres replica table big');
    expect(outcome.error?.message).not.toContain(password);
    const n = (await dst.query('SELECT count(*)::int AS n FROM big_copy')).rows[0].n as number;
    expect(n % 10000).toBe(0);
    expect(n).toBeLessThan(60000);

    // Without --commit-every the whole load is rolled back: the target table holds nothing.
    // At the first progress: a load without commits streams faster, and at 25,000 rows the server
    // had once sent the rest already (the run then succeeded; seen in CI).
    const killFirst = killSourceWhen((rowsRead) => rowsRead > 0);
    const whole = await load(
      {
        source: { kind: 'postgres', connection: 'replica', table: 'big' },
        target: { connection: targetUrl, table: 'big_whole' },
      },
      killFirst.onProgress,
    );
    expect(whole.status).toBe('failed');
    expect(whole.error?.code).toBe('SOURCE_UNREACHABLE');
    expect(whole.error?.message).toContain(
      'postgres replica table big: the source connection failed while reading',
    );
    expect((await dst.query("SELECT to_regclass('public.big_whole') IS NULL AS gone")).rows[0].gone).toBe(
      true,
    );
  }, 120_000);
});

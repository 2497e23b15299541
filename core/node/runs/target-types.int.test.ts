import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CommandInput } from '../../common/contract/index.ts';
import type { HandlerContext } from '../handlers/context.ts';
import { targetHandlers } from '../handlers/target-handlers.ts';
import { type LocalWarehouse, openLocalWarehouse } from '../pg/local-warehouse.ts';
import { createTestDatabase, removeRootCluster } from '../pg/test-server.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runLoad } from './run-load.ts';

/** The wizard's `targets.check`, as its handler answers (a URL target needs only the store). */
const checkTarget = (input: CommandInput<'targets.check'>) =>
  targetHandlers({ store, env: {} } as unknown as HandlerContext)['targets.check'](input, {
    signal: new AbortController().signal,
  });

// Columns a job does not type take the existing table's types: the table decides what its column
// stores, so a few bad dates in a `date` column are rejected cell by cell instead of the sample
// reading the column as text and the load being refused whole (text cannot go into a date).

let url = '';
let client: pg.Client;
let store: RunStore;
const dir = tempDir();

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'runs_target_types');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

// These small files reject more than the default error budget allows on purpose.
const load = (spec: Record<string, unknown>) =>
  runLoad({ ...spec, settings: { maxErrorRate: 1 } } as Parameters<typeof runLoad>[0], {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    chunkRows: 3,
  });

function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const reasonsOf = (runId: string) =>
  store.reports
    .page(runId, { offset: 0, limit: 100 })
    .rows.map((r) => ({ line: r.line, column: r.errors[0]!.column, reason: r.errors[0]!.reason }));

describe('an existing table types the columns the job does not', () => {
  it('a date column whose sample reads as text loads its dates and rejects the rest cell by cell', async () => {
    await client.query('CREATE TABLE tt_orders (id integer, day date, note text)');
    // Half the values are not dates: alone, the sample keeps the column text.
    const file = csv(
      'orders.csv',
      'id,day,note\n1,2024-03-01,a\n2,soon,b\n3,2024-03-03,c\n4,n/a?,d\n5,later,e\n',
    );
    const out = await load({ source: { path: file }, target: { connection: url, table: 'tt_orders' } });
    expect(out).toMatchObject({ status: 'succeeded', counts: { read: 5, inserted: 2, rejected: 3 } });
    const rows = await client.query('SELECT id, day::text AS day FROM tt_orders ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, day: '2024-03-01' },
      { id: 3, day: '2024-03-03' },
    ]);
    expect(reasonsOf(out.runId)).toEqual([
      { line: 3, column: 'day', reason: expect.any(String) },
      { line: 5, column: 'day', reason: expect.any(String) },
      { line: 6, column: 'day', reason: expect.any(String) },
    ]);
    // The run says why the column was a date.
    const event = store.runs.events(out.runId).find((e) => e.kind === 'typed_by_target');
    expect(event?.message).toBe(
      'typed by the existing table tt_orders: day as date (its column is date; the sample alone read text); ' +
        'values that are not dates are rejected cell by cell',
    );
  });

  it('a text column keeps what the source says; decimals into an integer column are rejected, not refused whole', async () => {
    await client.query('CREATE TABLE tt_codes (code text, qty integer, at timestamp)');
    const file = csv(
      'codes.csv',
      'code,qty,at\n03/04/2024,1.5,2024-01-02 03:04:05\n1e3,2,\n0012,3.0,2024-01-03 00:00:00\n',
    );
    const out = await load({ source: { path: file }, target: { connection: url, table: 'tt_codes' } });
    expect(out).toMatchObject({ status: 'succeeded', counts: { read: 3, inserted: 2, rejected: 1 } });
    const rows = await client.query('SELECT code, qty, at::text AS at FROM tt_codes ORDER BY qty');
    // The sample alone reads code as dates… or numbers; the table says text: as written.
    expect(rows.rows).toEqual([
      { code: '1e3', qty: 2, at: null },
      { code: '0012', qty: 3, at: '2024-01-03 00:00:00' },
    ]);
    expect(reasonsOf(out.runId)).toEqual([{ line: 2, column: 'qty', reason: expect.any(String) }]);
  });

  it('a column that is null throughout loads into a typed column (was text, refused)', async () => {
    await client.query('CREATE TABLE tt_nulls (id integer, shipped date)');
    const file = csv('nulls.csv', 'id,shipped\n1,\n2,\n');
    const out = await load({ source: { path: file }, target: { connection: url, table: 'tt_nulls' } });
    expect(out).toMatchObject({ status: 'succeeded', counts: { inserted: 2 } });
    expect(store.runs.events(out.runId).some((e) => e.kind === 'typed_by_target')).toBe(false);
  });

  it('the sample agreeing with the table keeps what inference settled (epoch seconds into timestamptz)', async () => {
    await client.query('CREATE TABLE tt_epoch (id integer, created_at timestamptz)');
    const file = csv('epoch.csv', 'id,created_at\n1,1700000000\n2,1700000060\n');
    const out = await load({ source: { path: file }, target: { connection: url, table: 'tt_epoch' } });
    expect(out).toMatchObject({ status: 'succeeded', counts: { inserted: 2, rejected: 0 } });
    const rows = await client.query(
      "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at FROM tt_epoch ORDER BY id",
    );
    expect(rows.rows.map((r) => r.at)).toEqual(['2023-11-14 22:13:20', '2023-11-14 22:14:20']);
  });

  it("the job's own type still wins, and is refused when the table cannot store it", async () => {
    await client.query('CREATE TABLE tt_declared (id integer, day date)');
    const file = csv('declared.csv', 'id,day\n1,2024-03-01\n');
    const out = await load({
      source: { path: file },
      columns: [{ source: 'day', type: 'text' }],
      target: { connection: url, table: 'tt_declared' },
    });
    expect(out.status).toBe('failed');
    expect(out.error?.code).toBe('TARGET_INCOMPATIBLE');
    expect(out.error?.message).toContain('a text value cannot be stored in date');
  });

  it('dates into timestamp columns load at midnight UTC in any job zone, and the target check agrees', async () => {
    await client.query('CREATE TABLE tt_berlin (id integer, at timestamp, at_tz timestamptz)');
    const file = csv('berlin.csv', 'id,at,at_tz\n1,2024-03-05,2024-03-05\n2,2024-03-06,2024-03-06\n');
    const out = await load({
      source: { path: file },
      format: { timeZone: 'Europe/Berlin' },
      target: { connection: url, table: 'tt_berlin' },
    });
    expect(out).toMatchObject({ status: 'succeeded', counts: { inserted: 2, rejected: 0 } });
    // Read as timestamptz, each date was midnight in Berlin: 23:00 the day before in `at`.
    const rows = await client.query(
      "SELECT at::text AS at, to_char(at_tz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at_tz FROM tt_berlin ORDER BY id",
    );
    expect(rows.rows).toEqual([
      { at: '2024-03-05 00:00:00', at_tz: '2024-03-05 00:00' },
      { at: '2024-03-06 00:00:00', at_tz: '2024-03-06 00:00' },
    ]);
    expect(store.runs.events(out.runId).some((e) => e.kind === 'typed_by_target')).toBe(false);
    // The wizard's check says what the load does: the preview's dates go in as dates.
    const check = await checkTarget({
      connection: url,
      table: 'tt_berlin',
      columns: [
        { name: 'id', type: 'integer', declared: false },
        { name: 'at', type: 'date', declared: false },
        { name: 'at_tz', type: 'date', declared: false },
      ],
    });
    expect(check.ok).toBe(true);
    expect(check.retyped).toBeUndefined();
  });

  it('a database column of its own type read as text (bit, bytea, an array) is checked as the source declares it', async () => {
    // As integers '00010010' is 10010 and '\\x0012' is 12; as JSON an empty array '{}' is an object.
    await client.query(`CREATE DOMAIN tt_day_text AS varchar(10);
      CREATE TABLE tt_native_src (id integer, flags bit(8), raw bytea, tags integer[], day tt_day_text);
      INSERT INTO tt_native_src VALUES (1, B'00010010', '\\x0012', '{}', '2024-03-05'), (2, B'00000011', '\\x0100', '{}', 'soon');
      CREATE TABLE tt_native (id integer, flags integer, raw integer, tags jsonb, day date)`);
    const out = await load({
      source: { kind: 'postgres', connection: url, table: 'tt_native_src' },
      target: { connection: url, table: 'tt_native' },
    });
    expect(out.status).toBe('failed');
    expect(out.error?.code).toBe('TARGET_INCOMPATIBLE');
    for (const column of ['flags (integer)', 'raw (integer)', 'tags (jsonb)']) {
      expect(out.error?.message).toContain(`column ${column}`);
    }
    // A text of no type of its own (a domain over varchar) still takes the table's type.
    expect(out.error?.message).not.toContain('column day');
    expect(Number((await client.query('SELECT count(*) AS n FROM tt_native')).rows[0].n)).toBe(0);
    // The target check says the same of the preview's columns (their own type as `nativeType`).
    const check = await checkTarget({
      connection: url,
      table: 'tt_native',
      columns: [
        { name: 'id', type: 'integer', declared: false, sourceType: 'integer' },
        { name: 'flags', type: 'text', declared: false, sourceType: 'text', nativeType: 'bit(8)' },
        { name: 'raw', type: 'text', declared: false, sourceType: 'text', nativeType: 'bytea' },
        { name: 'tags', type: 'text', declared: false, sourceType: 'text', nativeType: 'integer[]' },
        { name: 'day', type: 'text', declared: false },
      ],
    });
    expect(check).toMatchObject({
      ok: false,
      incompatible: [{ column: 'flags' }, { column: 'raw' }, { column: 'tags' }],
      retyped: [{ column: 'day', from: 'text', to: 'date' }],
    });
  });

  it('an SQLite BLOB column (hex) declares its own type: not read as the table column’s numbers', async () => {
    const file = join(dir, 'blobs.db');
    const db = new Database(file);
    db.exec(
      "CREATE TABLE src (id INTEGER, raw BLOB, name TEXT); INSERT INTO src VALUES (1, X'0012', '0056')",
    );
    db.close();
    await client.query('CREATE TABLE tt_blobs (id bigint, raw integer, name integer)');
    const out = await load({
      source: { kind: 'sqlite', path: file, table: 'src' },
      target: { connection: url, table: 'tt_blobs' },
    });
    // As the table's integers, X'0012' (hex '0012') would have loaded as 12.
    expect(out.status).toBe('failed');
    expect(out.error?.code).toBe('TARGET_INCOMPATIBLE');
    expect(out.error?.message).toContain('column raw (integer)');
    // A character column is the source's data: it takes the table's type.
    expect(out.error?.message).not.toContain('column name');
  });

  it("an incremental load's text watermark column keeps the sample's type: its values sort as the mark does", async () => {
    // An all-text table (a raw layer). As written, '05/04/2024' sorts below the mark '25/03/2024
    // 11:00' as text, and the next run skipped the April rows as below the watermark.
    await client.query('CREATE TABLE tt_raw (id text PRIMARY KEY, updated text, note text)');
    const file = csv('raw.csv', 'id,updated,note\n1,05/03/2024 10:00,03/04/2024\n2,25/03/2024 11:00,b\n');
    const spec = {
      source: { path: file },
      target: { connection: url, table: 'tt_raw', mode: 'incremental', key: ['id'], watermark: 'updated' },
    };
    const first = await load(spec);
    expect(first).toMatchObject({ status: 'succeeded', counts: { inserted: 2 } });
    csv('raw.csv', 'id,updated,note\n2,25/03/2024 11:00,b\n3,05/04/2024 09:00,c\n4,01/03/2024 09:00,d\n');
    const second = await load(spec);
    expect(second).toMatchObject({ status: 'succeeded', counts: { inserted: 1, unchanged: 1, skipped: 1 } });
    const rows = await client.query('SELECT id, updated, note FROM tt_raw ORDER BY id');
    // The other text columns keep what the source says.
    expect(rows.rows).toEqual([
      { id: '1', updated: '2024-03-05T10:00:00Z', note: '03/04/2024' },
      { id: '2', updated: '2024-03-25T11:00:00Z', note: 'b' },
      { id: '3', updated: '2024-04-05T09:00:00Z', note: 'c' },
    ]);
    const event = store.runs.events(second.runId).find((e) => e.kind === 'typed_by_target');
    expect(event?.message).not.toContain('updated as');
    // The target check says the same for the wizard's incremental target.
    const check = await checkTarget({
      connection: url,
      table: 'tt_raw',
      mode: 'incremental',
      key: ['id'],
      watermark: 'updated',
      columns: [
        { name: 'id', type: 'integer', declared: false },
        { name: 'updated', type: 'timestamptz', declared: false },
        { name: 'note', type: 'text', declared: false },
      ],
    });
    expect(check).toMatchObject({ ok: true, retyped: [{ column: 'id', to: 'text' }] });
  });

  it('JSON strings into an existing date column are parsed as dates', async () => {
    await client.query('CREATE TABLE tt_json (id bigint, day date, label text)');
    const file = join(dir, 'days.ndjson');
    writeFileSync(
      file,
      '{"id":1,"day":"2024-05-01","label":" x "}\n{"id":2,"day":"not yet","label":"y"}\n{"id":3,"day":"tomorrow","label":"z"}\n',
    );
    const out = await load({ source: { path: file }, target: { connection: url, table: 'tt_json' } });
    expect(out).toMatchObject({ status: 'succeeded', counts: { inserted: 1, rejected: 2 } });
    const rows = await client.query('SELECT day::text AS day, label FROM tt_json');
    expect(rows.rows).toEqual([{ day: '2024-05-01', label: ' x ' }]);
  });

  it('text goes into time, interval, inet, cidr and macaddr columns, the database refusing what is not one row by row', async () => {
    // No spec type is one of these: before, text into them was refused whole ("a text value cannot
    // be stored in time without changing it"), so a shift plan or an address list could not load.
    await client.query(
      'CREATE TABLE tt_kinds (id integer PRIMARY KEY, starts time, lasts interval, host inet, net cidr, mac macaddr, tz timetz)',
    );
    const file = csv(
      'kinds.csv',
      [
        'id,starts,lasts,host,net,mac,tz',
        '1,08:30,2 hours,10.0.0.1,10.0.0.0/8,08:00:2b:01:02:03,08:30+02',
        '2,25:99,1 day,10.0.0.2,192.168.0.0/16,08:00:2b:01:02:04,09:00Z',
        '3,17:45:30,soon,10.0.0.3,10.1.0.0/16,08:00:2b:01:02:05,',
        '4,,,not-an-address,,,',
        '5,23:59,90 minutes,::1,172.16.0.0/12,08-00-2b-01-02-06,10:00-05',
        '',
      ].join('\n'),
    );
    const out = await load({ source: { path: file }, target: { connection: url, table: 'tt_kinds' } });
    expect(out).toMatchObject({ status: 'succeeded', counts: { read: 5, inserted: 2, rejected: 3 } });
    const rows = await client.query(
      'SELECT id, starts::text, lasts::text, host::text, net::text, mac::text, tz::text FROM tt_kinds ORDER BY id',
    );
    expect(rows.rows).toEqual([
      {
        id: 1,
        starts: '08:30:00',
        lasts: '02:00:00',
        host: '10.0.0.1/32',
        net: '10.0.0.0/8',
        mac: '08:00:2b:01:02:03',
        tz: '08:30:00+02',
      },
      {
        id: 5,
        starts: '23:59:00',
        lasts: '01:30:00',
        host: '::1/128',
        net: '172.16.0.0/12',
        mac: '08:00:2b:01:02:06',
        tz: '10:00:00-05',
      },
    ]);
    // Each refused row with its line, the column the database named and its message.
    expect(reasonsOf(out.runId)).toEqual([
      { line: 3, column: 'starts', reason: 'database_rejected' },
      { line: 4, column: 'lasts', reason: 'database_rejected' },
      { line: 5, column: 'host', reason: 'database_rejected' },
    ]);
    const report = store.reports.page(out.runId, { offset: 0, limit: 10 }).rows;
    expect(report[0]!.errors[0]!.message).toMatch(/time/);
    expect(report[0]!.raw).toMatchObject({ starts: '25:99' });
  });
});

describe('the local warehouse', () => {
  const dataDir = tempDir();
  let warehouse: LocalWarehouse | null = null;
  afterAll(async () => {
    await warehouse?.stop();
    removeRootCluster(dataDir);
  });

  it('is started once, for the table types and the load', async () => {
    let starts = 0;
    const openWarehouse = async () => {
      starts++;
      warehouse ??= await openLocalWarehouse(dataDir);
      return warehouse;
    };
    const first = await openWarehouse();
    const c = new pg.Client(first.config);
    await c.connect();
    await c.query('CREATE TABLE local_days (id integer, day date)');
    await c.end();
    starts = 0;
    const file = csv('local-days.csv', 'id,day\n1,2024-03-01\n2,soon\n3,later\n');
    const out = await runLoad(
      {
        source: { path: file },
        target: { connection: 'local', table: 'local_days' },
        settings: { maxErrorRate: 1 },
      },
      { store, env: {}, dryRun: false, openWarehouse },
    );
    expect(out).toMatchObject({ status: 'succeeded', counts: { inserted: 1, rejected: 2 } });
    expect(starts).toBe(1);
  });
});

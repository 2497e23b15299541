import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import {
  cleanRecord,
  JSON_VERBATIM_COLUMN_SPECS,
  JSON_VERBATIM_COLUMNS,
  ODD_RECORDS,
} from '../json/json-verbatim-fixtures.ts';
import { json, startApi, type TestApi } from './test-api-server.ts';

// Records of an HTTP API written straight into COPY text (json/json-copy-rows.ts): what lands in the
// target must be what the usual parse → normalize → encode path loads, value for value and reject for
// reject, and a record the target refuses is found inside its run and reported with its cells.

const COLUMNS = JSON_VERBATIM_COLUMNS;
const PAGE = 1_500;

const TOTAL = 40_000;
const BODY = [...Array.from({ length: TOTAL }, (_, i) => cleanRecord(i + 1)), ...ODD_RECORDS];

let url = '';
let client: pg.Client;
let store: RunStore;
let api: TestApi;
/** The cursor of a page the API cuts short once. */
let cutAt: string | undefined;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'http_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  api = await startApi((req, res, raw) => {
    const from = Number(req.url.searchParams.get('cursor') ?? 0);
    const to = Math.min(BODY.length, from + Number(req.url.searchParams.get('limit') ?? PAGE));
    const body = `{"data":[${BODY.slice(from, to).join(',')}],"next_cursor":${to < BODY.length ? `"${to}"` : 'null'}}`;
    if (cutAt !== undefined && req.url.searchParams.get('cursor') === cutAt) {
      // Once: the page's first 1.2 MB, then the connection drops.
      cutAt = undefined;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, 1_200_000));
      setTimeout(() => raw.socket.destroy(), 50);
      return;
    }
    json(res, body);
  }, 200);
});
afterAll(async () => {
  await api?.close();
  store?.close();
  await client?.end();
});

const SPEC = (
  table: string,
  target: Record<string, unknown> = {},
  settings: Record<string, unknown> = {},
) => ({
  source: {
    kind: 'http',
    url: `${api.url}/orders`,
    records: 'data',
    pagination: { type: 'cursor', cursorPath: 'next_cursor', cursorParam: 'cursor' },
  },
  target: { connection: url, table, ...target },
  format: { timeZone: 'UTC' },
  columns: [...JSON_VERBATIM_COLUMN_SPECS],
  settings: { sampleSize: 50, maxErrorRate: 1, ...settings },
});

const load = (table: string, target: Record<string, unknown>, settings: Record<string, unknown> = {}) =>
  runLoad(parseJobSpec(SPEC(table, target, settings)), {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

describe('HTTP API records sent as COPY text', () => {
  it('come only where the record is the columns in order and every value is what the load would write', async () => {
    const offered = await readOffered(await planJob(parseJobSpec(SPEC('unused'))));
    const usual = offered.usual.map((cells) => String(cells[0]));
    for (const run of offered.runs) expect(Buffer.isBuffer(run.bytes)).toBe(true);
    for (const { cells } of offered.verbatim) expect(cells).toHaveLength(7);
    const verbatim = offered.verbatim.length;
    // Every odd record went the usual way (the one with an extra key as an unknown_field row).
    expect(usual.filter((id) => id.length > 5 || Number(id) > TOTAL)).toHaveLength(ODD_RECORDS.length);
    // Records read before the offer (the columns' read-ahead, a page ahead) go the usual way.
    expect(verbatim).toBeGreaterThan(15_000);
    expect(verbatim + usual.length).toBe(BODY.length);
  });

  it('load exactly what the usual path loads (append as text, upsert the usual way)', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(client, store, appended, upserted, COLUMNS);
    expect(appended.counts.rejected).toBeGreaterThan(0);
    const rows = await client.query(
      `SELECT id, amount::text, note, at::text FROM as_text WHERE id BETWEEN 16000 AND 16005 ORDER BY id`,
    );
    expect(rows.rows.map((r) => [r.id, r.amount, r.note, r.at])).toEqual([
      ['16000', '16000.10', 'note 16000', '2024-01-01 10:40:00+00'],
      ['16001', '16001', 'note 16001', '2024-01-01 05:11:00.123456+00'],
      ['16002', '-16002.05', 'said "hi", then left\nline two\ttab \\ slash /', '2024-01-01 10:42:02+00'],
      ['16003', '0.16003', null, '2024-01-01 10:43:03+00'],
      ['16004', '16004.10', 'note 16004', '2024-01-01 10:44:04+00'],
      ['16005', '16005', 'caf\u00e9 ü 😀 😀', '2024-01-01 10:45:00+00'],
    ]);
  });

  it('a page cut short after some of its records went as COPY text is read again, none loaded twice', async () => {
    // Pages of 9,000 records (1.35 MB): the first megabyte of a page is handed out before it ends. The
    // fourth page is cut (the first three may be read before the load allows COPY text: the columns'
    // read-ahead and a page ahead).
    cutAt = '27000';
    const spec = SPEC('cut_text', { mode: 'append' });
    const outcome = await runLoad(
      parseJobSpec({
        ...spec,
        source: { ...spec.source, query: { limit: 9000 }, retry: { baseDelayMs: 5 } },
      }),
      {
        store,
        env: {},
        dryRun: false,
        openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
      },
    );
    expect(outcome.error ?? null).toBeNull();
    expect(cutAt).toBeUndefined();
    expect(store.runs.events(outcome.runId).some((e) => e.kind === 'retry')).toBe(true);
    const differing = await client.query(
      `SELECT (SELECT count(*) FROM (SELECT ${COLUMNS} FROM cut_text EXCEPT ALL SELECT ${COLUMNS} FROM as_text) a)
            + (SELECT count(*) FROM (SELECT ${COLUMNS} FROM as_text EXCEPT ALL SELECT ${COLUMNS} FROM cut_text) b) AS n`,
    );
    expect(Number(differing.rows[0].n)).toBe(0);
  });

  it('a record the target refuses inside a run is isolated and reported with its cells, as the usual path reports it', async () => {
    const guarded = (t: string) =>
      client.query(`CREATE TABLE ${t} (id bigint PRIMARY KEY CHECK (id <> 25000), email text, day date,
        amount numeric, paid boolean, note text, at timestamptz)`);
    await guarded('guarded_text');
    await guarded('guarded_usual');
    const appended = await load('guarded_text', { mode: 'append' }, { commitEvery: 700 });
    const upserted = await load(
      'guarded_usual',
      { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' },
      { commitEvery: 700 },
    );
    const refused = (runId: string) =>
      store.reports
        .page(runId)
        .rows.filter((r) => r.errors.some((e) => e.reason === 'database_rejected'))
        .map((r) => [r.at, r.raw]);
    expect(refused(appended.runId)).toHaveLength(1);
    expect(refused(appended.runId)).toEqual(refused(upserted.runId));
    expect(refused(appended.runId)[0]![1]).toMatchObject({ email: 'user25000@example.com', paid: true });
  });
});

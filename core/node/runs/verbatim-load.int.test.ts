import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { planJob } from '../pipeline/plan-job.ts';
import { offerVerbatim } from '../pipeline/verbatim.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runLoad } from './run-load.ts';
import { expectLoadedAlike, readOffered } from './verbatim-test-support.ts';

// Rows of a PostgreSQL source sent on as their COPY text (verbatim.ts): what lands in the target
// must be what the usual parse → normalize → encode path loads, value for value and reject for reject.

let sourceUrl = '';
let targetUrl = '';
let src: pg.Client;
let dst: pg.Client;
let store: RunStore;

const COLUMNS = 'id, big, amount, day, at, ok, uid, doc, note, code';

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'verbatim_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'verbatim_to');
  src = new pg.Client({ connectionString: sourceUrl });
  dst = new pg.Client({ connectionString: targetUrl });
  await src.connect();
  await dst.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  await src.query(`
    CREATE TABLE mixed (id int4 PRIMARY KEY, big int8, amount numeric(14,3), day date, at timestamptz,
                        ok boolean, uid uuid, doc jsonb, note text, code varchar(8));
    -- 3,000 clean rows: read after the sample and the server's first message, these go on as their text.
    INSERT INTO mixed SELECT g, 9007199254740993 + g, g * 1.125, DATE '2024-01-01' + g,
      TIMESTAMPTZ '2024-01-02 03:04:05.123456+00' + g * INTERVAL '1 hour', g % 2 = 0,
      ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd38' || lpad(g::text, 4, '0'))::uuid,
      ('{"n": 123456789012345678901234567890, "p": 1.10, "i": ' || g || '}')::jsonb,
      'note ' || g, 'c' || g
      FROM generate_series(1, 3000) g;
    -- Rows whose text the load does not take as it is: each must load as the usual path loads it.
    INSERT INTO mixed (id, note, code, amount, day, at) VALUES
      (9101, '  padded  ', 'x', 1, '2024-01-01', '2024-01-01 00:00:00+00'),
      (9102, 'NULL', 'NULL', 2, '2024-01-01', '2024-01-01 00:00:00+00'),
      (9103, '', '', 3, '2024-01-01', '2024-01-01 00:00:00+00'),
      (9104, E'tab\\there\\nnewline \\\\ slash', 'y', 4, '2024-01-01', '2024-01-01 00:00:00+00'),
      (9105, 'n/a', E'\\u00a0nbsp', 5, '2024-01-01', '2024-01-01 00:00:00+00'),
      (9106, 'nan', 'z', 'NaN', '2024-01-01', '2024-01-01 00:00:00+00'),
      (9107, 'inf', 'z', 7, 'infinity', '-infinity'),
      (9108, 'bc', 'z', 8, '0044-03-15 BC', '0044-03-15 12:00:00+00 BC'),
      (9109, 'big year', 'z', 9, '12024-01-01', '12024-01-01 00:00:00+00'),
      (9110, 'émoji 😀 ünïcode', 'ü', -0.5, '2024-02-29', '2024-02-29 23:59:59.999999+00'),
      (9111, NULL, NULL, NULL, NULL, NULL);
  `);
});
afterAll(async () => {
  store?.close();
  await src?.end();
  await dst?.end();
});

const load = (table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source: { kind: 'postgres', connection: sourceUrl, table: 'mixed' },
      target: { connection: targetUrl, table, ...target },
      settings: { sampleSize: 5, maxErrorRate: 1 },
    },
    {
      store,
      env: {},
      dryRun: false,
      openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    },
  );

describe('rows sent on as their COPY text', () => {
  it('come only where every field is what the load would write', async () => {
    const spec = parseJobSpec({
      source: { kind: 'postgres', connection: sourceUrl, query: 'SELECT * FROM mixed ORDER BY id' },
      target: { connection: targetUrl, table: 'unused' },
      settings: { sampleSize: 5 },
    });
    const offered = await readOffered(await planJob(spec));
    const usual = offered.usual.map((cells) => cells[0] as number);
    // Runs of rows, one per line.
    const verbatim = offered.verbatim.map(({ cells }) => Number(cells[0]));
    // The rows read before the offer (the sample, the rest of the server's first message) and
    // the odd rows (NaN, infinities, BC and five-digit years) go the usual way; the other clean rows,
    // the text as the database holds it (padded, 'NULL', '', 'n/a': a database's text is kept), the
    // escaped text (checked unescaped), the Unicode one and the NULLs as text.
    const odd = usual.filter((id) => id > 9000);
    expect(odd).toEqual([9106, 9107, 9108, 9109]);
    expect(verbatim.filter((id) => id > 9000)).toEqual([9101, 9102, 9103, 9104, 9105, 9110, 9111]);
    expect(verbatim.length).toBeGreaterThan(2000);
    expect(usual.filter((id) => id <= 3000)).toEqual(
      Array.from({ length: usual.length - odd.length }, (_, i) => i + 1),
    );
  });

  it('is not offered where a target column would round or is of another type', async () => {
    const spec = parseJobSpec({
      source: { kind: 'postgres', connection: sourceUrl, table: 'mixed' },
      target: { connection: targetUrl, table: 'unused' },
      settings: { sampleSize: 5 },
    });
    const job = await planJob(spec);
    try {
      const n = job.source.columns.length;
      const rounding = job.source.columns.map((_, i) => ({ base: null, rounds: i === 2 }));
      expect(offerVerbatim(job.source, job.plans, rounding)).toBe(false);
      const texty = job.source.columns.map((_, i) => ({ base: i === 3 ? 'text' : null, rounds: false }));
      expect(offerVerbatim(job.source, job.plans, texty)).toBe(false);
      expect(n).toBe(10);
    } finally {
      await job.source.close();
    }
  });

  it('load exactly what the usual path loads (append as text, upsert the usual way)', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(dst, store, appended, upserted, COLUMNS);
    // The database's text as it holds it (not trimmed, 'NULL' and '' are text), escapes kept.
    const odd = await dst.query(
      `SELECT id, note, code, amount::text, day::text, at::text FROM as_text WHERE id > 9000 ORDER BY id`,
    );
    expect(odd.rows.find((r) => r.id === 9101)).toMatchObject({ note: '  padded  ' });
    expect(odd.rows.find((r) => r.id === 9102)).toMatchObject({ note: 'NULL', code: 'NULL' });
    expect(odd.rows.find((r) => r.id === 9103)).toMatchObject({ note: '', code: '' });
    expect(odd.rows.find((r) => r.id === 9105)).toMatchObject({ note: 'n/a', code: '\u00a0nbsp' });
    expect(odd.rows.find((r) => r.id === 9104)).toMatchObject({ note: 'tab\there\nnewline \\ slash' });
    expect(odd.rows.find((r) => r.id === 9110)).toMatchObject({ note: 'émoji 😀 ünïcode', amount: '-0.500' });
    const clean = await dst.query(`SELECT ${COLUMNS} FROM as_text WHERE id <= 3000`);
    const original = await src.query(`SELECT ${COLUMNS} FROM mixed WHERE id <= 3000`);
    expect(clean.rows.sort((a, b) => a.id - b.id)).toEqual(original.rows.sort((a, b) => a.id - b.id));
  });

  it('a row sent as text that the target refuses is isolated and reported with its raw values', async () => {
    await dst.query(`CREATE TABLE guarded (id int4, big int8, amount numeric, day date, at timestamptz,
      ok boolean, uid uuid, doc jsonb, note text CHECK (note <> 'note 2500'), code varchar(8))`);
    const outcome = await load('guarded', { mode: 'append' });
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts.read).toBe(3011);
    expect(outcome.counts.inserted + outcome.counts.rejected).toBe(3011);
    const [row] = store.reports
      .page(outcome.runId)
      .rows.filter((r) => r.errors.some((e) => e.reason === 'database_rejected'));
    expect(row).toMatchObject({ at: { kind: 'key', key: { id: '2500' } } });
    expect(JSON.parse(JSON.stringify(row!.raw))).toMatchObject({
      id: 2500,
      note: 'note 2500',
      code: 'c2500',
      ok: true,
    });
    expect(row!.errors[0]).toMatchObject({ column: 'note', sqlstate: '23514' });
    const loaded = await dst.query(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE id = 2500)::int AS bad FROM guarded',
    );
    expect(loaded.rows[0]).toEqual({ n: outcome.counts.inserted, bad: 0 });
  });
});

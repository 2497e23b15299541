import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// A PostgreSQL `real` or `double precision` column (loaded as numeric), a `json` column, a `bytea`
// (loaded as its hex: each line is written again without the `\x`) and the types
// read as their text (enums, arrays, intervals, inet, time) no longer send every row of the table the usual way:
// their COPY text goes as it is where it is what the usual path loads. A float written with an
// exponent (≥ 1e15, < 1e-4), `-0`, `NaN` or `Infinity` goes the usual way.

const ROWS = 30_000;
let url = '';
let client: pg.Client;
let store: RunStore;

/** Rows from 20,000 on whose float goes the usual way. */
const ODD_FLOATS: Record<number, string> = {
  20000: "'1e20'",
  20001: "'-0'",
  20002: "'NaN'",
  20003: "'Infinity'",
  20004: "'1.5e-7'",
};

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'pg_float_text_kinds');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const odd = Object.entries(ODD_FLOATS)
    .map(([n, v]) => `WHEN ${n} THEN ${v}::float8`)
    .join(' ');
  await client.query(`
    CREATE TYPE mood AS ENUM ('happy', 'sad', 'so-so ');
    CREATE TABLE source_kinds (id int4 PRIMARY KEY, price float8, ratio real, feeling mood, span interval,
      tags text[], addr inet, at time, doc json, raw bytea);
    INSERT INTO source_kinds SELECT n,
      CASE n ${odd} ELSE CASE n % 3 WHEN 0 THEN n / 8.0 WHEN 1 THEN n * 1.1 ELSE 0.1 + n END END,
      (n % 97) / 7.0,
      (ARRAY['happy', 'sad', 'so-so ']::mood[])[1 + CASE WHEN n % 1000 = 21 THEN 2 ELSE n % 2 END],
      make_interval(days => n % 40, secs => n % 61),
      ARRAY['a' || n, CASE WHEN n % 5 = 0 THEN 'with "quotes", and\\ttab' END],
      ('10.0.' || (n % 256) || '.' || (n % 200))::inet,
      make_time(n % 24, n % 60, (n % 59) + 0.25),
      CASE n WHEN 20010 THEN '{"a": "nul \\u0000"}'::json WHEN 20011 THEN '{"a": 1,  "a": 2}'::json
        ELSE json_build_object('n', n, 's', 'tab' || chr(9) || 'x\\y', 'q', '"', 'e', 'é') END,
      CASE n WHEN 20012 THEN ''::bytea WHEN 20013 THEN NULL ELSE decode(md5(n::text), 'hex') END
    FROM generate_series(1, ${ROWS}) n;
  `);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const source = () => ({ kind: 'postgres', connection: url, table: 'source_kinds' });
const load = (table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source: source(),
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe('PostgreSQL floats and types read as their text', () => {
  it('go as COPY text, their odd values the usual way', async () => {
    const job = await planJob(
      parseJobSpec({ source: source(), target: { connection: url, table: 'unused' } } as never),
    );
    expect(job.plans.map((p) => p.type)).toEqual([
      'integer',
      'numeric',
      'numeric',
      'text',
      'text',
      'text',
      'text',
      'text',
      'jsonb',
      'text',
    ]);
    const offered = await readOffered(job);
    const verbatim = offered.verbatim.map(({ cells }) => Number(cells[0]));
    const after = Math.min(...verbatim);
    const usual = offered.usual.map((cells) => Number(cells[0])).filter((id) => id > after);
    // The odd floats (a database's text is kept as it is: the enum label with a space at its end goes as it is).
    // And the json document with a \u0000, which jsonb refuses.
    expect(usual).toEqual([...Object.keys(ODD_FLOATS).map(Number), 20010]);
    expect(verbatim.length + offered.usual.length).toBe(ROWS);
    const row = offered.verbatim.find(({ cells }) => Number(cells[0]) === 20_005)!;
    expect(row.cells[3]).toBe('sad');
    const spaced = offered.verbatim.find(({ cells }) => Number(cells[0]) === 20_021)!;
    expect(spaced.cells[3]).toBe('so-so ');
    expect(JSON.parse(JSON.stringify(row.cells[8]))).toEqual({ n: 20005, s: 'tab\tx\\y', q: '"', e: 'é' });
    const raw = new Map(offered.verbatim.map(({ cells }) => [Number(cells[0]), cells[9]]));
    expect([raw.get(20012), raw.get(20013)]).toEqual(['', null]);
    expect(String(raw.get(20005))).toMatch(/^[0-9a-f]{32}$/);
    expect(row.cells.slice(5, 8)).toEqual([
      '{a20005,"with \\"quotes\\", and\\\\ttab"}',
      '10.0.37.5',
      '13:25:04.25',
    ]);
  });

  it.each([
    ['a new table', null],
    ['double precision and real columns', 'double precision, ratio real'],
  ])('load what the usual path loads into %s', async (_, floats) => {
    await client.query('DROP TABLE IF EXISTS as_text, usual');
    if (floats) {
      const columns = `price ${floats}, feeling text, span text, tags text, addr text, at text, doc json, raw text`;
      await client.query(
        `CREATE TABLE as_text (id int4, ${columns}); CREATE TABLE usual (id int4 PRIMARY KEY, ${columns})`,
      );
    }
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(
      client,
      store,
      appended,
      upserted,
      `id, price, ratio, feeling, span, tags, addr, at, doc${floats ? '::text' : ''}, raw`,
    );
    expect(appended.counts.inserted + appended.counts.rejected).toBe(ROWS);
  });
});

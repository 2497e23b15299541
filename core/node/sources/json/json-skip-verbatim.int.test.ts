import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { skipScalar } from './json-copy-rows.ts';

// Records whose load leaves columns out (`columns: [{ source, skip: true }]`, an API's fields nobody
// wants) still go as COPY text: a left-out value is checked to be JSON (a scalar, an object or an
// array) and not written.
// Before, leaving out one column sent every record the usual way (the bench's API load 5.3 s → 8.4 s).

const ROWS = 30_000;
const file = join(tempDir(), 'people.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** Left-out values: every kind of scalar (escapes, exponents), and every 1,000th an object. */
function secret(n: number): string {
  if (n % 1000 === 0) return '{"nested": [1, 2]}';
  switch (n % 6) {
    case 0:
      return `"tok\\"en\\\\ \\u00e9\\n${n}"`;
    case 1:
      return `${n}e-3`;
    case 2:
      return 'true';
    case 3:
      return 'null';
    case 4:
      return '-0.5E+2';
    default:
      return `"${'x'.repeat(n % 50)}"`;
  }
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'json_skip_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const records = Array.from(
    { length: ROWS },
    (_, i) =>
      `{"id": ${i + 1}, "secret": ${secret(i + 1)}, "name": "person ${i + 1}", "amount": ${(i + 1) / 4}, "flag": false}`,
  );
  writeFileSync(file, `[\n${records.join(',\n')}\n]\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SKIPS = [
  { source: 'secret', skip: true },
  { source: 'flag', skip: true },
];

const load = (table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source: { path: file },
      columns: SKIPS,
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe('JSON records with columns left out', () => {
  it('skipScalar passes JSON scalars only', () => {
    const at = (text: string) => skipScalar(`${text},`, 0, text.length + 1);
    for (const ok of [
      '"a\\"b"',
      '"\\u00E9\\/"',
      '0',
      '-0.5',
      '12e+3',
      '1E-2',
      'true',
      'false',
      'null',
      '""',
    ]) {
      expect(at(ok), ok).toBe(ok.length);
    }
    for (const bad of [
      '{}',
      '[1]',
      '"\\x"',
      '"\\u12G4"',
      '"a\tb"',
      '01',
      '1.',
      '.5',
      '-',
      '1e',
      'nul',
      '"open',
    ]) {
      expect(at(bad) === bad.length, bad).toBe(false);
    }
  });

  it('go as COPY text of the loaded columns, an object left out too', async () => {
    const job = await planJob(
      parseJobSpec({ source: { path: file }, columns: SKIPS, target: { connection: url, table: 'unused' } }),
    );
    expect(job.source.columns).toEqual(['id', 'secret', 'name', 'amount', 'flag']);
    const offered = await readOffered(job);
    const usual = offered.usual.map((cells) => Number(String(cells[0])));
    const after = Math.min(...offered.verbatim.map(({ line }) => line));
    // An object left out is checked as JSON and not written, as a scalar is.
    expect(usual.filter((id) => id > after)).toEqual([]);
    expect(offered.verbatim.length).toBeGreaterThan(10_000);
    expect(offered.verbatim.length + usual.length).toBe(ROWS);
    // A line holds the loaded columns only.
    expect(job.source.copyText?.lineColumns).toEqual(['id', 'name', 'amount']);
    const third = offered.verbatim.find(({ line }) => line === 20_003)!;
    expect(third.cells.map(String)).toEqual(['20003', 'person 20003', '5000.75']);
  });

  it('load what the usual path loads, and a refused row is reported with its loaded values', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(client, store, appended, upserted, 'id, name, amount');
    const columns = await client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'as_text' ORDER BY ordinal_position",
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['id', 'name', 'amount']);
    expect(appended.counts.inserted).toBe(ROWS);

    await client.query(
      "CREATE TABLE guarded (id integer, name text CHECK (name <> 'person 25001'), amount numeric)",
    );
    const guarded = await load('guarded', { mode: 'append' });
    expect(guarded.counts).toMatchObject({ inserted: ROWS - 1, rejected: 1 });
    const [row] = store.reports.page(guarded.runId).rows;
    expect(row!.errors[0]).toMatchObject({ reason: 'database_rejected', column: 'name' });
    expect(JSON.parse(JSON.stringify(row!.raw))).toEqual({
      id: 25001,
      name: 'person 25001',
      amount: 6250.25,
    });
  });
});

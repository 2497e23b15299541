import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { offerVerbatim } from '../../pipeline/verbatim.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';

// A PostgreSQL `timestamp without time zone` column (every Rails table's created_at and
// updated_at) no longer sends every row the usual way: in a UTC job its text goes as it is, which
// the load's UTC session reads as the same instant into a timestamptz and the same wall time into a
// timestamp. 'infinity', a BC time or a five-digit year go the usual way; into a timestamp(p) with
// p < 6, a time with more fraction digits goes the usual way too (which refuses it). In another
// zone a naive time means another instant: the rows go the usual way.

const ROWS = 30_000;
let url = '';
let client: pg.Client;
let store: RunStore;

/** Row n's time; the odd ones from row 20,000 on. */
function time(n: number): string | null {
  const special: Record<number, string | null> = {
    20000: 'infinity',
    20001: '-infinity',
    20002: '0044-03-15 12:00:00 BC',
    20003: '0001-01-01 00:00:00',
    20004: '9999-12-31 23:59:59.999999',
    20005: null,
    20006: '2024-02-29 23:59:59.1',
  };
  if (n in special) return special[n]!;
  const fraction = n % 3 === 0 ? '' : n % 3 === 1 ? '.125' : n % 1000 === 2 ? '.123456' : '.5';
  return `2024-01-01 ${String(n % 24).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:05${fraction}`;
}
const USUAL_AFTER_SAMPLE = [20000, 20001, 20002];

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'pg_naive_timestamp');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const values = Array.from({ length: ROWS }, (_, i) => {
    const t = time(i + 1);
    return `(${i + 1}, ${t === null ? 'NULL' : `'${t}'`})`;
  });
  await client.query(`CREATE TABLE source_times (id int4 PRIMARY KEY, at timestamp);
    INSERT INTO source_times VALUES ${values.join(', ')}`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const source = { kind: 'postgres', connection: url, table: 'source_times' };
const spec = (timeZone: string) =>
  parseJobSpec({
    source: { ...source, connection: url },
    target: { connection: url, table: 'unused' },
    format: { timeZone },
    settings: { sampleSize: 50 },
  } as never);

const load = (table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source: { ...source, connection: url },
      target: { connection: url, table, ...target },
      format: { timeZone: 'UTC' },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe('a PostgreSQL timestamp without time zone', () => {
  it('goes as COPY text in a UTC job, its odd values the usual way', async () => {
    const offered = await readOffered(await planJob(spec('UTC')));
    const verbatim = offered.verbatim.map(({ cells }) => Number(cells[0]));
    const after = Math.min(...verbatim);
    expect(after).toBeLessThan(20_000);
    expect(offered.usual.map((cells) => Number(cells[0])).filter((id) => id > after)).toEqual(
      USUAL_AFTER_SAMPLE,
    );
    expect(verbatim.length + offered.usual.length).toBe(ROWS);
    const cells = new Map(offered.verbatim.map(({ cells }) => [Number(cells[0]), cells[1]]));
    expect(cells.get(20003)).toBe('0001-01-01T00:00:00');
    expect(cells.get(20005)).toBeNull();
  });

  it('goes the usual way in another zone', async () => {
    const job = await planJob(spec('Europe/Paris'));
    try {
      const targets = job.plans.map(() => ({ base: null, rounds: false }));
      expect(offerVerbatim(job.source, job.plans, targets)).toBe(false);
    } finally {
      await job.source.close();
    }
  });

  it.each([
    ['a new table', null],
    ['timestamp', 'timestamp'],
    ['timestamptz', 'timestamptz'],
    ['timestamp(3)', 'timestamp(3)'],
  ])('loads what the usual path loads into %s', async (_, type) => {
    await client.query('DROP TABLE IF EXISTS as_text, usual');
    if (type) {
      await client.query(
        `CREATE TABLE as_text (id int4, at ${type}); CREATE TABLE usual (id int4 PRIMARY KEY, at ${type})`,
      );
    }
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(client, store, appended, upserted, 'id, at');
    // Into timestamp(3): the ten times at .123456 (row 2 and every 3,000th after) and 20004's .999999.
    const refused = type === 'timestamp(3)' ? 11 : 0;
    expect(appended.counts.inserted + appended.counts.rejected).toBe(ROWS);
    expect(appended.counts.rejected).toBeGreaterThanOrEqual(refused);
    const row = await client.query(
      "SELECT to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') AS at FROM as_text WHERE id = 20004",
    );
    expect(row.rows).toEqual(type === 'timestamp(3)' ? [] : [{ at: '9999-12-31 23:59:59.999999' }]);
  });
});

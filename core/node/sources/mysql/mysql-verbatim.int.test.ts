import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered } from '../../runs/verbatim-test-support.ts';
import { mysqlTestBed } from './test-bed.ts';

// Rows of a MySQL source written straight into COPY text (database/copy-rows.ts): what lands in the
// target must be what the usual read → normalize → encode path loads, value for value and reject
// for reject, and a row the target refuses is found inside its run and reported with its cells.

const bed = await mysqlTestBed('verbatim', {
  target: true,
  setup: async (my) => {
    await my.query(`
      SET SESSION sql_mode = '';
      CREATE TABLE orders (id INT PRIMARY KEY, email VARCHAR(255), day DATE, amount DECIMAL(12,2),
        paid BOOLEAN, note TEXT, at DATETIME, big BIGINT, tiny SMALLINT, flt DOUBLE, dt6 DATETIME(6))
        CHARACTER SET utf8mb4;
      -- Rows the writer leaves to the usual path: each must load (or be rejected) as that path does it.
      INSERT INTO orders VALUES
        (40001, '  padded  ', '0000-00-00', 1, 1, 'x', '0000-00-00 00:00:00', 1, 1, 1e300, NULL),
        (40002, 'NULL', '2024-02-29', 2, 2, '', '2024-01-01 10:00:00', 9007199254740993, 2, 1.5e-7, NULL),
        (40003, 'ü ünïcode 😀', '2024-00-10', -0.5, 0, 'x', '2024-01-01 23:59:59', -5, 3, -0.0, NULL),
        (40004, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    `);
    // 30,000 clean rows (prices, escapes in text, microseconds), in a few statements.
    const minute = (n: number) =>
      new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString().slice(0, 19).replace('T', ' ');
    const second = (n: number) =>
      `${new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString().slice(0, 19).replace('T', ' ')}.000001`;
    const day = (n: number) => new Date(Date.UTC(2020, 0, 1 + (n % 1500))).toISOString().slice(0, 10);
    for (let from = 1; from <= 30000; from += 5000) {
      const rows = [];
      for (let n = from; n < from + 5000; n++) {
        const note = n % 7 === 0 ? 'line\ntwo\ttab \\ slash' : `note ${n}`;
        rows.push([
          n,
          `user${n}@example.com`,
          day(n),
          (n * 1.25 - 7.5).toFixed(2),
          n % 2,
          note,
          minute(n),
          n * 1000000007,
          (n % 30000) - 15000,
          n / 8,
          second(n),
        ]);
      }
      await my.query('INSERT INTO orders VALUES ?', [rows]);
    }
  },
});

const COLUMNS = 'id, email, day, amount, paid, note, at, big, tiny, flt, dt6';

const load = (table: string, target: Record<string, unknown>, settings: Record<string, unknown> = {}) =>
  runLoad(
    {
      source: { kind: 'mysql', connection: bed.myUrl, table: 'orders' },
      target: { connection: bed.pgUrl, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1, ...settings },
    },
    {
      store: bed.store,
      env: {},
      dryRun: false,
      openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    },
  );

describe.skipIf(bed.server === null)('MySQL rows sent as COPY text (real MariaDB)', () => {
  it('come only where every value is what the load would write, in runs of bytes', async () => {
    const job = await planJob(
      parseJobSpec({
        source: { kind: 'mysql', connection: bed.myUrl, table: 'orders' },
        target: { connection: bed.pgUrl, table: 'unused' },
        settings: { sampleSize: 50 },
      }),
    );
    const offered = await readOffered(job);
    const usual = offered.usual.map((cells) => Number(cells[0]));
    for (const { cells } of offered.verbatim) expect(cells).toHaveLength(11);
    const verbatim = offered.verbatim.length;
    expect(usual.filter((id) => id > 40000)).toEqual([40001, 40002, 40003]);
    expect(verbatim).toBeGreaterThan(20000);
    expect(verbatim + usual.length).toBe(30004);
  });

  it('load exactly what the usual path loads (append as text, upsert the usual way)', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(bed.client, bed.store, appended, upserted, COLUMNS);
    expect(appended.counts.rejected).toBeGreaterThan(0);
    const rows = await bed.client.query(
      `SELECT id, amount::text, paid, note, at::text, dt6::text FROM as_text WHERE id IN (14, 29999) ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      {
        id: 14,
        amount: '10.00',
        paid: false,
        note: 'line\ntwo\ttab \\ slash',
        at: '2024-01-01 00:14:00+00',
        dt6: '2024-01-01 00:00:14.000001+00',
      },
      {
        id: 29999,
        amount: '37491.25',
        paid: true,
        note: 'note 29999',
        at: '2024-01-21 19:59:00+00',
        dt6: '2024-01-01 08:19:59.000001+00',
      },
    ]);
  });

  it('a row the target refuses inside a run is isolated and reported with its cells', async () => {
    await bed.client.query(`CREATE TABLE guarded (id integer CHECK (id <> 25000), email text, day date,
      amount numeric, paid boolean, note text, at timestamptz, big bigint, tiny integer, flt numeric,
      dt6 timestamptz)`);
    const outcome = await load('guarded', {}, { commitEvery: 700 });
    expect(outcome.error ?? null).toBeNull();
    const refused = bed.store.reports
      .page(outcome.runId)
      .rows.filter((r) => r.errors.some((e) => e.reason === 'database_rejected'));
    expect(refused.map((r) => [r.at, r.raw])).toEqual([
      [
        { kind: 'key', key: { id: '25000' } },
        {
          id: 25000,
          email: 'user25000@example.com',
          day: '2022-09-27',
          amount: '31242.50',
          paid: 0,
          note: 'note 25000',
          at: '2024-01-18 08:40:00',
          big: 25000000175000,
          tiny: 10000,
          flt: '3125',
          dt6: '2024-01-01 06:56:40.000001',
        },
      ],
    ]);
  });
});

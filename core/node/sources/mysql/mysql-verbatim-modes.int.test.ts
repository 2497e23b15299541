import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { mysqlTestBed } from './test-bed.ts';

// MySQL rows written as COPY text (database/copy-rows.ts) into targets that round and in an
// incremental load: a DECIMAL with more decimals than a numeric(12,2) keeps, a DATETIME(6) with more
// fraction digits than a timestamptz(3) keeps, and a NULL watermark each send their row the usual
// way, which refuses it; what lands, what is refused and the new mark are what the usual path gives.

const ROWS = 20_000;
const bed = await mysqlTestBed('verbatim_modes', {
  target: true,
  setup: async (my) => {
    await my.query(
      'CREATE TABLE changes (id INT PRIMARY KEY, seq INT NULL, amount DECIMAL(12,4), at DATETIME(6)) CHARACTER SET utf8mb4',
    );
    for (let from = 1; from <= ROWS; from += 5000) {
      const rows = [];
      for (let n = from; n < from + 5000; n++) {
        const amount = n % 1000 === 0 ? `${n}.1250` : `${n}.2500`;
        const fraction = n % 1000 === 1 ? '.123400' : '.120000';
        const at = `2024-01-01 ${String(n % 24).padStart(2, '0')}:00:05${fraction}`;
        rows.push([n, n % 1000 === 2 ? null : n, amount, at]);
      }
      await my.query('INSERT INTO changes VALUES ?', [rows]);
    }
  },
});

/** Rows the usual path refuses: 3-decimal amounts, 4-digit fractions, NULL watermarks. */
const odd = (n: number) => n % 1000 === 0 || n % 1000 === 1 || n % 1000 === 2;

const load = (table: string, target: Record<string, unknown>, name?: string) =>
  runLoad(
    {
      ...(name ? { name } : {}),
      source: { kind: 'mysql', connection: bed.myUrl, table: 'changes' },
      target: { connection: bed.pgUrl, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    },
    runOptions(bed.store),
  );

describe.skipIf(bed.server === null)(
  'MySQL rows as COPY text into rounding targets and incremental loads (real MariaDB)',
  () => {
    it('sends a row the usual way when a value would round or its watermark is NULL', async () => {
      const job = await planJob(
        parseJobSpec({
          source: { kind: 'mysql', connection: bed.myUrl, table: 'changes' },
          target: { connection: bed.pgUrl, table: 'unused' },
          settings: { sampleSize: 50 },
        }),
      );
      const offered = await readOffered(job, (i) =>
        i === 1
          ? { base: null, rounds: false, notNull: true }
          : i === 2
            ? { base: 'numeric', rounds: true, decimals: 2 }
            : i === 3
              ? { base: 'timestamptz', rounds: true, secondsDigits: 3 }
              : { base: null, rounds: false },
      );
      const usual = offered.usual.map((cells) => Number(cells[0]));
      const verbatim = offered.verbatim.map(({ cells }) => Number(cells[0]));
      const after = Math.min(...verbatim);
      expect(usual.filter((id) => id > after)).toEqual(
        Array.from({ length: ROWS }, (_, i) => i + 1).filter((n) => n > after && odd(n)),
      );
      expect(verbatim.length).toBeGreaterThan(10_000);
    });

    it('leaves a column out of the COPY text when the load leaves it out', async () => {
      const spec = {
        source: { kind: 'mysql', connection: bed.myUrl, table: 'changes' },
        columns: [{ source: 'amount', skip: true }],
      };
      const job = await planJob(
        parseJobSpec({ ...spec, target: { connection: bed.pgUrl, table: 'unused' } } as never),
      );
      const offered = await readOffered(job);
      expect(job.source.copyText?.lineColumns).toEqual(['id', 'seq', 'at']);
      expect(offered.verbatim.length).toBeGreaterThan(5_000);
      const row = offered.verbatim.find(({ cells }) => Number(cells[0]) === 15_005)!;
      expect(row.cells).toEqual([15005, 15005, '2024-01-01 05:00:05.120000']);
      const run = (table: string, target: Record<string, unknown>) =>
        runLoad(
          {
            ...spec,
            target: { connection: bed.pgUrl, table, ...target },
            settings: { sampleSize: 50, maxErrorRate: 1 },
          } as never,
          runOptions(bed.store),
        );
      const asText = await run('as_text', { mode: 'append' });
      const usual = await run('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
      await expectLoadedAlike(bed.client, bed.store, asText, usual, 'id, seq, at');
    });

    it('loads, refuses and marks what the usual path does', async () => {
      await bed.client.query(`
      DROP TABLE IF EXISTS as_text, usual;
      CREATE TABLE as_text (id int4 PRIMARY KEY, seq int4, amount numeric(12,2), at timestamptz(3));
      CREATE TABLE usual (id int4 PRIMARY KEY, seq int4, amount numeric(12,2), at timestamptz(3));
    `);
      const target = { mode: 'incremental', key: ['id'], watermark: 'seq' };
      const asText = await load('as_text', target, 'mysql-text');
      const usual = await load('usual', { ...target, duplicateKeys: 'reject' }, 'mysql-usual');
      await expectLoadedAlike(bed.client, bed.store, asText, usual, 'id, seq, amount, at');
      expect(asText.counts.rejected).toBe((ROWS / 1000) * 3);
      const reasons = bed.store.reports
        .page(asText.runId)
        .rows.map((r) => r.errors[0]!.reason)
        .sort();
      expect(new Set(reasons)).toEqual(new Set(['missing_watermark', 'too_many_decimals']));
      expect(asText.watermark.after).toBe(String(ROWS - 1));
      expect(usual.watermark.after).toBe(String(ROWS - 1));
    });
  },
);

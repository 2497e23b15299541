import type pg from 'pg';
import { expect } from 'vitest';
import type { RawValue } from '../../common/types.ts';
import type { VerbatimTarget } from '../load/types.ts';
import type { planJob } from '../pipeline/plan-job.ts';
import { offerVerbatim } from '../pipeline/verbatim.ts';
import type { SourceRow } from '../sources/types.ts';
import type { RunStore } from '../store/index.ts';
import type { RunLoadOptions, runLoad } from './run-load.ts';

type Outcome = Awaited<ReturnType<typeof runLoad>>;

/**
 * The same source loaded twice, rows sent as their COPY text (`appended` into `as_text`) and the usual
 * way (`upserted` into `usual` with `duplicateKeys: 'reject'`, a staged load, which never takes COPY
 * text; an upsert that keeps the last row of a key may): both succeeded with the same counts, the same rejected rows for the
 * same reasons, and the two tables hold the same `columns`, row for row (`EXCEPT ALL` both ways).
 */
export async function expectLoadedAlike(
  client: pg.Client,
  store: RunStore,
  appended: Outcome,
  upserted: Outcome,
  columns: string,
): Promise<void> {
  expect(appended.error ?? null).toBeNull();
  expect(upserted.error ?? null).toBeNull();
  expect(appended.counts).toEqual(upserted.counts);
  // Every reject (page by page), not only the first page's.
  const rejects = (runId: string) => {
    const all: unknown[] = [];
    for (let offset = 0; ; offset += 10_000) {
      const rows = store.reports.page(runId, { offset, limit: 10_000 }).rows;
      for (const r of rows) all.push([r.at, r.errors.map((e) => [e.column, e.reason])]);
      if (rows.length < 10_000) return all;
    }
  };
  expect(rejects(appended.runId)).toEqual(rejects(upserted.runId));
  const differing = await client.query(
    `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM as_text EXCEPT ALL SELECT ${columns} FROM usual) a)
          + (SELECT count(*) FROM (SELECT ${columns} FROM usual EXCEPT ALL SELECT ${columns} FROM as_text) b) AS n`,
  );
  expect(Number(differing.rows[0].n)).toBe(0);
}

/** A planned job's rows once every column was offered as COPY text (see `readOffered`). */
export interface OfferedRows {
  /** Rows that came the usual way: their cells. */
  readonly usual: RawValue[][];
  /** Rows that came as COPY text: each line read back into its cells, with its line. */
  readonly verbatim: { line: number; cells: RawValue[] }[];
  /** The runs as the source gave them. */
  readonly runs: SourceRow[];
}

/**
 * Offers every column of a planned job as COPY text (by default the targets of a new table; `targetOf`
 * gives another column's target), reads all its rows
 * and closes its source. Each run holds one line per row (`rows`), each read back by the source's
 * `copyText.reparse` (or its `reparse`).
 */
export async function readOffered(
  job: Awaited<ReturnType<typeof planJob>>,
  targetOf: (column: number) => VerbatimTarget = () => ({ base: null, rounds: false }),
): Promise<OfferedRows> {
  const usual: RawValue[][] = [];
  const verbatim: { line: number; cells: RawValue[] }[] = [];
  const runs: SourceRow[] = [];
  try {
    const targets = job.plans.filter((p) => !p.skip).map((_, i) => targetOf(i));
    expect(offerVerbatim(job.source, job.plans, targets)).toBe(true);
    const reparse = job.source.copyText?.reparse ?? job.source.reparse!;
    for await (const batch of job.rows()) {
      for (const row of batch) {
        if (!row.verbatim) {
          usual.push(row.values);
          continue;
        }
        runs.push(row);
        const text = row.bytes
          ? row.bytes.toString('utf8', row.textStart, row.textEnd)
          : row.text!.slice(row.textStart, row.textEnd);
        const lines = text.split('\n');
        expect(lines).toHaveLength(row.rows ?? 1);
        lines.forEach((line, k) => {
          verbatim.push({ line: row.line + k, cells: reparse(line) });
        });
      }
    }
  } finally {
    await job.source.close();
  }
  return { usual, verbatim, runs };
}

/** `runLoad`'s options in these tests: the run store, no environment, a real (not dry) load. */
export function runOptions(store: RunStore): RunLoadOptions {
  return {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  };
}

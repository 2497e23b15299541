import type pg from 'pg';
import { expect } from 'vitest';
import type { RunStore } from '../store/index.ts';
import type { runLoad } from './run-load.ts';

type Outcome = Awaited<ReturnType<typeof runLoad>>;

/**
 * The same source loaded twice, rows sent as their COPY text (`appended` into `as_text`) and the usual
 * way (`upserted` into `usual`): both succeeded with the same counts, the same rejected rows for the
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
  const rejects = (runId: string) =>
    store.reports.page(runId).rows.map((r) => [r.at, r.errors.map((e) => [e.column, e.reason])]);
  expect(rejects(appended.runId)).toEqual(rejects(upserted.runId));
  const differing = await client.query(
    `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM as_text EXCEPT ALL SELECT ${columns} FROM usual) a)
          + (SELECT count(*) FROM (SELECT ${columns} FROM usual EXCEPT ALL SELECT ${columns} FROM as_text) b) AS n`,
  );
  expect(Number(differing.rows[0].n)).toBe(0);
}

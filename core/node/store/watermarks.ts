import type { StoreContext } from './context.ts';
import type { Watermark } from './types.ts';

/** High-water marks of incremental loads, per job and target table. */
export interface WatermarksRepo {
  get(jobKey: string, table: string): Watermark | undefined;
  /**
   * Records the new mark (a normalized value as text: ISO timestamp, number, …) and what it is a
   * mark of (`basis`: the source and watermark column; see runs/watermarks.ts).
   */
  set(jobKey: string, table: string, value: string, runId?: string | null, basis?: string | null): void;
  remove(jobKey: string, table: string): boolean;
}

/** Creates the watermarks part of a store. */
export function createWatermarksRepo(ctx: StoreContext): WatermarksRepo {
  const { db } = ctx;
  const getStmt = db.prepare(
    'SELECT value, run_id AS runId, updated_at AS updatedAt, basis FROM watermarks WHERE job_key = ? AND target_table = ?',
  );
  const setStmt = db.prepare(`INSERT INTO watermarks (job_key, target_table, value, run_id, updated_at, basis)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_key, target_table)
    DO UPDATE SET value = excluded.value, run_id = excluded.run_id, updated_at = excluded.updated_at,
      basis = excluded.basis`);
  const del = db.prepare('DELETE FROM watermarks WHERE job_key = ? AND target_table = ?');
  return {
    get: (jobKey, table) => getStmt.get(jobKey, table) as Watermark | undefined,
    set: (jobKey, table, value, runId = null, basis = null) => {
      setStmt.run(jobKey, table, value, runId, ctx.now().toISOString(), basis);
    },
    remove: (jobKey, table) => del.run(jobKey, table).changes > 0,
  };
}

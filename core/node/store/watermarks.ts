import type { StoreContext } from './context.ts';
import type { Watermark } from './types.ts';

/** High-water marks of incremental loads, per job and target table. */
export interface WatermarksRepo {
  get(jobKey: string, table: string): Watermark | undefined;
  /** Records the new mark (a normalized value as text: ISO timestamp, number, …). */
  set(jobKey: string, table: string, value: string, runId?: string | null): void;
  remove(jobKey: string, table: string): boolean;
}

/** Creates the watermarks part of a store. */
export function createWatermarksRepo(ctx: StoreContext): WatermarksRepo {
  const { db } = ctx;
  const getStmt = db.prepare(
    'SELECT value, run_id AS runId, updated_at AS updatedAt FROM watermarks WHERE job_key = ? AND target_table = ?',
  );
  const setStmt = db.prepare(`INSERT INTO watermarks (job_key, target_table, value, run_id, updated_at)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_key, target_table)
    DO UPDATE SET value = excluded.value, run_id = excluded.run_id, updated_at = excluded.updated_at`);
  const del = db.prepare('DELETE FROM watermarks WHERE job_key = ? AND target_table = ?');
  return {
    get: (jobKey, table) => getStmt.get(jobKey, table) as Watermark | undefined,
    set: (jobKey, table, value, runId = null) => {
      setStmt.run(jobKey, table, value, runId, ctx.now().toISOString());
    },
    remove: (jobKey, table) => del.run(jobKey, table).changes > 0,
  };
}

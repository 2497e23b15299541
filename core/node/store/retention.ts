import type { StoreContext } from './context.ts';
import type { StoreSettings } from './types.ts';

/** What `applyRetention` removed. */
export interface RetentionResult {
  deletedRuns: string[];
  deletedRejectedRows: number;
  /** Whether the file was compacted (only after something was deleted). */
  vacuumed: boolean;
}

/**
 * Deletes finished runs that fall outside every retention rule (not among the last `keepRuns`
 * runs AND older than `keepDays`), with their rejected rows and events, one transaction per run
 * so a load writing meanwhile waits at most one run's delete. Then VACUUMs and truncates the WAL
 * so the space goes back to the disk. Running runs are never deleted. No rule set → keeps all.
 */
export function applyRetention(ctx: StoreContext, retention: StoreSettings['retention']): RetentionResult {
  const { db } = ctx;
  const { keepRuns, keepDays } = retention;
  if (keepRuns === null && keepDays === null)
    return { deletedRuns: [], deletedRejectedRows: 0, vacuumed: false };
  const cutoff =
    keepDays === null ? null : new Date(ctx.now().getTime() - keepDays * 24 * 60 * 60 * 1000).toISOString();
  const candidates = db
    .prepare(`SELECT seq, id, started_at FROM runs WHERE status <> 'running' ORDER BY seq DESC`)
    .all() as Array<{ seq: number; id: string; started_at: string }>;
  const newest =
    keepRuns === null
      ? new Set<number>()
      : new Set(
          db.prepare('SELECT seq FROM runs ORDER BY seq DESC LIMIT ?').pluck().all(keepRuns) as number[],
        );
  const doomed = candidates.filter(
    (r) => (keepRuns === null || !newest.has(r.seq)) && (cutoff === null || r.started_at < cutoff),
  );
  if (doomed.length === 0) return { deletedRuns: [], deletedRejectedRows: 0, vacuumed: false };

  const delErrors = db.prepare('DELETE FROM reject_errors WHERE run_seq = ?');
  const delRows = db.prepare('DELETE FROM rejected_rows WHERE run_seq = ?');
  const delEvents = db.prepare('DELETE FROM run_events WHERE run_seq = ?');
  const delRun = db.prepare(`DELETE FROM runs WHERE seq = ? AND status <> 'running'`);
  let deletedRejectedRows = 0;
  const deletedRuns: string[] = [];
  const deleteOne = db.transaction((seq: number, id: string) => {
    delErrors.run(seq);
    const rows = delRows.run(seq).changes;
    delEvents.run(seq);
    if (delRun.run(seq).changes > 0) {
      deletedRejectedRows += rows;
      deletedRuns.push(id);
    }
  });
  for (const run of doomed) deleteOne(run.seq, run.id);
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { deletedRuns, deletedRejectedRows, vacuumed: true };
}

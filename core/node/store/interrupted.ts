import os from 'node:os';
import { settleFromRunStore } from './committed.ts';
import type { StoreContext } from './context.ts';

/** The reason recorded on runs whose process ended while they were running. */
export const INTERRUPTED_REASON = 'the process ended before the run finished';

/**
 * Marks `running` runs whose process is gone as `interrupted` (the app was killed or crashed).
 * A run whose process still lives on this machine (another window, a CLI load in progress) is
 * left alone. A store is local to one machine (SQLite WAL does not work over network shares),
 * so a run owned by another host name is taken as dead too (the machine was renamed).
 * @returns the ids marked.
 */
export function markInterruptedRuns(ctx: StoreContext, reason = INTERRUPTED_REASON): string[] {
  const running = ctx.db
    .prepare("SELECT seq, id, owner_pid, owner_host FROM runs WHERE status = 'running'")
    .all() as Array<{ seq: number; id: string; owner_pid: number | null; owner_host: string | null }>;
  const host = os.hostname();
  const dead = running.filter(
    (r) => !(r.owner_host === host && r.owner_pid !== null && isAlive(r.owner_pid)),
  );
  return markInterrupted(ctx, dead, reason);
}

/** Marks the given runs `interrupted` (if still running), with an event saying why. */
export function markInterrupted(
  ctx: StoreContext,
  runs: ReadonlyArray<{ seq: number; id: string }>,
  reason: string,
): string[] {
  if (runs.length === 0) return [];
  const mark = ctx.db.prepare(
    "UPDATE runs SET status = 'interrupted', phase = NULL, error_message = ? WHERE seq = ? AND status = 'running'",
  );
  const event = ctx.db.prepare(
    "INSERT INTO run_events (run_seq, at, kind, message) VALUES (?, ?, 'interrupted', ?)",
  );
  const marked: string[] = [];
  ctx.db.transaction(() => {
    const at = ctx.now().toISOString();
    for (const run of runs) {
      if (mark.run(reason, run.seq).changes > 0) {
        event.run(run.seq, at, reason);
        marked.push(run.id);
      }
    }
  })();
  // A run that committed (commit-every) says what it committed, as far as this store heard; the
  // target's control row may know of a later commit (see runs/reconcile.ts).
  settleFromRunStore(ctx, marked);
  return marked;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

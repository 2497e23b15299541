import { runSeqOf, type StoreContext } from './context.ts';
import type { CommittedPosition, RunResumeInfo, SourceFingerprint } from './types.ts';

// What a load with commit-every committed, kept on its run (migration 0005), and how an interrupted
// run's record is made to say exactly that.

/** Records a COMMIT of a running run: the position and its committed counts. */
export function recordCommit(ctx: StoreContext, runId: string, position: CommittedPosition): void {
  const c = position.counts;
  ctx.db
    .prepare(
      `UPDATE runs SET committed = ?, rows_read = ?, rows_inserted = ?, rows_updated = ?, rows_unchanged = ?,
       rows_skipped = ?, rows_superseded = ? WHERE id = ? AND status = 'running'`,
    )
    .run(
      JSON.stringify(position),
      c.read,
      c.inserted,
      c.updated,
      c.unchanged,
      c.skipped,
      c.superseded,
      runId,
    );
}

/**
 * Makes a run that stopped (interrupted) say what it committed: its counts become the position's.
 * From the target's control row (the truth), its rejected rows past the committed prefix are deleted
 * too (they were not part of what it did; a resume reads those records again and records them
 * itself). From the run store's own last commit they are kept (the target may know of a later
 * commit that covers them) and only the count is the prefix's.
 */
export function settleCommitted(
  ctx: StoreContext,
  runId: string,
  position: CommittedPosition,
  origin: 'target' | 'run_store',
): void {
  const seq = runSeqOf(ctx, runId);
  const c = position.counts;
  ctx.db.transaction(() => {
    const prune = origin === 'target' && position.line !== null;
    if (prune) deleteRejectsAfter(ctx, seq, position.line as number);
    ctx.db
      .prepare(
        `UPDATE runs SET committed = ?, counts_origin = ?, rows_read = ?, rows_inserted = ?, rows_updated = ?,
         rows_unchanged = ?, rows_skipped = ?, rows_superseded = ?, rows_rejected = ? WHERE seq = ?`,
      )
      .run(
        JSON.stringify(position),
        origin,
        c.read,
        c.inserted,
        c.updated,
        c.unchanged,
        c.skipped,
        c.superseded,
        prune
          ? (ctx.db
              .prepare('SELECT count(*) FROM rejected_rows WHERE run_seq = ?')
              .pluck()
              .get(seq) as number)
          : c.rejected,
        seq,
      );
  })();
}

/**
 * Deletes a run's rejected rows past `line` (null: all of them), before a resume reads those records
 * again, so no rejected row is recorded twice.
 * @returns how many were deleted.
 */
export function deleteRejectsPast(ctx: StoreContext, runId: string, line: number | null): number {
  const seq = runSeqOf(ctx, runId);
  return ctx.db.transaction(() => {
    const n = deleteRejectsAfter(ctx, seq, line ?? -1);
    ctx.db
      .prepare(
        'UPDATE runs SET rows_rejected = (SELECT count(*) FROM rejected_rows WHERE run_seq = ?) WHERE seq = ?',
      )
      .run(seq, seq);
    return n;
  })();
}

function deleteRejectsAfter(ctx: StoreContext, seq: number, line: number): number {
  ctx.db
    .prepare(
      'DELETE FROM reject_errors WHERE run_seq = ? AND row_id IN (SELECT id FROM rejected_rows WHERE run_seq = ? AND line > ?)',
    )
    .run(seq, seq, line);
  return ctx.db.prepare('DELETE FROM rejected_rows WHERE run_seq = ? AND line > ?').run(seq, line).changes;
}

/** Settles every interrupted run among `ids` that recorded a commit, from its last recorded commit. */
export function settleFromRunStore(ctx: StoreContext, ids: readonly string[]): void {
  for (const id of ids) {
    const text = ctx.db.prepare('SELECT committed FROM runs WHERE id = ?').pluck().get(id) as string | null;
    if (text) settleCommitted(ctx, id, JSON.parse(text) as CommittedPosition, 'run_store');
  }
}

/** The raw columns of migration 0005 as read with a run. */
export interface ResumeColumns {
  committed: string | null;
  source_fingerprint: string | null;
  resume_of: string | null;
  resume_from: string | null;
  counts_origin: string | null;
}

/** A run's resume information from its row. */
export function resumeInfo(ctx: StoreContext, runId: string, row: ResumeColumns): RunResumeInfo {
  const resumedBy = ctx.db
    .prepare('SELECT id FROM runs WHERE resume_of = ? ORDER BY seq')
    .pluck()
    .all(runId) as string[];
  return {
    committed: row.committed ? (JSON.parse(row.committed) as CommittedPosition) : null,
    countsOrigin:
      row.counts_origin === 'target' || row.counts_origin === 'run_store' ? row.counts_origin : null,
    sourceFingerprint: row.source_fingerprint
      ? (JSON.parse(row.source_fingerprint) as SourceFingerprint)
      : null,
    resumeOf: row.resume_of,
    resumeFrom: row.resume_from ? (JSON.parse(row.resume_from) as CommittedPosition) : null,
    resumedBy,
  };
}

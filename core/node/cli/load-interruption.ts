import { countOf } from '../../common/outcome/words.ts';
import { runSeqOf } from '../store/context.ts';
import { markInterrupted } from '../store/interrupted.ts';
import type { RunStore } from '../store/open-store.ts';
import type { Interruption } from './interrupts.ts';

/** What a run the operator forced to stop (a second Ctrl-C) is recorded with. */
export const forcedExitReason = (again: string) =>
  `the process was forced to exit (a second ${again}) while the load was stopping`;

/** The load a CLI command runs, as far as its interruption needs to know it. */
export interface LoadBeingRun {
  readonly store: RunStore;
  /** The target table, when known before the run starts (a resume reads it from the run). */
  readonly table?: string;
  /** Whether the load commits as it goes (`--commit-every`); unknown for a resume. */
  readonly commitEvery?: boolean;
}

/**
 * What Ctrl-C says and does while `load` or `jobs run` loads. The first: the load is being
 * cancelled and rolled back, and a second Ctrl-C exits at once. The second, which does not wait for
 * the rollback: the run (when it exists and still runs) is recorded as `interrupted` at once, with
 * the counts of its last commit the store heard of, as the next store open would record it; the
 * store is closed; then what the target keeps and where the run stands is said. PostgreSQL rolls
 * back the load's open transaction when the process's connection drops; a `--commit-every` load's
 * committed chunks stay. `onRunCreated` is given the run's id once it is recorded.
 */
export function loadInterruption(load: LoadBeingRun): Interruption & { onRunCreated(runId: string): void } {
  let runId: string | null = null;
  const into = load.table ? ` into ${load.table}` : '';
  return {
    onRunCreated(id) {
      runId = id;
    },
    first(again) {
      const since =
        load.commitEvery === false
          ? ''
          : load.commitEvery
            ? ' since its last commit (the chunks --commit-every committed stay)'
            : ' since its last commit, if it commits as it goes (--commit-every)';
      const press = again === 'Ctrl-C' ? 'Press Ctrl-C' : `Send ${again}`;
      return `loadstone: cancelling the load${into}: rolling back what it wrote${since}. ${press} again to exit at once without waiting for the rollback.`;
    },
    forced(again) {
      const head = `loadstone: forced exit (a second ${again}) before the load${into} finished stopping.`;
      if (runId === null) {
        // The run is recorded before any row moves: nothing was written, nothing recorded.
        return `${head}\n  It had not begun: nothing was written to the target and no run was recorded.`;
      }
      return `${head}\n${settle(load.store, runId, load.table, forcedExitReason(again)).join('\n')}`;
    },
  };
}

/** Records the run as interrupted (if it still runs), closes the store, and says where things stand. */
function settle(store: RunStore, runId: string, table: string | undefined, reason: string): string[] {
  const before = store.runs.get(runId);
  if (before?.status === 'running') {
    markInterrupted(store.context, [{ seq: runSeqOf(store.context, runId), id: runId }], reason);
  }
  const run = store.runs.get(runId);
  store.close();
  if (!run) return [`  Run ${runId}: not found in the run store.`];
  const lines: string[] = [];
  const committed = run.resume.committed;
  if (run.status === 'interrupted') {
    lines.push(
      `  Target: PostgreSQL rolls back the load's open transaction when its connection drops (as this process exits): nothing it wrote since its last commit stays${table ? ` in ${table}` : ''}.`,
    );
    if (committed && !run.dryRun) {
      const c = committed.counts;
      const parts = [`${countOf(c.inserted, 'row')} inserted`];
      if (c.updated > 0) parts.push(`${c.updated.toLocaleString('en-US')} updated`);
      if (c.unchanged > 0) parts.push(`${c.unchanged.toLocaleString('en-US')} unchanged`);
      const through =
        committed.records === null
          ? ''
          : ` (through source record ${committed.records.toLocaleString('en-US')})`;
      lines.push(
        `  Committed before (--commit-every), and kept: ${parts.join(', ')}${through}, as far as the run store heard; 'loadstone runs ${runId}' reads the target's control row when it can reach it.`,
      );
    } else {
      lines.push('  Nothing of it was committed: the target is as it was before the load.');
    }
    lines.push(
      `  Run ${runId}: recorded as interrupted ("${reason}"). See 'loadstone runs ${runId}' (it says whether 'loadstone load --resume ${runId}' can continue it).`,
    );
  } else {
    // The load had stopped by itself already (its rollback was done, or it ended) and recorded so.
    lines.push(`  Run ${runId}: recorded as ${run.status}. See 'loadstone runs ${runId}'.`);
  }
  return lines;
}

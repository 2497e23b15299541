import { agree, countOf } from './words.ts';

/** What a sentence about a run needs (the contract's run summary and `load.finished` both have it). */
export interface RunOutcomeInput {
  readonly status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  readonly dryRun: boolean;
  readonly counts: {
    readonly read: number;
    readonly inserted: number;
    readonly updated: number;
    readonly unchanged: number;
    readonly skipped: number;
    readonly superseded: number;
    readonly rejected: number;
  };
}

/**
 * One sentence saying what happened to the rows read, that never claims more than the counts say:
 * "Every row read was loaded." only when the load committed, read rows, and none was rejected,
 * skipped or superseded; a failed run (or one that read nothing) says so instead.
 */
export function rowsOutcome(run: RunOutcomeInput): string {
  const c = run.counts;
  const would = run.dryRun;
  if (run.status === 'running') return 'The load is still running.';
  if (run.status !== 'succeeded') {
    const what = run.dryRun ? 'dry run' : 'load';
    if (c.read === 0) return `The ${what} ${ended(run.status)} before any row was read; see the error above.`;
    const rejected =
      c.rejected === 0
        ? 'none of them was rejected'
        : `${countOf(c.rejected, 'row')} ${agree(c.rejected, 'was', 'were')} rejected`;
    return `The ${what} ${ended(run.status)} after reading ${countOf(c.read, 'row')} (${rejected}); ${
      run.dryRun ? 'nothing was written' : 'what it had not committed was rolled back'
    }.`;
  }
  if (c.read === 0) return 'The source had no rows to load.';
  const loaded = c.inserted + c.updated + c.unchanged;
  const parts: string[] = [];
  if (c.rejected > 0)
    parts.push(
      `${countOf(c.rejected, 'row')} ${would ? 'would be' : agree(c.rejected, 'was', 'were')} rejected`,
    );
  if (c.skipped > 0)
    parts.push(
      `${countOf(c.skipped, 'row')} ${would ? 'would be' : agree(c.skipped, 'was', 'were')} skipped (below the watermark)`,
    );
  if (c.superseded > 0)
    parts.push(
      `${countOf(c.superseded, 'row')} ${would ? 'would be' : agree(c.superseded, 'was', 'were')} superseded by a later row with the same key`,
    );
  if (parts.length === 0) return would ? 'Every row read would be loaded.' : 'Every row read was loaded.';
  const head = `Of ${countOf(c.read, 'row')} read, ${COUNT_ONLY(loaded)} ${would ? 'would be' : agree(loaded, 'was', 'were')} loaded`;
  return `${head}; ${parts.join('; ')}.`;
}

const COUNT_ONLY = (n: number) => new Intl.NumberFormat('en-US').format(n);

function ended(status: RunOutcomeInput['status']): string {
  switch (status) {
    case 'cancelled':
      return 'was cancelled';
    case 'interrupted':
      return 'was interrupted';
    default:
      return 'failed';
  }
}

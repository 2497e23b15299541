import { LoadstoneError } from '../../common/errors.ts';
import type { JobSpec } from '../../common/spec/job-spec.ts';
import { fixingDialect, reloadSpec } from '../../common/spec/source-dialect.ts';
import type { RunStore } from '../store/index.ts';

/**
 * The job that reloads a run's fixed rejected rows (`load --reload-of`, `loads.reload`): the
 * original run's spec with the fixed file as its source (see `reloadSpec`). The load is then run
 * with `reloadOf: runId`, which drops the file's trailing `loadstone_error` column and links the runs.
 * @throws LoadstoneError NOT_FOUND (no such run), BAD_USAGE (the run is still running, was a dry run,
 *   or has no target).
 */
export function reloadJob(store: RunStore, runId: string, fixedPath: string): JobSpec {
  const run = store.runs.get(runId);
  if (!run) {
    throw new LoadstoneError('NOT_FOUND', `no run '${runId}' in ${store.path} (see 'loadstone runs')`, {
      details: { runId },
    });
  }
  if (run.status === 'running') {
    throw new LoadstoneError(
      'BAD_USAGE',
      `run '${runId}' is still running: reload its fixed rows once it has ended`,
    );
  }
  if (run.dryRun) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `run '${runId}' was a dry run and loaded nothing: load the whole file instead of its fixed rows`,
    );
  }
  if (!run.spec.target) {
    throw new LoadstoneError('BAD_USAGE', `run '${runId}' has no target to reload into`);
  }
  const s = run.spec.source;
  const dialect = fixingDialect(run.sourceFormat, {
    ...(s.format ? { kind: s.format } : {}),
    ...(s.encoding ? { encoding: s.encoding } : {}),
    ...(s.delimiter !== undefined ? { delimiter: s.delimiter } : {}),
    ...(s.quote !== undefined ? { quote: s.quote } : {}),
  });
  return reloadSpec(run.spec, run.columnPlans, dialect, fixedPath);
}

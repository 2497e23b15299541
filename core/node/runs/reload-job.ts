import { LoadstoneError } from '../../common/errors.ts';
import type { JobSpec } from '../../common/spec/job-spec.ts';
import { type FileSourceSpec, isFileSource } from '../../common/spec/job-spec.ts';
import { fixingDialect, reloadSpec } from '../../common/spec/source-dialect.ts';
import type { RunStore } from '../store/index.ts';
import { isPostgresUrl, redactUrl } from '../store/postgres-url.ts';

/**
 * The job that reloads a run's fixed rejected rows (`load --reload-of`, `loads.reload`): the
 * original run's spec with the fixed file as its source (see `reloadSpec`). The load is then run
 * with `reloadOf: runId`, which drops the file's trailing `loadstone_error` column and links the runs.
 * `target`: the original's target URL given again with its password (a run keeps it without).
 * @throws LoadstoneError NOT_FOUND (no such run), BAD_USAGE (the run is still running, was a dry run,
 *   has no target, its target URL lost its password, or `target` is another target).
 */
export function reloadJob(store: RunStore, runId: string, fixedPath: string, target?: string): JobSpec {
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
  const s: Partial<FileSourceSpec> = isFileSource(run.spec.source) ? run.spec.source : {};
  const dialect = fixingDialect(run.sourceFormat, {
    ...(s.format ? { kind: s.format } : {}),
    ...(s.encoding ? { encoding: s.encoding } : {}),
    ...(s.delimiter !== undefined ? { delimiter: s.delimiter } : {}),
    ...(s.quote !== undefined ? { quote: s.quote } : {}),
  });
  const kind = isFileSource(run.spec.source) ? (run.sourceFormat?.kind ?? s.format ?? 'csv') : null;
  const delimited = kind === 'csv' || kind === 'tsv';
  return reloadTarget(reloadSpec(run.spec, run.columnPlans, dialect, fixedPath, !delimited), target);
}

/**
 * A reload loads into the original run's target. A run keeps a target URL without its password, so
 * the same URL may be given again (`--target`): it must be that URL but for the password.
 */
function reloadTarget(spec: JobSpec, given: string | undefined): JobSpec {
  const stored = spec.target!.connection;
  if (given === undefined) {
    if (isPostgresUrl(stored) && /:\*\*\*@|password=\*\*\*/i.test(stored)) {
      // A redacted URL: connecting with it would send '***' as the password.
      throw new LoadstoneError(
        'BAD_USAGE',
        `the original run's target URL had a password, which runs do not keep: give the URL again (CLI: --target) (${stored})`,
      );
    }
    return spec;
  }
  if (given !== stored && redactUrl(given) !== stored) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `a reload loads into the original run's target (${stored}); only that URL may be given again, with its password`,
    );
  }
  return { ...spec, target: { ...spec.target!, connection: given } };
}

import { LoadstoneError } from '../../common/errors.ts';
import type { JobSpec } from '../../common/spec/job-spec.ts';
import { isFileSource } from '../../common/spec/job-spec.ts';
import type { CommittedPosition, RunRecord } from '../store/index.ts';
import { redactUrl } from '../store/postgres-url.ts';
import { type Reconciled, reconcileRun, withoutRedactedPassword } from './reconcile.ts';
import { type RunLoadOptions, type RunLoadOutcome, runLoad } from './run-load.ts';
import type { ResumePoint } from './run-record.ts';
import { checkSameSource } from './source-prefix.ts';

/** What `resumeLoad` needs besides the run store and the usual load options. */
export interface ResumeOptions extends Omit<RunLoadOptions, 'resume' | 'dryRun'> {
  /** The target URL with its password, when the run's spec holds it redacted (same URL otherwise). */
  readonly connection?: string | undefined;
}

/** A resumed load's outcome, and where the interrupted run's counts came from. */
export interface ResumeOutcome extends RunLoadOutcome {
  readonly resumeOf: string;
  readonly reconciled: Reconciled;
  /** Source records the resumed run skipped (its predecessor committed them). */
  readonly skippedRecords: number;
}

/**
 * `load --resume <runId>`: continues an interrupted (or failed, or cancelled) load from the last
 * row it committed, with the same spec, as a new run linked to it (`resumeOf`).
 *
 * - append and upsert skip the committed prefix of the source (every record up to the last one
 *   committed, rejected ones included) and load the rest, so the table ends with every row once;
 *   incremental reads the whole file again (its merge is idempotent and its watermark comes out exact);
 *   replace is refused: nothing of a replace is visible before its final swap, so re-run it.
 * - The source must be the same file: same size, same mtime, same sha256 over the bytes the run had
 *   read at its last commit; otherwise SOURCE_CHANGED names what changed.
 * - The interrupted run keeps its rejected rows of the committed prefix; the ones past it are deleted
 *   from it, since the resumed run reads those records again and records them itself.
 * @throws LoadstoneError NOT_FOUND, RESUME_NOT_POSSIBLE, SOURCE_NOT_FOUND, SOURCE_CHANGED, BAD_USAGE.
 */
export async function resumeLoad(runId: string, options: ResumeOptions): Promise<ResumeOutcome> {
  const { store } = options;
  const before = store.runs.get(runId);
  if (!before)
    throw new LoadstoneError('NOT_FOUND', `no run '${runId}' in ${store.path} (see 'loadstone runs')`);
  refuseUnresumable(before);
  const spec = withConnection(before.spec, options.connection);
  refuseWithoutPassword(before, spec, options);
  const reconciled = await reconcileRun(store, before, {
    env: options.env,
    openWarehouse: options.openWarehouse,
    connection: spec.target?.connection,
  });
  const run = store.runs.get(runId) as RunRecord;
  const position: CommittedPosition | null = run.resume.committed ?? run.resume.resumeFrom;
  if (position?.final) {
    throw new LoadstoneError(
      'RESUME_NOT_POSSIBLE',
      `run ${runId} had committed all its rows when it stopped (${position.counts.inserted} inserted); there is nothing to resume`,
    );
  }
  await checkSameSource(runId, run.resume.sourceFingerprint, position);
  const mode = spec.target?.mode ?? 'append';
  const skip = mode !== 'incremental' && position !== null && position.records !== null;
  const from = skip ? position : null;
  store.runs.deleteRejectsPast(runId, from ? from.line : null);
  const resume: ResumePoint = { of: runId, from };
  const outcome = await runLoad(spec, { ...options, dryRun: false, resume });
  return { ...outcome, resumeOf: runId, reconciled, skippedRecords: from?.records ?? 0 };
}

function refuseUnresumable(run: RunRecord): void {
  const why = resumeRefusal(run);
  if (why !== null) throw new LoadstoneError('RESUME_NOT_POSSIBLE', `cannot resume run ${run.id}: ${why}`);
}

/**
 * Why `load --resume` would refuse a run, or null when it may resume it (whether its source is
 * still the same is checked when it resumes). `runs <id>` offers the command only when it would work.
 */
export function resumeRefusal(run: RunRecord): string | null {
  if (run.dryRun) return 'it was a dry run, which commits nothing; run the load itself';
  if (run.mode === 'replace')
    return 'a replace load swaps the new table in only at its end, so nothing of it was committed; re-run the load';
  if (run.status === 'running') return 'it is still running';
  if (run.status === 'succeeded') return 'it succeeded: every row is loaded';
  if (run.resume.resumedBy.length > 0)
    return `run ${run.resume.resumedBy.at(-1)} already resumes it; resume that run instead`;
  if (!run.spec.target) return 'its spec has no target';
  const kind = run.spec.source.kind;
  const aSource = kind === 'http' ? 'an HTTP API source' : `a ${kind} source`;
  if (!isFileSource(run.spec.source) && run.mode !== 'incremental')
    return `${aSource} cannot be read again from where the run stopped; re-run the load (an incremental or upsert load merges again without duplicates)`;
  if (!isFileSource(run.spec.source) && JSON.stringify(run.spec.source).includes('***'))
    // The store keeps a source's credentials masked (a query key, a URL password): reading with
    // the masked spec would send `***` as the credential.
    return `its ${kind === 'http' ? 'HTTP API' : kind} source's credentials are kept masked (***) with the run; re-run the job or load instead (an incremental load goes on from its watermark)`;
  return null;
}

/**
 * A target URL the store kept without its password, and nothing else to give one (PGPASSWORD,
 * ~/.pgpass): say so before a run is recorded, instead of a failed run with the driver's words.
 */
function refuseWithoutPassword(run: RunRecord, spec: JobSpec, options: ResumeOptions): void {
  const stored = run.spec.target?.connection ?? '';
  const connection = spec.target?.connection;
  if (options.connection !== undefined || !connection || withoutRedactedPassword(stored) === stored) return;
  if (options.store.connections.resolve(connection, { env: options.env }).passwordSource !== 'none') return;
  throw new LoadstoneError(
    'RESUME_NOT_POSSIBLE',
    `cannot resume run ${run.id}: its target URL is kept without its password (${stored}); give the URL with its password (loadstone load --resume ${run.id} --target URL), set PGPASSWORD or add it to ~/.pgpass, or load through a saved connection`,
  );
}

/** The spec with the target URL's password back in (the store keeps URLs redacted). */
function withConnection(spec: JobSpec, connection: string | undefined): JobSpec {
  if (!spec.target) return spec;
  if (connection === undefined) {
    // A stored URL's password is redacted: PGPASSWORD or ~/.pgpass give it.
    return {
      ...spec,
      target: { ...spec.target, connection: withoutRedactedPassword(spec.target.connection) },
    };
  }
  if (redactUrl(connection) !== spec.target.connection) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--target with --resume must be the run's own target (${spec.target.connection}) with its password; a resume cannot change the target`,
    );
  }
  return { ...spec, target: { ...spec.target, connection } };
}

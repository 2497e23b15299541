import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { type ErrorCode, isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import type { JobSpec, JobSpecInput } from '../../common/spec/job-spec.ts';
import { isFileSource, parseJobSpec } from '../../common/spec/job-spec.ts';
import type { LoadBatch, LoadResult } from '../load/index.ts';
import type { LocalWarehouse } from '../pg/local-warehouse.ts';
import { toLoadBatches } from '../pipeline/load-batches.ts';
import type { SourceEvent, SourceRead } from '../sources/types.ts';
import type { RunStore, RunTrigger } from '../store/index.ts';
import { loadTarget, TargetConnection } from './load-target.ts';
import { planRun, type RunPlan } from './plan-run.ts';
import { type ResumePoint, type RunEnd, RunRecord } from './run-record.ts';
import { fingerprintOf } from './source-prefix.ts';
import { saveWatermark } from './watermarks.ts';

/** What a load needs besides its spec. */
export interface RunLoadOptions {
  readonly store: RunStore;
  /** Environment for connection defaults (PGHOST, PGPASSWORD, ~/.pgpass). */
  readonly env: NodeJS.ProcessEnv;
  /** Starts (or reuses) the embedded `local` warehouse; the caller stops it. */
  readonly openWarehouse: () => Promise<LocalWarehouse>;
  readonly dryRun: boolean;
  readonly signal?: AbortSignal;
  /** Called once the run is recorded, before any row moves. */
  readonly onRunCreated?: (runId: string) => void;
  readonly onProgress?: (progress: LoadProgressDto) => void;
  /** The run whose fixed rejected rows this load reloads (see `reloadJob`); recorded as its link. */
  readonly reloadOf?: string;
  /** What started the run (default `manual`; a job's schedule: `schedule`). */
  readonly trigger?: RunTrigger;
  /** Rows per COPY/merge chunk (tests use small ones). */
  readonly chunkRows?: number;
  /** `load --resume`: the run this one resumes and the committed prefix it skips (see resume.ts). */
  readonly resume?: ResumePoint;
  /** Reads a secret the app saved (an HTTP source's `{ "secret": id }`); absent in the CLI. */
  readonly secret?: (id: string, url: string) => string;
  /** Told of each retry or wait of a network source, as it happens (also recorded as a run event). */
  readonly onSourceEvent?: (event: SourceEvent) => void;
  /** Told of each page an HTTP API source has read, the sample's included (`OpenSourceOptions.onRead`). */
  readonly onSourceRead?: (read: SourceRead) => void;
}

/** How a recorded run ended. */
export interface RunLoadOutcome extends RunEnd {
  readonly runId: string;
  readonly mode: string;
  readonly dryRun: boolean;
  /** The target as it is safe to show: `local`, a saved name, or a URL without its password. */
  readonly target: string;
  readonly table: string;
  /** The loader's result when the load went through (also for a dry run). */
  readonly result: LoadResult | null;
  /** The run whose fixed rejected rows this run reloaded, or null. */
  readonly reloadOf: string | null;
}

/**
 * Runs one load end to end, in named steps: plan (spec → source sample → column plans), record
 * (the run), normalize (source rows → load batches, as they stream), load (into PostgreSQL, rejected
 * rows recorded as they happen), report (the run's end, and the incremental watermark once the load
 * has committed).
 *
 * Throws (recording nothing) when the spec is invalid or a file source cannot be opened; a database
 * or API source that fails while it is opened and sampled is recorded as a failed run
 * (`recordOpenFailure`). Once the run is recorded every failure ends the run (`failed` /
 * `cancelled`) and is returned in the outcome.
 */
export async function runLoad(
  input: JobSpecInput | JobSpec,
  options: RunLoadOptions,
): Promise<RunLoadOutcome> {
  const started = Date.now();
  const { store } = options;
  // A source's retries and waits are recorded with the run; those of the sample come before the
  // run exists and are kept until it does.
  let runId: string | undefined;
  const early: SourceEvent[] = [];
  // The latest progress, so a retry shows in it (`notice`) as it happens.
  let shown: LoadProgressDto | undefined;
  let notice: string | undefined;
  const onSourceEvent = (event: SourceEvent): void => {
    options.onSourceEvent?.(event);
    if (runId === undefined) early.push(event);
    else {
      store.runs.addEvent(runId, { kind: event.kind, message: event.message, data: event.data });
      notice = event.message;
      options.onProgress?.({ ...(shown ?? startingProgress(runId)), notice });
    }
  };
  let plan: RunPlan;
  let connection: TargetConnection | undefined;
  try {
    plan = await planRun(input, store, {
      env: options.env,
      signal: options.signal,
      reloadOf: options.reloadOf,
      // An HTTP source's `{ "secret": id }`: saved encrypted in this store.
      secret: options.secret ?? ((id, url) => store.sourceSecrets.read(id, url)),
      onSourceEvent,
      onSourceRead: options.onSourceRead,
      onTargetResolved: (resolved) => {
        connection = new TargetConnection(resolved, options.openWarehouse);
      },
      targetTypes: (table) => connection!.targetTypes(table, options.signal),
    });
  } catch (error) {
    connection?.close();
    // Cancelled while the source was opened and sampled: not a failure of the source (a database
    // reader may see its aborted read as one), and nothing is recorded.
    if (options.signal?.aborted) {
      if (isLoadstoneError(error) && error.code === 'LOAD_CANCELLED') throw error;
      throw new LoadstoneError(
        'LOAD_CANCELLED',
        'the load was cancelled while its source was opened and sampled; nothing was written',
        { cause: error },
      );
    }
    const failed = recordOpenFailure(input, error, options, early, started);
    if (!failed) throw error;
    return failed;
  }
  try {
    const fingerprint = isFileSource(plan.spec.source) ? await fingerprintOf(plan.spec.source.path) : null;
    const resume = options.resume ?? null;
    const record = new RunRecord(
      store,
      plan,
      options.dryRun,
      started,
      { fingerprint, resume },
      options.trigger,
    );
    runId = record.id;
    for (const event of early.splice(0)) {
      store.runs.addEvent(record.id, { kind: event.kind, message: event.message, data: event.data });
      notice = event.message;
    }
    options.onRunCreated?.(record.id);
    // A retry while the source was sampled shows until the load reports progress of its own.
    if (notice !== undefined) options.onProgress?.({ ...startingProgress(record.id), notice });
    let result: LoadResult | null = null;
    let end: RunEnd;
    try {
      const { after, setAside } = plan.watermark;
      if (setAside !== null) {
        store.runs.addEvent(record.id, { kind: 'watermark_set_aside', message: setAside });
      }
      record.startsAbove(after);
      result = await loadTarget(plan, record, normalize(plan, resume?.from?.records ?? 0), {
        // Set by planRun once the target was resolved (before the source opened).
        connection: connection!,
        dryRun: options.dryRun,
        after,
        signal: options.signal,
        onProgress: (progress) => {
          shown = progress;
          // The loader's own notice (a replace waiting for the table's lock) first, else the source's.
          const said = progress.notice ?? notice;
          options.onProgress?.(said === undefined ? progress : { ...progress, notice: said });
        },
        chunkRows: options.chunkRows,
      });
      saveWatermark(store, plan, record.id, result, options.dryRun);
      end = record.succeeded(result);
    } catch (error) {
      result = null;
      end = record.failed(error);
    }
    return {
      ...end,
      runId: record.id,
      mode: plan.target.mode,
      dryRun: options.dryRun,
      target: plan.targetLabel,
      table: plan.target.table,
      result,
      reloadOf: options.reloadOf ?? null,
    };
  } finally {
    connection?.close();
    await plan.job.source.close();
  }
}

/** Failures of a database or API source while it is opened and sampled, recorded as a failed run. */
const OPEN_FAILURES = new Set<ErrorCode>([
  'SOURCE_UNREACHABLE',
  'SOURCE_AUTH',
  'SOURCE_HTTP',
  'SOURCE_FORMAT',
  'SOURCE_UNREADABLE',
  'PAGINATION_LOOP',
]);

/**
 * A database or API source that fails while it is opened and sampled (unreachable, credentials
 * refused, a pagination loop in the first pages, a query the server refuses) ends as a recorded
 * `failed` run with its retries, like a failure later in the load: it shows in `runs`, `load --json`
 * prints its outcome, and its alerts are sent. A bad spec, an unknown name or a missing file still
 * throws, recording nothing (a usage error, not a run). Null when `error` is not such a failure.
 */
function recordOpenFailure(
  input: JobSpecInput | JobSpec,
  error: unknown,
  options: RunLoadOptions,
  early: readonly SourceEvent[],
  started: number,
): RunLoadOutcome | null {
  if (!isLoadstoneError(error) || !OPEN_FAILURES.has(error.code)) return null;
  let spec: JobSpec;
  try {
    spec = parseJobSpec(input);
  } catch {
    return null;
  }
  const target = spec.target;
  if (!target || isFileSource(spec.source)) return null;
  const { store } = options;
  const id = store.runs.create({
    spec,
    jobName: spec.name ?? null,
    dryRun: options.dryRun,
    reloadOf: options.reloadOf ?? null,
    ...(options.trigger ? { trigger: options.trigger } : {}),
  });
  for (const event of early)
    store.runs.addEvent(id, { kind: event.kind, message: event.message, data: event.data });
  options.onRunCreated?.(id);
  const shown = { code: error.code, message: error.message };
  const durationMs = Date.now() - started;
  const counts = { read: 0, inserted: 0, updated: 0, unchanged: 0, skipped: 0, superseded: 0, rejected: 0 };
  store.runs.finish(id, { status: 'failed', counts, error: shown, durationMs });
  return {
    status: 'failed',
    counts,
    error: shown,
    durationMs,
    watermark: { before: null, after: null },
    runId: id,
    mode: target.mode ?? 'append',
    dryRun: options.dryRun,
    target: store.runs.get(id)?.target ?? target.connection,
    table: target.table,
    result: null,
    reloadOf: options.reloadOf ?? null,
  };
}

/** Progress before the loader reports any (a source retrying while the load starts). */
function startingProgress(runId: string): LoadProgressDto {
  return {
    runId,
    phase: 'reading',
    bytesRead: null,
    totalBytes: null,
    rowsRead: 0,
    loaded: 0,
    rejected: 0,
    rowsPerSecond: 0,
    estimatedRows: null,
    etaSeconds: null,
  };
}

/**
 * The normalize step: every source row normalized by the plan, streamed as load batches (after the
 * first `skipRecords`, which a resumed run's predecessor committed).
 */
function normalize(plan: RunPlan, skipRecords: number): AsyncIterable<LoadBatch> {
  const { job, normalizer } = plan;
  return toLoadBatches(job.rows(), job.source.columns, normalizer, job.source, skipRecords);
}

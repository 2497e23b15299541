import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { type ErrorCode, isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import { createRowNormalizer } from '../../common/normalize/normalizer.ts';
import { type JobSpec, type JobSpecInput, parseJobSpec } from '../../common/spec/job-spec.ts';
import { connectTarget, type TargetConfig } from '../pg/connect.ts';
import type { LocalWarehouse } from '../pg/local-warehouse.ts';
import { toLoadBatches } from '../pipeline/load-batches.ts';
import { planJob } from '../pipeline/plan-job.ts';
import type { FinalRunStatus, RunCounts, RunStore } from '../store/index.ts';
import { LOCAL_CONNECTION } from '../store/resolve-connection.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import type { LoadProgress, LoadResult } from './types.ts';

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
  /** Rows per COPY/merge chunk (tests use small ones). */
  readonly chunkRows?: number;
}

/** How a recorded run ended. */
export interface RunLoadOutcome {
  readonly runId: string;
  readonly status: FinalRunStatus;
  readonly mode: string;
  readonly dryRun: boolean;
  /** The target as it is safe to show: `local`, a saved name, or a URL without its password. */
  readonly target: string;
  readonly table: string;
  readonly counts: RunCounts;
  readonly durationMs: number;
  readonly error: { code: ErrorCode; message: string } | null;
  /** The loader's result when the load went through (also for a dry run). */
  readonly result: LoadResult | null;
}

/**
 * Runs one load end to end: plans the job (source sample → column plans), records the run,
 * streams every row through the normalizer into PostgreSQL, records rejected rows as they
 * happen, and stores the incremental watermark once the load has committed.
 *
 * Throws (recording nothing) when the spec is invalid or the source cannot be opened; once the
 * run is recorded every failure ends the run (`failed` / `cancelled`) and is returned in the outcome.
 */
export async function runLoad(
  input: JobSpecInput | JobSpec,
  options: RunLoadOptions,
): Promise<RunLoadOutcome> {
  const started = Date.now();
  const spec = parseJobSpec(input);
  const target = spec.target;
  if (!target) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      'a load needs a target table: give --table (or target.table in the job spec)',
    );
  }
  const { store } = options;
  const isLocal = target.connection === LOCAL_CONNECTION;
  // Resolve a saved name or URL before anything is recorded: an unknown name is a usage error.
  const resolved: TargetConfig | null = isLocal
    ? null
    : store.connections.resolve(target.connection, { env: options.env });
  const targetLabel = isLocal ? LOCAL_CONNECTION : (resolved?.label ?? target.connection);

  const job = await planJob(spec, options.signal ? { signal: options.signal } : {});
  let runId: string | null = null;
  try {
    const normalizer = createRowNormalizer(job.plans);
    const columns = normalizer.columns.map((c) => ({ name: c.name, type: c.type }));
    checkKeyColumns(
      spec,
      columns.map((c) => c.name),
    );

    runId = store.runs.create({
      spec,
      jobName: spec.name ?? null,
      sourceColumns: job.source.columns,
      dryRun: options.dryRun,
    });
    options.onRunCreated?.(runId);
    const id = runId;

    let last: LoadProgress | null = null;
    const counts = (): RunCounts => ({
      read: last?.rowsRead ?? 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: last?.rejected ?? 0,
    });
    const writer = store.rejects.writer(id);
    const watermarkKey = spec.name ? `job:${spec.name}` : `file:${spec.source.path}`;
    const watermarkTable = `${targetLabel}/${target.table}`;
    try {
      store.runs.update(id, { phase: 'connecting' });
      const config: TargetConfig = isLocal ? (await options.openWarehouse()).config : resolved!;
      const client = await connectTarget(config);
      try {
        const after =
          target.mode === 'incremental'
            ? (store.watermarks.get(watermarkKey, watermarkTable)?.value ?? null)
            : null;
        const result = await loadIntoPostgres({
          client,
          cancelClient: () => connectTarget(config),
          table: target.table,
          columns,
          mode: target.mode,
          ...(target.key ? { key: target.key } : {}),
          ...(target.mode === 'incremental' && target.watermark
            ? { watermark: { column: target.watermark, after } }
            : {}),
          duplicateKeys: target.duplicateKeys,
          addMissingColumns: target.addMissingColumns,
          dryRun: options.dryRun,
          ...(spec.settings.commitEvery ? { commitEvery: spec.settings.commitEvery } : {}),
          maxErrorRate: spec.settings.maxErrorRate,
          ...(spec.settings.maxErrors !== undefined ? { maxErrors: spec.settings.maxErrors } : {}),
          batches: toLoadBatches(job.rows(), job.source.columns, normalizer, job.source),
          onRejected: (rows) => writer.add(rows),
          onProgress: (progress) => {
            const phaseChanged = progress.phase !== last?.phase;
            last = progress;
            if (phaseChanged) store.runs.update(id, { phase: progress.phase, counts: counts() });
            options.onProgress?.({
              runId: id,
              phase: progress.phase,
              bytesRead: progress.bytesRead,
              totalBytes: progress.totalBytes,
              rowsRead: progress.rowsRead,
              loaded: progress.loaded,
              rejected: progress.rejected,
              rowsPerSecond: progress.rowsPerSecond,
              etaSeconds: progress.etaSeconds,
            });
          },
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.chunkRows ? { chunkRows: options.chunkRows } : {}),
        });
        writer.flush();
        if (target.mode === 'incremental' && !options.dryRun && result.newWatermark !== null) {
          store.watermarks.set(watermarkKey, watermarkTable, result.newWatermark, id);
        }
        const final: RunCounts = {
          read: result.rowsRead,
          inserted: result.inserted,
          updated: result.updated,
          unchanged: result.unchanged,
          rejected: result.rejected,
        };
        if (result.addedColumns.length > 0) {
          store.runs.addEvent(id, {
            kind: 'columns_added',
            message: `added columns: ${result.addedColumns.join(', ')}`,
          });
        }
        store.runs.finish(id, { status: 'succeeded', counts: final });
        return outcome(id, 'succeeded', final, null, result);
      } finally {
        await client.end().catch(() => {});
      }
    } catch (error) {
      writer.flush();
      const e = asLoadstoneError(error);
      const status: FinalRunStatus = e.code === 'LOAD_CANCELLED' ? 'cancelled' : 'failed';
      const details = e.details as
        | Partial<Record<'rowsRead' | 'rejected' | 'committedRows', number>>
        | undefined;
      const final: RunCounts = {
        ...counts(),
        ...(typeof details?.rowsRead === 'number' ? { read: details.rowsRead } : {}),
        rejected: writer.written,
      };
      store.runs.finish(id, { status, counts: final, error: { code: e.code, message: e.message } });
      return outcome(id, status, final, { code: e.code, message: e.message }, null);
    }
  } finally {
    await job.source.close();
  }

  function outcome(
    id: string,
    status: FinalRunStatus,
    counts: RunCounts,
    error: RunLoadOutcome['error'],
    result: LoadResult | null,
  ): RunLoadOutcome {
    return {
      runId: id,
      status,
      mode: target!.mode,
      dryRun: options.dryRun,
      target: targetLabel,
      table: target!.table,
      counts,
      durationMs: Date.now() - started,
      error,
      result,
    };
  }
}

/** Key and watermark columns must be load columns (target names, after renames and skips). */
function checkKeyColumns(spec: JobSpec, names: readonly string[]): void {
  const target = spec.target!;
  const known = new Set(names);
  const problems: string[] = [];
  for (const k of target.key ?? []) if (!known.has(k)) problems.push(`key column '${k}'`);
  if (target.watermark && !known.has(target.watermark))
    problems.push(`watermark column '${target.watermark}'`);
  if (problems.length > 0) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `${problems.join(' and ')} ${problems.length === 1 ? 'is' : 'are'} not among the load's columns (${names.join(', ')})`,
    );
  }
}

function asLoadstoneError(error: unknown): LoadstoneError {
  if (isLoadstoneError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LoadstoneError('LOAD_FAILED', `the load failed: ${message}`, { cause: error });
}

import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { type LoadBatch, type LoadResult, loadIntoPostgres } from '../load/index.ts';
import { connectTarget, type TargetConfig } from '../pg/connect.ts';
import type { LocalWarehouse } from '../pg/local-warehouse.ts';
import type { RunPlan } from './plan-run.ts';
import type { RunRecord } from './run-record.ts';

/** What the load step needs besides the plan and its record. */
export interface LoadTargetOptions {
  /** Starts (or reuses) the embedded `local` warehouse; the caller stops it. */
  readonly openWarehouse: () => Promise<LocalWarehouse>;
  readonly dryRun: boolean;
  /** The incremental watermark rows must be above (null: every row). */
  readonly after: string | null;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: LoadProgressDto) => void) | undefined;
  /** Rows per COPY/merge chunk (tests use small ones). */
  readonly chunkRows?: number | undefined;
}

/**
 * The load step: connects to the target (starting the local warehouse when that is the target) and
 * moves the normalized batches in with `loadIntoPostgres`, recording progress and rejected rows on the
 * run as they happen. The connection is closed whatever happens.
 * @throws LoadstoneError TARGET_UNREACHABLE, TARGET_INCOMPATIBLE, LOAD_ABORTED_ERROR_RATE, LOAD_CANCELLED…
 */
export async function loadTarget(
  plan: RunPlan,
  record: RunRecord,
  batches: AsyncIterable<LoadBatch>,
  options: LoadTargetOptions,
): Promise<LoadResult> {
  const { target, spec } = plan;
  record.connecting();
  const config: TargetConfig = plan.resolved ?? (await options.openWarehouse()).config;
  const client = await connectTarget(config);
  try {
    return await loadIntoPostgres({
      client,
      cancelClient: () => connectTarget(config),
      table: target.table,
      columns: plan.columns,
      mode: target.mode,
      ...(target.key ? { key: target.key } : {}),
      ...(target.mode === 'incremental' && target.watermark
        ? { watermark: { column: target.watermark, after: options.after } }
        : {}),
      duplicateKeys: target.duplicateKeys,
      addMissingColumns: target.addMissingColumns,
      ...(target.truncate ? { truncate: true } : {}),
      dryRun: options.dryRun,
      ...(spec.settings.commitEvery ? { commitEvery: spec.settings.commitEvery } : {}),
      maxErrorRate: spec.settings.maxErrorRate,
      ...(spec.settings.maxErrors !== undefined ? { maxErrors: spec.settings.maxErrors } : {}),
      batches,
      onRejected: record.rejected,
      onProgress: (progress) => {
        const shown = record.progress(progress);
        options.onProgress?.(shown);
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.chunkRows ? { chunkRows: options.chunkRows } : {}),
      ...(record.commitLog ? { onCommit: record.commitLog.hooks } : {}),
    });
  } finally {
    await client.end().catch(() => {});
  }
}

import { maskUrlSecrets } from '../../common/spec/http-source.ts';
import { isFileSource } from '../../common/spec/job-spec.ts';
import { sourceLabel } from '../../common/spec/source-label.ts';
import type { LoadResult } from '../load/index.ts';
import type { RunStore } from '../store/index.ts';
import type { RunPlan } from './plan-run.ts';

/** What names a watermark's slot: the job (or its source) and the target table. */
type WatermarkOwner = Pick<RunPlan, 'spec' | 'target' | 'targetLabel'>;

/** Where an incremental load's watermark is kept: per job (or source) and target table. */
function watermarkSlot(plan: WatermarkOwner): { key: string; table: string } {
  const { spec, target, targetLabel } = plan;
  return {
    key: spec.name
      ? `job:${spec.name}`
      : isFileSource(spec.source)
        ? `file:${spec.source.path}`
        : spec.source.kind === 'http'
          ? // Not the label, which masks every query value: ?region=eu and ?region=us are two sources.
            `source:http ${spec.source.method ?? 'GET'} ${maskUrlSecrets(spec.source.url)}`
          : `source:${sourceLabel(spec.source)}`,
    table: `${targetLabel}/${target.table}`,
  };
}

/** The watermark an incremental load starts above (null: load everything); null for other modes. */
export function readWatermark(store: RunStore, plan: WatermarkOwner): string | null {
  if (plan.target.mode !== 'incremental') return null;
  const slot = watermarkSlot(plan);
  return store.watermarks.get(slot.key, slot.table)?.value ?? null;
}

/** Keeps the new watermark of an incremental load once it has committed (never for a dry run). */
export function saveWatermark(
  store: RunStore,
  plan: RunPlan,
  runId: string,
  result: LoadResult,
  dryRun: boolean,
): void {
  if (plan.target.mode !== 'incremental' || dryRun || result.newWatermark === null) return;
  const slot = watermarkSlot(plan);
  store.watermarks.set(slot.key, slot.table, result.newWatermark, runId);
}

import { createHash } from 'node:crypto';
import { maskUrlSecrets } from '../../common/spec/http-source.ts';
import { isFileSource, type SourceSpec } from '../../common/spec/job-spec.ts';
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
          : `source:${sourceLabel(spec.source)}${queryTag(spec.source)}`,
    table: `${targetLabel}/${target.table}`,
  };
}

/**
 * ` sha256:<16 hex>` of a database query's text, else '': the label says only `query`, and two
 * queries of one connection (`… where region = 'eu'`, `… 'us'`) loaded into one table are two
 * sources, each with its own mark. The text is taken as the sources read it: line ends as `\n`, without
 * blanks around it or trailing semicolons (so `select …;` is the same query). A mark an earlier
 * version kept under the label alone (`… query`) is never read again: whichever query it came from,
 * the next run of a query reads it whole once, merged by its key (nothing twice).
 */
function queryTag(source: SourceSpec): string {
  if (isFileSource(source) || source.kind === 'http' || source.query === undefined) return '';
  const text = source.query
    .replace(/\r\n?/g, '\n')
    .replace(/[\s;]+$/, '')
    .trimStart();
  return ` sha256:${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)}`;
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

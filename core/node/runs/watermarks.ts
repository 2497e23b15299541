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

/**
 * What a named job's mark is a mark of: the watermark column and, for a database source, the
 * connection, table or query (label and query tag, as above). A named job keeps one mark per target
 * table, so when its source or watermark column is edited, the mark of the old one must not cut the
 * new one's rows. A saved connection is named with where it points (kind, host, port, database), so
 * one repointed at another server is another source too. A file's path and an API's URL are not part
 * of it: a job may read each day's export or a moved endpoint of the same data, and its mark stays
 * meaningful there.
 */
export function watermarkBasis(plan: WatermarkOwner, store: RunStore): string {
  const { spec, target } = plan;
  const column = `watermark ${target.watermark ?? ''}`;
  if (isFileSource(spec.source) || spec.source.kind === 'http') return column;
  const saved =
    spec.source.kind === 'sqlite' ? undefined : store.connections.get(spec.source.connection.trim());
  const where = saved ? ` (${saved.kind}://${saved.host}:${saved.port}/${saved.database})` : '';
  return `${sourceLabel(spec.source)}${where}${queryTag(spec.source)} ${column}`;
}

/** The mark an incremental load starts above, and why a kept one was set aside (else null). */
export interface WatermarkStart {
  /** Rows above this are read (null: every row). */
  after: string | null;
  /** Says which mark was set aside because the job's source or watermark column changed. */
  setAside: string | null;
}

/**
 * The watermark an incremental load starts above (null: load everything); null for other modes.
 * A mark kept for another basis (see watermarkBasis) is set aside: the run reads every row, merged
 * by its key (incremental requires one), so nothing is cut and nothing is loaded twice.
 */
export function readWatermark(store: RunStore, plan: WatermarkOwner): WatermarkStart {
  if (plan.target.mode !== 'incremental') return { after: null, setAside: null };
  const slot = watermarkSlot(plan);
  const kept = store.watermarks.get(slot.key, slot.table);
  if (!kept) return { after: null, setAside: null };
  const basis = watermarkBasis(plan, store);
  if (kept.basis !== null && kept.basis !== basis) {
    return {
      after: null,
      setAside:
        `the watermark ${kept.value} was kept for ${kept.basis}, not ${basis}: ` +
        'this run reads every row and merges them by key',
    };
  }
  return { after: kept.value, setAside: null };
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
  store.watermarks.set(slot.key, slot.table, result.newWatermark, runId, watermarkBasis(plan, store));
}

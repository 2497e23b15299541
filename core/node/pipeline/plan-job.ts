import { assignColumnNames } from '../../common/normalize/column-names.ts';
import type { ColumnPlan } from '../../common/normalize/infer.ts';
import { inferColumns, type TargetColumnType } from '../../common/normalize/infer.ts';
import type { FormatDefaults } from '../../common/spec/format-defaults.ts';
import type { JobSpec } from '../../common/spec/job-spec.ts';
import { sourceLabel } from '../../common/spec/source-label.ts';
import type { RawValue } from '../../common/types.ts';
import { checkColumnCount } from '../sources/column-limit.ts';
import { openSource } from '../sources/open-source.ts';
import type { OpenedSource, OpenSourceOptions, SourceConnections, SourceRow } from '../sources/types.ts';

/** A source opened and sampled, with its column plans decided, ready to stream every row. */
export interface PlannedJob {
  readonly source: OpenedSource;
  readonly plans: ColumnPlan[];
  /**
   * The rows read for the sample, in file order. `rows()` replays them and empties this array as
   * it goes (read it before iterating `rows()`).
   */
  readonly sampleRows: readonly SourceRow[];
  /** True when the whole file fitted in the sample. */
  readonly sampledToEnd: boolean;
  /** Every row of the file in order: the sampled rows first, then the rest of the stream. Iterate once. */
  rows(): AsyncIterable<SourceRow[]>;
}

/**
 * Opens the job's source, reads up to `spec.settings.sampleSize` rows (at least `minRows`)
 * and infers the column plans from the readable ones (`defaults`: the date order and time zone
 * where the spec says nothing). The sampled rows are kept and replayed, so nothing is read twice
 * and nothing is skipped.
 */
export async function planJob(
  spec: JobSpec,
  options: {
    signal?: AbortSignal | undefined;
    minRows?: number;
    defaults?: FormatDefaults;
    /** A reload of an export for fixing (its trailing `loadstone_error` column is dropped). */
    reload?: boolean;
    /** An incremental load's stored watermark and its (target) column, for sources that push it down. */
    incremental?: { after: string; watermark: string };
    /** Saved connections for a database source (the run store's). */
    connections?: SourceConnections;
    /** Resolves a database source's saved connection name (or URL) with its secret. */
    resolveConnection?: OpenSourceOptions['resolveConnection'];
    /** A preview: the source may sample instead of reading from the start (`sample: 'tablesample'`). */
    preview?: boolean;
    /** Secret lookups and event listener of a network source (environment, saved secrets, retries). */
    source?: Pick<OpenSourceOptions, 'env' | 'secret' | 'onEvent' | 'onRead'>;
    /**
     * The existing target table's column types (null: no such table yet), asked once the source is
     * open and sampled: columns the spec does not type take them (`InferInput.targetTypes`).
     */
    targetTypes?: () => Promise<ReadonlyMap<string, TargetColumnType> | null>;
  } = {},
): Promise<PlannedJob> {
  const incremental = options.incremental;
  const source = await openSource(spec.source, {
    ...options.source,
    // What the spec types or leaves out, a source need not warn it cannot tell (a MySQL UNION's types).
    declaredTypes: new Set(spec.columns?.filter((c) => c.type !== undefined || c.skip).map((c) => c.source)),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.reload ? { reload: true } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.resolveConnection ? { resolveConnection: options.resolveConnection } : {}),
    ...(options.preview
      ? { preview: { rows: Math.max(spec.settings.sampleSize, options.minRows ?? 0) } }
      : {}),
    ...(incremental
      ? {
          incremental: {
            after: incremental.after,
            sourceColumn: (columns) => sourceColumnOf(spec, columns, incremental.watermark),
          },
        }
      : {}),
  });
  try {
    const skipped = new Set(spec.columns?.filter((c) => c.skip).map((c) => c.source));
    checkColumnCount(sourceLabel(spec.source), source.columns, skipped);
    const want = Math.max(spec.settings.sampleSize, options.minRows ?? 0);
    const iterator = source.rows()[Symbol.asyncIterator]();
    let sampleRows: SourceRow[] = [];
    let done = false;
    // A load from a source that reads its sample apart: the load's rows all come from `rows()`.
    const apart = !options.preview && source.readSample !== undefined;
    if (apart) {
      sampleRows = await source.readSample!(want);
      done = sampleRows.length < want;
    }
    while (!apart && sampleRows.length < want) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      for (const row of next.value) sampleRows.push(row);
    }
    // The sample is the first sampleSize rows read; the types come from the readable ones among
    // them, so a preview's counts over "the sampled rows" cover exactly what inference saw.
    const sample: (readonly RawValue[])[] = [];
    for (let i = 0; i < sampleRows.length && i < spec.settings.sampleSize; i++) {
      const row = sampleRows[i]!;
      if (!row.problem) sample.push(row.values);
    }
    const targetTypes = options.targetTypes ? await options.targetTypes() : null;
    const plans = inferColumns({
      columns: source.columns,
      sample,
      spec,
      ...(source.columnTypes ? { sourceTypes: source.columnTypes } : {}),
      ...(source.textIsData ? { textIsData: true } : {}),
      ...(options.defaults ? { defaults: options.defaults } : {}),
      ...(targetTypes ? { targetTypes } : {}),
    });
    let replayed = false;
    return {
      source,
      plans,
      sampleRows,
      sampledToEnd: done,
      rows(): AsyncIterable<SourceRow[]> {
        if (replayed) throw new Error('planJob rows() can be iterated once');
        replayed = true;
        return {
          async *[Symbol.asyncIterator]() {
            try {
              // Hand the sample over batch by batch and let go of it: keeping 10,000 rows alive for
              // the whole load would only grow the heap (and peak RSS) for nothing.
              const BATCH = 1000;
              // A sample read apart is not loaded (the rows come again from the start): let it go too.
              if (apart) sampleRows.length = 0;
              while (sampleRows.length > 0) yield sampleRows.splice(0, BATCH);
              if (done && !apart) return;
              while (true) {
                const next = await iterator.next();
                if (next.done) return;
                yield next.value;
              }
            } finally {
              await iterator.return?.();
            }
          },
        };
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * The source column that becomes target column `name` (after the spec's renames and skips, with the
 * same naming rules as the load), or undefined when none does.
 */
export function sourceColumnOf(spec: JobSpec, columns: readonly string[], name: string): string | undefined {
  const byHeader = new Map(spec.columns?.map((c) => [c.source, c]));
  const names = assignColumnNames(
    columns,
    columns.map((h) => byHeader.get(h)?.name),
    columns.map((h) => byHeader.get(h)?.skip === true),
  );
  const i = names.findIndex((n, at) => n === name && byHeader.get(columns[at] as string)?.skip !== true);
  return i < 0 ? undefined : columns[i];
}

import { LoadstoneError } from '../../common/errors.ts';
import { type TargetColumnType, targetTypesForLoad } from '../../common/normalize/infer.ts';
import { createRowNormalizer, type RowNormalizer } from '../../common/normalize/normalizer.ts';
import {
  type FormatDefaults,
  formatDefaults,
  withFormatDefaults,
} from '../../common/spec/format-defaults.ts';
import {
  type FormatOptions,
  isHttpSource,
  type JobSpec,
  type JobSpecInput,
  parseJobSpec,
  type TargetSpec,
} from '../../common/spec/job-spec.ts';
import type { LoadColumn } from '../load/index.ts';
import type { TargetConfig } from '../pg/connect.ts';
import { type PlannedJob, planJob } from '../pipeline/plan-job.ts';
import type { SourceEvent, SourceRead } from '../sources/types.ts';
import type { RunStore } from '../store/index.ts';
import { LOCAL_CONNECTION } from '../store/resolve-connection.ts';
import { sourceConnections } from './source-connections.ts';
import { readWatermark, type WatermarkStart } from './watermarks.ts';

/** A load decided but not yet recorded: the spec, its target, the opened source and the column plans. */
export interface RunPlan {
  /** The spec as the load runs it: the saved Settings' defaults written in where it said nothing. */
  readonly spec: JobSpec;
  /** The file-wide format as the spec itself gave it (before the defaults). */
  readonly ownFormat: FormatOptions;
  /** The defaults the spec fell back to, and where each came from. */
  readonly defaults: FormatDefaults;
  readonly target: TargetSpec;
  /** The saved connection or URL resolved; null for the embedded `local` warehouse. */
  readonly resolved: TargetConfig | null;
  /** The target as it is safe to show: `local`, a saved name, or a URL without its password. */
  readonly targetLabel: string;
  /** The source, opened and sampled; the caller closes `job.source`. */
  readonly job: PlannedJob;
  readonly normalizer: RowNormalizer;
  /** The load's columns (target names and types, after renames and skips). */
  readonly columns: readonly LoadColumn[];
  /** The run whose fixed rejected rows this load reloads (`load --reload-of`). */
  readonly reloadOf?: string | undefined;
  /**
   * The incremental mark the source was read above (pushed down) and the loader filters by: read
   * once, so both use the same one.
   */
  readonly watermark: WatermarkStart;
}

/**
 * The plan step: validates the spec, applies the saved Settings' default date order and time zone
 * where the spec says nothing (its own values always win), resolves the target connection, opens and
 * samples the source and decides every column. Nothing is recorded yet, so a failure here is the
 * operator's input (invalid spec, unknown connection, missing or unreadable file) and is thrown.
 * @throws LoadstoneError SPEC_INVALID, NOT_FOUND, SOURCE_NOT_FOUND, SOURCE_UNREADABLE, SOURCE_FORMAT.
 */
export async function planRun(
  input: JobSpecInput | JobSpec,
  store: RunStore,
  options: {
    readonly env: NodeJS.ProcessEnv;
    readonly signal?: AbortSignal | undefined;
    readonly reloadOf?: string | undefined;
    /** Reads a secret the app saved (an HTTP source's `{ "secret": id }`). */
    readonly secret?: ((id: string, url: string) => string) | undefined;
    /** Told of a source's retries and waits (from the sample on). */
    readonly onSourceEvent?: ((event: SourceEvent) => void) | undefined;
    /** Told of each page an HTTP API source has read (`OpenSourceOptions.onRead`). */
    readonly onSourceRead?: ((read: SourceRead) => void) | undefined;
    /**
     * Told of the target once it is resolved (null: the embedded `local` warehouse), before the
     * source opens: the load connects to it meanwhile (see `TargetConnection`).
     */
    readonly onTargetResolved?: ((resolved: TargetConfig | null) => void) | undefined;
    /**
     * The target table's column types, read once the source is sampled (see `TargetConnection`):
     * the columns the spec does not type take the table's types.
     */
    readonly targetTypes?:
      | ((table: string) => Promise<ReadonlyMap<string, TargetColumnType> | null>)
      | undefined;
  },
): Promise<RunPlan> {
  const own = parseJobSpec(input);
  const defaults = formatDefaults(store.settings.get());
  const spec = withFormatDefaults(own, defaults);
  const target = spec.target;
  if (!target) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      'a load needs a target table: give --table (or target.table in the job spec)',
    );
  }
  const isLocal = target.connection === LOCAL_CONNECTION;
  // Resolve a saved name or URL before anything is recorded: an unknown name is a usage error.
  const resolved = isLocal ? null : store.connections.resolve(target.connection, { env: options.env });
  const targetLabel = isLocal ? LOCAL_CONNECTION : (resolved?.label ?? target.connection);

  // Read before the source opens: a database or API source fetches only the rows above it (pushdown).
  const watermark = readWatermark(store, { spec, target, targetLabel });
  options.onTargetResolved?.(resolved);
  const after = watermark.after;
  // Inferred from the spec's own format with the defaults beside it (not written in), as a preview
  // does: a column whose day/month order its values leave open then says it used a default, and the
  // run keeps that warning (`columnWarnings`); with the default written in, it read as the job's.
  const job = await planJob(own.format === spec.format ? spec : { ...spec, format: own.format }, {
    defaults,
    source: {
      env: options.env,
      secret: options.secret,
      onEvent: options.onSourceEvent,
      onRead: options.onSourceRead,
    },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.reloadOf ? { reload: true } : {}),
    connections: sourceConnections(store, options.env),
    resolveConnection: (connection) => store.connections.resolve(connection, { env: options.env }),
    ...(after !== null && target.watermark ? { incremental: { after, watermark: target.watermark } } : {}),
    ...(options.targetTypes
      ? {
          targetTypes: async () =>
            targetTypesForLoad(
              await options.targetTypes!(target.table),
              target.mode === 'incremental' ? target.watermark : undefined,
            ),
        }
      : {}),
  });
  try {
    const normalizer = createRowNormalizer(job.plans);
    const native = job.source.nativeTypes;
    const columns = normalizer.columns.map((c): LoadColumn => {
      const nativeType = c.type === 'text' ? native?.[c.sourceIndex] : null;
      return nativeType ? { name: c.name, type: c.type, nativeType } : { name: c.name, type: c.type };
    });
    // A source that read nothing at all has no columns to check (an API with nothing new): the load
    // then has nothing to do (see load-target.ts), and an incremental watermark stays where it was.
    const empty = job.sampledToEnd && job.sampleRows.length === 0 && job.source.columns.length === 0;
    if (!empty || !isHttpSource(spec.source)) {
      checkKeyColumns(
        target,
        columns.map((c) => c.name),
      );
    }
    return {
      spec,
      ownFormat: own.format,
      defaults,
      target,
      resolved,
      targetLabel,
      job,
      normalizer,
      columns,
      reloadOf: options.reloadOf,
      watermark,
    };
  } catch (error) {
    await job.source.close();
    throw error;
  }
}

/** Key and watermark columns must be load columns (target names, after renames and skips). */
function checkKeyColumns(target: TargetSpec, names: readonly string[]): void {
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

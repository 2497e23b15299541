import type pg from 'pg';
import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import type { TargetColumnType } from '../../common/normalize/infer.ts';
import { isHttpSource } from '../../common/spec/job-spec.ts';
import { type LoadBatch, type LoadResult, loadIntoPostgres, readTargetTypes } from '../load/index.ts';
import {
  connectTarget,
  type PendingConnection,
  startTargetConnection,
  type TargetConfig,
} from '../pg/connect.ts';
import { parseTableName } from '../pg/identifiers.ts';
import type { LocalWarehouse } from '../pg/local-warehouse.ts';
import { offerVerbatim } from '../pipeline/verbatim.ts';
import type { RunPlan } from './plan-run.ts';
import type { RunRecord } from './run-record.ts';

/** What the load step needs besides the plan and its record. */
export interface LoadTargetOptions {
  readonly dryRun: boolean;
  /** The incremental watermark rows must be above (null: every row). */
  readonly after: string | null;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: LoadProgressDto) => void) | undefined;
  /** Rows per COPY/merge chunk (tests use small ones). */
  readonly chunkRows?: number | undefined;
  /** The target's connection, opened while the source was sampled (see `TargetConnection`). */
  readonly connection: TargetConnection;
}

/** A target connection taken later than this after it opened is replaced by a fresh one. */
const EARLY_CONNECTION_MAX_IDLE_MS = 60_000;

/**
 * The target's connection. A saved connection or URL is connected to as soon as it is resolved,
 * while the source is opened and sampled, so the connection's round trips and the server's new
 * backend cost the load no time of its own (~50 ms on a local server, more on a remote one). A
 * failure to connect is still the load step's: it surfaces when the load takes the connection,
 * after the source's own failures. A connection that waited longer than a minute (a slow sample, a
 * rate-limited API) is closed and a fresh one opened: an idle connection may have been dropped on
 * the way (a NAT's timeout, `idle_session_timeout`); so is one that ended meanwhile (one
 * `SELECT 1` when the load takes it says so). The embedded `local` warehouse is started only
 * once the source is open and sampled (to read the table's types, `targetTypes`) or when the load
 * takes it: a plan that fails on its source (a missing file) never starts it.
 */
export class TargetConnection {
  private readonly early: PendingConnection | null;
  private readonly openedAt = Date.now();
  private taken = false;
  /** The local warehouse's connection, once `targetTypes` or `take` made it. */
  private local: Promise<{ config: TargetConfig; client: pg.Client }> | null = null;

  constructor(
    private readonly resolved: TargetConfig | null,
    private readonly openWarehouse: () => Promise<LocalWarehouse>,
  ) {
    this.early = resolved ? startTargetConnection(resolved) : null;
    // Surfaced by `take`; unobserved when the load never gets there.
    this.early?.ready.catch(() => {});
  }

  /**
   * The types the target table's columns store, by name (`readTargetTypes`), read on the connection
   * the load will take; null when the table does not exist yet, or when the target cannot be
   * reached: that failure is the load step's, said when it takes the connection. Starts the local
   * warehouse when that is the target (the load would next).
   */
  async targetTypes(table: string, signal?: AbortSignal): Promise<Map<string, TargetColumnType> | null> {
    const read = (async () => {
      const client = this.early ? await this.early.ready : (await this.localConnection()).client;
      return readTargetTypes(client, table);
    })().catch(() => null);
    if (!signal) return read;
    // A cancel does not wait for a slow connect (or the local warehouse's start): the plan stops.
    if (signal.aborted) return null;
    let onAbort = () => {};
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([read, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private localConnection(): Promise<{ config: TargetConfig; client: pg.Client }> {
    this.local ??= (async () => {
      const config = (await this.openWarehouse()).config;
      return { config, client: await connectTarget(config) };
    })();
    // Surfaced by `take`; unobserved when the load never gets there.
    this.local.catch(() => {});
    return this.local;
  }

  /** The connection and its config; the caller ends the client. */
  async take(): Promise<{ config: TargetConfig; client: pg.Client }> {
    this.taken = true;
    if (!this.resolved || !this.early) return this.localConnection();
    let client: pg.Client;
    try {
      client = await this.early.ready;
    } catch (error) {
      // The server ended the connection while it was being made (a restart, an administrator's
      // pg_terminate_backend during its startup): a fresh one, once. Any other failure (refused, no
      // answer, a refused password) is the target's, said as it is.
      if (!endedWhileConnecting(error)) throw error;
      return { config: this.resolved, client: await connectTarget(this.resolved) };
    }
    if (!this.early.lost && Date.now() - this.openedAt <= EARLY_CONNECTION_MAX_IDLE_MS) {
      // One round trip says it is still there: the server may have ended it a moment ago, before
      // its goodbye reached this process (`lost` is set only once it has).
      const alive = await client.query('SELECT 1').then(
        () => true,
        () => false,
      );
      if (alive) return { config: this.resolved, client };
    }
    await client.end().catch(() => {});
    return { config: this.resolved, client: await connectTarget(this.resolved) };
  }

  /**
   * Ends the connection unless the load took it (a plan that failed, a load with nothing to move).
   * A connection still being made is given up at once (`PendingConnection.abandon`), not waited for.
   */
  close(): void {
    if (this.taken) return;
    this.taken = true;
    this.early?.abandon();
    void this.local?.then(
      ({ client }) => client.end().catch(() => {}),
      () => {},
    );
  }
}

/** PostgreSQL's codes for a session it ended: administrator shutdown, crash shutdown, not accepting yet. */
const SERVER_ENDED_CODES = new Set(['57P01', '57P02', '57P03']);

/**
 * Whether a failed connect was the server ending the session during its startup (its FATAL, or the
 * connection dropped before an answer), not a target that cannot be reached or refuses the login.
 * Narrower than load/db-errors.ts `isConnectionLost`, which also takes a refused connection and pg's
 * "Connection terminated due to connection timeout": retrying those would wait out the timeout twice.
 */
function endedWhileConnecting(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string' && SERVER_ENDED_CODES.has(cause.code)) return true;
  return typeof cause?.message === 'string' && cause.message === 'Connection terminated unexpectedly';
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
  if (readNothing(plan)) {
    options.connection.close();
    return nothingToLoad(plan, options.dryRun);
  }
  record.connecting();
  const { config, client } = await options.connection.take();
  try {
    return await loadIntoPostgres({
      client,
      cancelClient: () => connectTarget(config),
      table: target.table,
      // How messages name the target: `local`, a saved name, or a URL without its password.
      targetLabel: plan.targetLabel,
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
      verbatim: (targets) => offerVerbatim(plan.job.source, plan.job.plans, targets),
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

/**
 * Whether the source read nothing at all, not even columns: an HTTP API with nothing new since the
 * watermark (a file without a header still has columns, so a file never gets here).
 */
export function readNothing(plan: RunPlan): boolean {
  const job = plan.job;
  return (
    isHttpSource(plan.spec.source) &&
    job.sampledToEnd &&
    job.sampleRows.length === 0 &&
    job.source.columns.length === 0
  );
}

/** The result of a load that had no row to move: the target is not touched, a watermark stays. */
function nothingToLoad(plan: RunPlan, dryRun: boolean): LoadResult {
  const name = parseTableName(plan.target.table);
  const table = { schema: name.schema ?? 'public', name: name.name };
  return {
    table,
    mode: plan.target.mode,
    dryRun,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    superseded: 0,
    rejected: 0,
    rowsRead: 0,
    createdTable: false,
    truncated: false,
    ddl: [],
    addedColumns: [],
    compatibility: {
      table,
      exists: true,
      missing: [],
      extra: [],
      incompatible: [],
      problems: [],
      fixes: [],
      ddl: [],
      ok: true,
    },
    newWatermark: null,
    committedRows: 0,
    durationMs: 0,
  };
}

import pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';
import type { RejectedRow } from '../../common/types.ts';
import type { QualifiedTable } from '../pg/identifiers.ts';
import type { LoadFailureCounts } from './failure-counts.ts';
import { lockWaitNotice } from './replace.ts';
import { advanceSequences } from './sequences.ts';
import type { LoadBatch, LoadCommitPoint, LoadInput, LoadPhase, LoadProgress, LockWait } from './types.ts';

/** Committed outcome counts, as a commit point gives them. */
export type OutcomeCounts = Pick<
  LoadCommitPoint,
  'inserted' | 'updated' | 'unchanged' | 'skipped' | 'superseded'
>;

/**
 * The error rate is evaluated continuously only once this many rows have been read (and always
 * at the end), so one bad row among the first few does not abort a large load.
 */
export const ERROR_RATE_MIN_ROWS = 1_000;

const PROGRESS_INTERVAL_MS = 100;

/** Thrown inside the load when the signal fires; turned into LOAD_CANCELLED after the rollback. */
export class Cancelled extends Error {}

/**
 * What the load's connection is doing, finer than the phase (a streaming upsert's COPY and merge
 * share the phase `loading`): a lost connection's message says where it was lost (`connection-lost.ts`).
 */
export type LoadStep =
  | 'preparing'
  | 'loading'
  | 'copying'
  | 'staging'
  | 'merging'
  | 'isolating'
  | 'swapping'
  | 'committing';

/**
 * The running state of one load: counters, the error budget, progress, the transaction and
 * cancellation. Transaction settings: UTC and ISO dates (watermarks print the same everywhere,
 * dates become midnight UTC in timestamp columns) and deferred constraints checked per statement
 * (so bad rows are isolated, not found at COMMIT).
 */
export class LoadSession {
  readonly started = Date.now();
  phase: LoadPhase = 'preparing';
  /** The lock a replace's swap waits for (see `setWaiting`). */
  private lockWait: LockWait | undefined;
  rowsRead = 0;
  bytesRead: number | null = null;
  totalBytes: number | null = null;
  estimatedRows: number | null = null;
  rejected = 0;
  committedRows = 0;
  /** Rows loaded so far; set by the strategy. */
  loaded: () => number = () => 0;
  /** Outcome counts so far (in the open transaction too); set once the mover exists. */
  outcome: () => OutcomeCounts = () => ({ inserted: 0, updated: 0, unchanged: 0, skipped: 0, superseded: 0 });
  /** The target table, once resolved. */
  table: QualifiedTable | null = null;
  /** Loaded identity or serial columns of `table` (`sequencedColumns`): moved up at every COMMIT. */
  sequenced: readonly string[] = [];
  /** What the connection is doing (statements on it never overlap, so the last step set is it). */
  step: LoadStep = 'preparing';
  /** Source line of the last row the last COMMIT covered (commitEvery), when known. */
  committedThrough: number | null = null;
  /** The last row of the chunks complete so far (see `LoadCommitPoint.through`). */
  private through: { line: number; ordinal: number } | null = null;
  private lastProgress = 0;
  private cancelling: Promise<void> | null = null;
  private readonly onAbort = () => {
    this.cancelling ??= this.cancelBackend();
  };

  readonly client: pg.Client;
  private readonly input: LoadInput;

  constructor(client: pg.Client, input: LoadInput) {
    this.client = client;
    this.input = input;
    input.signal?.addEventListener('abort', this.onAbort);
    if (input.signal?.aborted) this.onAbort();
  }

  /**
   * The source's next batch, or `Cancelled` as soon as the signal fires (a slow source is not
   * waited for). The abort listener lives only as long as this one read: racing against one
   * long-lived promise instead would keep every batch ever read reachable from it.
   */
  next<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
    const signal = this.input.signal;
    if (!signal) return iterator.next();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Cancelled());
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      iterator.next().then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  get dryRun(): boolean {
    return this.input.dryRun;
  }

  /** Starts a transaction with the load's session settings. */
  async begin(): Promise<void> {
    await this.client.query(
      "BEGIN; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET CONSTRAINTS ALL IMMEDIATE",
    );
  }

  /** Commits what is loaded so far and opens the next transaction (commitEvery). */
  async commitAndContinue(): Promise<void> {
    this.setPhase('committing');
    await this.commit(false);
    await this.begin();
    this.setPhase('loading');
  }

  /** A chunk is in the target: its last row is the end of what the next commit covers. */
  completedThrough(last: { line: number; ordinal: number } | null): void {
    if (last) this.through = last;
  }

  /**
   * COMMITs the open transaction: the sequences of the loaded identity and serial columns are moved
   * past what it wrote and the commit hooks' control row is written inside it first, and the hooks
   * hear of the commit right after. Every COMMIT, not only the last: a `commitEvery` load that fails
   * later keeps the chunks it committed, and the application's next INSERT must not collide with
   * them. setval is not transactional, so it runs at the end of the transaction: the sequence is past
   * the rows before any other session can see them, and a COMMIT that never happens (a lost connection)
   * leaves only a gap in the sequence.
   */
  async commit(final: boolean): Promise<void> {
    if (this.table && this.sequenced.length > 0 && !this.dryRun) {
      await advanceSequences(this.client, this.table, this.sequenced);
      this.checkCancelled();
    }
    const hooks = this.input.onCommit;
    const point: LoadCommitPoint | null =
      hooks && this.table
        ? {
            table: this.table,
            through: this.through,
            rowsRead: this.rowsRead,
            bytesRead: this.bytesRead,
            ...this.outcome(),
            final,
          }
        : null;
    if (hooks && point) await hooks.inTransaction(this.client, point);
    this.step = 'committing';
    await this.client.query('COMMIT');
    this.step = 'loading';
    this.committedRows = this.loaded();
    this.committedThrough = this.through?.line ?? null;
    if (hooks && point) hooks.committed(point);
  }

  /** Takes in a batch's counters and passes its upstream rejects on. */
  noteBatch(batch: LoadBatch): void {
    this.rowsRead = Math.max(this.rowsRead, batch.rowsRead);
    if (batch.bytesRead !== undefined) this.bytesRead = batch.bytesRead;
    if (batch.totalBytes !== undefined) this.totalBytes = batch.totalBytes;
    if (batch.estimatedRows !== undefined) this.estimatedRows = batch.estimatedRows;
    if (batch.rejectedUpstream.length > 0) this.reject([...batch.rejectedUpstream]);
  }

  /** Reports rejected rows and checks the error budget (may throw LOAD_ABORTED_ERROR_RATE). */
  reject(rows: RejectedRow[]): void {
    if (rows.length === 0) return;
    this.input.onRejected(rows);
    this.rejected += rows.length;
    this.checkBudget(false);
  }

  /**
   * Aborts when more rows than `maxErrors` are rejected (any time), or when rejected/read exceeds
   * `maxErrorRate` — continuously once ERROR_RATE_MIN_ROWS rows are read, and at the end.
   */
  checkBudget(final: boolean): void {
    const { maxErrors, maxErrorRate } = this.input;
    const read = Math.max(this.rowsRead, 1);
    const overCount = maxErrors !== undefined && this.rejected > maxErrors;
    const overRate = (final || this.rowsRead >= ERROR_RATE_MIN_ROWS) && this.rejected / read > maxErrorRate;
    if (!overCount && !overRate) return;
    const n = (x: number) => x.toLocaleString('en-US');
    const pct = (x: number) => `${Number((x * 100).toFixed(x < 0.001 ? 3 : 1))}%`;
    const why = overCount
      ? `${n(this.rejected)} rows rejected exceeds the maximum of ${n(maxErrors!)} rejected rows`
      : `${n(this.rejected)} of ${n(this.rowsRead)} rows rejected (${pct(this.rejected / read)}) exceeds the maximum error rate ${pct(maxErrorRate)}`;
    const kept =
      this.committedRows > 0 ? `; ${n(this.committedRows)} rows committed earlier (commitEvery) stay` : '';
    throw new LoadstoneError(
      'LOAD_ABORTED_ERROR_RATE',
      `load aborted: ${why}; rolled back everything since the last commit${kept}`,
      {
        details: {
          rowsRead: this.rowsRead,
          rejected: this.rejected,
          maxErrorRate,
          ...(maxErrors !== undefined ? { maxErrors } : {}),
          committedRows: this.committedRows,
        } satisfies LoadFailureCounts & { maxErrorRate: number; maxErrors?: number },
      },
    );
  }

  /**
   * A replace's swap waits for the old table's lock (`holders` says who has it), or has it (null):
   * shown at once as the phase `waiting_for_lock` with the holders as the notice.
   */
  setWaiting(wait: LockWait | null): void {
    this.lockWait = wait ?? undefined;
    this.phase = wait === null ? 'swapping' : 'waiting_for_lock';
    this.progress(true);
  }

  /** Moves to a phase; it shows in the next progress event (and `done` always emits one). */
  setPhase(phase: LoadPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.progress(phase === 'done');
  }

  /**
   * Emits progress when due: the first call, then at most every 100 ms (so at most ten a second,
   * whatever the phases and commits do), and the final `done`.
   */
  progress(force = false): void {
    const onProgress = this.input.onProgress;
    if (!onProgress) return;
    const now = Date.now();
    if (!force && this.lastProgress !== 0 && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const byteRate = this.bytesRead !== null ? this.bytesRead / seconds : 0;
    const rowRate = this.rowsRead / seconds;
    const eta =
      this.totalBytes !== null && this.bytesRead !== null && byteRate > 0
        ? Math.max(0, (this.totalBytes - this.bytesRead) / byteRate)
        : this.estimatedRows !== null && rowRate > 0
          ? Math.max(0, (this.estimatedRows - this.rowsRead) / rowRate)
          : null;
    const p: LoadProgress = {
      phase: this.phase,
      ...(this.lockWait !== undefined
        ? { notice: lockWaitNotice(this.lockWait), lockWait: this.lockWait }
        : {}),
      bytesRead: this.bytesRead,
      totalBytes: this.totalBytes,
      rowsRead: this.rowsRead,
      loaded: this.loaded(),
      rejected: this.rejected,
      committedRows: this.committedRows,
      rowsPerSecond: Math.round(this.rowsRead / seconds),
      estimatedRows: this.estimatedRows,
      etaSeconds: eta === null ? null : Math.round(eta),
    };
    onProgress(p);
  }

  /** Throws `Cancelled` when the signal fired. */
  checkCancelled(): void {
    if (this.input.signal?.aborted) throw new Cancelled();
  }

  /** Waits for a cancel request in flight, so the rollback that follows is not cancelled too. */
  async settleCancel(): Promise<void> {
    await this.cancelling;
  }

  private async cancelBackend(): Promise<void> {
    const pid = (this.client as unknown as { processID?: number }).processID;
    if (!pid) return;
    let canceller: pg.Client | null = null;
    try {
      canceller = this.input.cancelClient ? await this.input.cancelClient() : await this.openLike();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // Best effort: without it, the running statement finishes and the load stops right after.
    } finally {
      await canceller?.end().catch(() => {});
    }
  }

  private async openLike(): Promise<pg.Client> {
    const c = this.client as unknown as { connectionParameters: pg.ClientConfig };
    const p = c.connectionParameters;
    const client = new pg.Client({
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      database: p.database,
      ssl: p.ssl,
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  /** Detaches from the signal. */
  dispose(): void {
    this.input.signal?.removeEventListener('abort', this.onAbort);
  }
}

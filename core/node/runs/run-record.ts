import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { type ErrorCode, isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import type { ColumnPlan } from '../../common/normalize/column-plan.ts';
import { TYPE_NOUNS } from '../../common/normalize/infer-evidence.ts';
import { isFileSource } from '../../common/spec/job-spec.ts';
import type { ColumnType, RejectedRow } from '../../common/types.ts';
import { type LoadProgress, type LoadResult, type LockWait, loadFailureCounts } from '../load/index.ts';
import { scrubRejected } from '../sources/scrub.ts';
import type { OpenedSource } from '../sources/types.ts';
import type {
  CommittedPosition,
  FinalRunStatus,
  RejectWriter,
  RunCounts,
  RunStore,
  RunTrigger,
  SourceFingerprint,
} from '../store/index.ts';
import { CommitLog } from './commit-log.ts';
import { columnSpecsOf, sourceDialectOf } from './plan-record.ts';
import type { RunPlan } from './plan-run.ts';

/** How a run starts besides its plan: the source as found, and the run it resumes. */
export interface RunStart {
  readonly fingerprint: SourceFingerprint | null;
  readonly resume: ResumePoint | null;
}

/** Where a resumed run starts: after the committed prefix of run `of`. */
export interface ResumePoint {
  readonly of: string;
  /** The committed prefix skipped (null: the whole file is read again). */
  readonly from: CommittedPosition | null;
}

/** How a recorded run ended, as the record step wrote it. */
export interface RunEnd {
  readonly status: FinalRunStatus;
  readonly counts: RunCounts;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
  /** The run's one duration, from the start of the load (planning included) to its end, as stored. */
  readonly durationMs: number;
  /** Incremental: the watermark the run started above, and the one stored (or, dry run, that would be). */
  readonly watermark: { readonly before: string | null; readonly after: string | null };
}

/**
 * The record and report steps: one recorded run in the store. Created once the plan holds (the run
 * shows as `running`), it records phase changes and rejected rows as the load goes, and the end:
 * counts, status, error, added columns.
 */
export class RunRecord {
  readonly id: string;
  readonly #store: RunStore;
  readonly #writer: RejectWriter;
  /** The source's own account of where a record is (API page, database key), if it has one. */
  readonly #placeOf: OpenedSource['placeOf'];
  /** Scrubs the secrets an API echoed into a record from what the report keeps (absent: nothing to scrub). */
  readonly #scrub: OpenedSource['scrub'];
  readonly #started: number;
  readonly #incremental: boolean;
  #watermarkBefore: string | null = null;
  #last: LoadProgress | null = null;
  /** Since when a replace's swap has waited for the table's lock, and who held it. */
  #waitingSince: { at: number; lock: LockWait } | null = null;
  /** Commits as they happen (loads with commit-every, not replace, not dry runs). */
  readonly commitLog: CommitLog | null;

  /** `started`: when the load began (Date.now()), before planning: the run's duration counts from there. */
  constructor(
    store: RunStore,
    plan: RunPlan,
    dryRun: boolean,
    started: number = Date.now(),
    start: RunStart = { fingerprint: null, resume: null },
    trigger: RunTrigger = 'manual',
  ) {
    this.#store = store;
    this.#started = started;
    this.#incremental = plan.target.mode === 'incremental';
    this.id = store.runs.create({
      spec: plan.spec,
      jobName: plan.spec.name ?? null,
      sourceColumns: plan.job.source.columns,
      dryRun,
      sourceFormat: sourceDialectOf(plan.job.source.format),
      columnPlans: columnSpecsOf(plan.job.plans),
      reloadOf: plan.reloadOf ?? null,
      sourceFingerprint: start.fingerprint,
      resumeOf: start.resume ? { runId: start.resume.of, from: start.resume.from } : null,
      trigger,
      // The time the load began (before its source was opened), as its duration counts from it.
      startedAt: new Date(started),
    });
    this.#writer = store.rejects.writer(this.id);
    this.#placeOf = plan.job.source.placeOf?.bind(plan.job.source);
    this.#scrub = plan.job.source.scrub?.bind(plan.job.source);
    const commits = !dryRun && plan.spec.settings.commitEvery !== undefined && plan.target.mode !== 'replace';
    this.commitLog = commits
      ? new CommitLog({
          id: this.id,
          store,
          sourcePath: isFileSource(plan.spec.source) ? plan.spec.source.path : null,
          skipRecords: start.resume?.from?.records ?? 0,
          flushRejects: () => this.#writer.flush(),
        })
      : null;
    if (start.resume) {
      const from = start.resume.from;
      store.runs.addEvent(this.id, {
        kind: 'resumed',
        message:
          from && from.records !== null
            ? `resumes run ${start.resume.of} after its ${from.records} committed source records (through line ${from.line})`
            : `resumes run ${start.resume.of}, reading the whole file again (the ${plan.target.mode} merge is idempotent)`,
        data: { resumeOf: start.resume.of },
      });
    }
    const { dateOrder, timeZone } = plan.defaults;
    const fromSettings = [
      dateOrder.from === 'settings' && !plan.ownFormat.dateOrder ? `date order ${dateOrder.value}` : null,
      timeZone.from === 'settings' && !plan.ownFormat.timeZone ? `time zone ${timeZone.value}` : null,
    ].filter((x) => x !== null);
    if (fromSettings.length > 0) {
      store.runs.addEvent(this.id, {
        kind: 'settings_defaults',
        message: `from Settings: ${fromSettings.join(', ')}`,
      });
    }
    const typed = typedByTargetMessage(plan.job.plans, plan.target.table);
    if (typed) store.runs.addEvent(this.id, { kind: 'typed_by_target', ...typed });
    // A warning may quote sampled values: an API's echoed secrets are scrubbed from it, as from rejects.
    for (const warning of columnWarnings(plan.job.plans, this.#scrub)) store.runs.addEvent(this.id, warning);
  }

  /** An incremental run starts above this watermark (null: it loads every row). */
  startsAbove(watermark: string | null): void {
    if (!this.#incremental) return;
    this.#watermarkBefore = watermark;
    if (watermark !== null) this.#store.runs.update(this.id, { watermarkBefore: watermark });
  }

  /**
   * Counts as of the last progress: read and rejected as far as the load got; the outcome counts are
   * those committed so far (0 until a commit-every COMMIT).
   */
  counts(): RunCounts {
    const c = this.commitLog?.last?.counts;
    return {
      read: this.#last?.rowsRead ?? 0,
      inserted: c?.inserted ?? 0,
      updated: c?.updated ?? 0,
      unchanged: c?.unchanged ?? 0,
      skipped: c?.skipped ?? 0,
      superseded: c?.superseded ?? 0,
      rejected: this.#last?.rejected ?? 0,
    };
  }

  /** The run is connecting to its target. */
  connecting(): void {
    this.#store.runs.update(this.id, { phase: 'connecting' });
  }

  /**
   * Keeps rejected rows (written in batches; `end*` writes what is left), with the place the source
   * gives and, from a source holding secrets, every secret echoed in them scrubbed (only rejected
   * rows pay for it; the rows loaded are the API's data, as sent).
   */
  readonly rejected = (rows: RejectedRow[]): void => {
    const placeOf = this.#placeOf;
    const scrub = this.#scrub;
    this.#writer.add(
      placeOf || scrub
        ? rows.map((r) => {
            const at = r.at ?? placeOf?.(r.line, r.raw);
            const kept = scrub ? scrubRejected(r, scrub) : r;
            return at ? { ...kept, at } : kept;
          })
        : rows,
    );
    this.commitLog?.rejected(rows.map((r) => r.line));
  };

  /** Records a phase change and gives the progress as the UI sees it. */
  progress(progress: LoadProgress): LoadProgressDto {
    const phaseChanged = progress.phase !== this.#last?.phase;
    if (phaseChanged) this.#lockWait(progress);
    this.#last = progress;
    if (phaseChanged) this.#store.runs.update(this.id, { phase: progress.phase, counts: this.counts() });
    return {
      runId: this.id,
      phase: progress.phase,
      ...(progress.notice !== undefined ? { notice: progress.notice } : {}),
      bytesRead: progress.bytesRead,
      totalBytes: progress.totalBytes,
      rowsRead: progress.rowsRead,
      loaded: progress.loaded,
      rejected: progress.rejected,
      rowsPerSecond: progress.rowsPerSecond,
      estimatedRows: progress.estimatedRows,
      etaSeconds: progress.etaSeconds,
    };
  }

  /** A replace's wait for the table's lock, recorded with the run once it is over (`lock_wait`). */
  #lockWait(progress: LoadProgress): void {
    if (progress.phase === 'waiting_for_lock') {
      if (progress.lockWait) this.#waitingSince = { at: Date.now(), lock: progress.lockWait };
      return;
    }
    const wait = this.#waitingSince;
    if (!wait) return;
    this.#waitingSince = null;
    // The first notice comes after the first try (2 s) timed out.
    const seconds = Math.round((Date.now() - wait.at) / 1000) + 2;
    this.#store.runs.addEvent(this.id, {
      kind: 'lock_wait',
      message: `waited about ${seconds} s for the lock on ${wait.lock.table} to swap in the new rows: ${wait.lock.heldBy}`,
      data: { seconds },
    });
  }

  /** Reports a load that went through (also a dry run): its counts and the columns it added. */
  succeeded(result: LoadResult): RunEnd {
    this.#writer.flush();
    const counts: RunCounts = {
      read: result.rowsRead,
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      skipped: result.skipped,
      superseded: result.superseded,
      rejected: result.rejected,
    };
    if (result.addedColumns.length > 0) {
      this.#store.runs.addEvent(this.id, {
        kind: 'columns_added',
        message: `added columns: ${result.addedColumns.join(', ')}`,
      });
    }
    if (result.truncated) {
      this.#store.runs.addEvent(this.id, {
        kind: 'truncated',
        message: `emptied ${result.table.schema}.${result.table.name} before loading (truncate)`,
      });
    }
    // Nothing above the mark: the watermark stays where it was.
    const after = this.#incremental ? (result.newWatermark ?? this.#watermarkBefore) : null;
    const durationMs = Date.now() - this.#started;
    this.#store.runs.finish(this.id, { status: 'succeeded', counts, durationMs, watermarkAfter: after });
    return {
      status: 'succeeded',
      counts,
      error: null,
      durationMs,
      watermark: { before: this.#watermarkBefore, after },
    };
  }

  /**
   * Reports a load that failed or was cancelled: the rows read as far as the loader got, the
   * rejected rows as written, and the error (anything but a LoadstoneError becomes LOAD_FAILED).
   */
  failed(error: unknown): RunEnd {
    this.#writer.flush();
    const e = asLoadstoneError(error);
    const status: FinalRunStatus = e.code === 'LOAD_CANCELLED' ? 'cancelled' : 'failed';
    const reached = loadFailureCounts(e);
    const counts: RunCounts = {
      ...this.counts(),
      ...(reached ? { read: reached.rowsRead } : {}),
      rejected: this.#writer.written,
    };
    // The target may quote a value in its error (a duplicate key): scrubbed like a rejected row.
    const shown = { code: e.code, message: this.#scrub ? this.#scrub(e.message) : e.message };
    const durationMs = Date.now() - this.#started;
    this.#store.runs.finish(this.id, { status, counts, error: shown, durationMs });
    // A failed run stores no watermark: the next run starts where this one did.
    return {
      status,
      counts,
      error: shown,
      durationMs,
      watermark: { before: this.#watermarkBefore, after: null },
    };
  }
}

function asLoadstoneError(error: unknown): LoadstoneError {
  if (isLoadstoneError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LoadstoneError('LOAD_FAILED', `the load failed: ${message}`, { cause: error });
}

/**
 * What the plan warned of, column by column (an ambiguous day/month order read with a default, an
 * ambiguous decimal mark, sampled values the type would reject…), as run events: a preview shows
 * them, and a load run from the CLI, a schedule or the app keeps them with the run, where an
 * operator who did not preview finds why `03/04/2024` became March 4. At most COLUMN_WARNINGS_KEPT,
 * then one saying how many more.
 */
export function columnWarnings(
  plans: readonly ColumnPlan[],
  /** The source's scrub of the secrets it holds (warnings quote sampled values). */
  scrub?: (text: string) => string,
): { kind: 'column_warning'; message: string; data: { column: string | null } }[] {
  const shown = scrub ?? ((text: string) => text);
  const all = plans.flatMap((p) => (p.skip ? [] : p.warnings.map((w) => ({ column: p.name, warning: w }))));
  const kept: ReturnType<typeof columnWarnings> = all
    .slice(0, COLUMN_WARNINGS_KEPT)
    .map(({ column, warning }) => ({
      kind: 'column_warning',
      message: shown(`column ${column}: ${warning}`),
      data: { column: shown(column) },
    }));
  if (all.length > kept.length) {
    kept.push({
      kind: 'column_warning',
      message: `… and ${all.length - kept.length} more column warnings (see the preview)`,
      data: { column: null },
    });
  }
  return kept;
}

/** Column warnings a run keeps as events (see `columnWarnings`). */
export const COLUMN_WARNINGS_KEPT = 50;

/**
 * The columns whose type the existing target table decided against what the sample (or the source)
 * said, as a run event: an operator who sees dates rejected in a column the preview showed as text
 * learns why. Null when there are none.
 */
export function typedByTargetMessage(
  plans: readonly ColumnPlan[],
  table: string,
): {
  message: string;
  data: { columns: { column: string; type: ColumnType; sampled: ColumnType }[] };
} | null {
  const changed = plans.filter((p) => !p.skip && p.typedByTarget && p.typedByTarget.sampled !== null);
  if (changed.length === 0) return null;
  const parts = changed.map(
    (p) =>
      `${p.name} as ${p.type} (its column is ${p.typedByTarget!.display}; the sample alone read ${p.typedByTarget!.sampled})`,
  );
  const values = [...new Set(changed.filter((p) => p.type !== 'text').map((p) => TYPE_NOUNS[p.type]))];
  const rejected =
    values.length > 0 ? `; values that are not ${values.join(' or ')} are rejected cell by cell` : '';
  return {
    message: `typed by the existing table ${table}: ${parts.join(', ')}${rejected}`,
    data: {
      columns: changed.map((p) => ({ column: p.name, type: p.type, sampled: p.typedByTarget!.sampled! })),
    },
  };
}

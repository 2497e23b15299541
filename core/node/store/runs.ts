import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { LoadstoneError } from '../../common/errors.ts';
import { isSecretParam, maskUrlSecrets, SECRET_HEADER_RE } from '../../common/spec/http-source.ts';
import type { ColumnSpec, JobSpec } from '../../common/spec/job-spec.ts';
import type { SourceDialect } from '../../common/spec/source-dialect.ts';
import { sourceLabel } from '../../common/spec/source-label.ts';
import {
  deleteRejectsPast,
  type ResumeColumns,
  recordCommit,
  resumeInfo,
  settleCommitted,
} from './committed.ts';
import { runSeqOf, type StoreContext } from './context.ts';
import { isPostgresUrl, redactSecrets, redactUrl } from './postgres-url.ts';
import {
  type CommittedPosition,
  type FinalRunStatus,
  RUN_STATUSES,
  type RunCounts,
  type RunEvent,
  type RunEventInput,
  type RunRecord,
  type RunSnapshot,
  type RunStatus,
  type RunSummary,
  type RunTrigger,
} from './types.ts';

/** Runs: created by the loader, read by lists, reports and the CLI. */
export interface RunsRepo {
  /** Records a new `running` run; returns its id (`r_20261127_170501_ab12`). */
  create(snapshot: RunSnapshot): string;
  /** Updates a running run's phase, counts (absent counts stay), source columns or starting watermark. */
  update(
    id: string,
    patch: {
      phase?: string;
      counts?: Partial<RunCounts>;
      sourceColumns?: readonly string[];
      watermarkBefore?: string;
    },
  ): void;
  /**
   * Ends a running run. `counts` not given keep their value (`rejected` is kept up to date by the
   * reject writer). @throws LoadstoneError INTERNAL when the run is not running.
   */
  finish(
    id: string,
    result: {
      status: FinalRunStatus;
      counts?: Partial<RunCounts>;
      error?: { code?: string; message: string } | null;
      /** The run's duration as the loader measured it (default: ended - started). */
      durationMs?: number;
      /** Incremental: the watermark the run stored. */
      watermarkAfter?: string | null;
    },
  ): void;
  /** Most recent first. */
  list(query?: { limit?: number; status?: RunStatus }): RunSummary[];
  /** The most recent run of a saved job (dry runs included), or undefined. */
  lastOfJob(
    jobName: string,
  ): { id: string; status: RunStatus; startedAt: string; trigger: RunTrigger } | undefined;
  get(id: string): RunRecord | undefined;
  addEvent(id: string, event: RunEventInput): void;
  events(id: string): RunEvent[];
  /** Records a COMMIT of a running run (commit-every): its position and committed counts. */
  committed(id: string, position: CommittedPosition): void;
  /**
   * Makes a stopped run's record say what it committed (counts, rejected rows of the committed
   * prefix only) and where that came from: the target's control row or this store's last commit.
   */
  settle(id: string, position: CommittedPosition, origin: 'target' | 'run_store'): void;
  /** Deletes a run's rejected rows past `line` (null: all), before a resume reads them again. */
  deleteRejectsPast(id: string, line: number | null): number;
}

const FINAL_STATUSES: readonly string[] = RUN_STATUSES.filter((s) => s !== 'running' && s !== 'interrupted');

interface RunRow extends ResumeColumns {
  seq: number;
  id: string;
  job_name: string | null;
  spec: string;
  source: string;
  source_columns: string;
  target: string;
  target_table: string;
  mode: string;
  dry_run: number;
  status: RunStatus;
  phase: string | null;
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_skipped: number;
  rows_superseded: number;
  rows_rejected: number;
  watermark_before: string | null;
  watermark_after: string | null;
  duration_ms: number | null;
  started_at: string;
  ended_at: string | null;
  error_code: string | null;
  error_message: string | null;
  reload_of: string | null;
  /** JSON array of run ids (a subquery of SUMMARY_COLUMNS). */
  reloaded_by: string;
  source_format: string | null;
  column_plans: string | null;
}

const SUMMARY_COLUMNS = `id, job_name, source, target, target_table, mode, dry_run, status, rows_read, rows_inserted,
  rows_updated, rows_unchanged, rows_skipped, rows_superseded, rows_rejected, watermark_before, watermark_after,
  duration_ms, started_at, ended_at, error_message, reload_of,
  (SELECT json_group_array(r2.id) FROM (SELECT id FROM runs r3 WHERE r3.reload_of = runs.id ORDER BY r3.seq) r2)
    AS reloaded_by`;

/**
 * Creates the runs part of a store. `owned` collects ids this store created and has not finished;
 * `beforeFinish` runs first in `finish` (the store flushes the run's reject writers there).
 */
export function createRunsRepo(
  ctx: StoreContext,
  owned: Set<string>,
  beforeFinish: (id: string) => void = () => {},
): RunsRepo {
  const { db } = ctx;
  const insert =
    db.prepare(`INSERT INTO runs (id, job_name, spec, source, source_columns, target, target_table, mode,
    dry_run, status, started_at, owner_pid, owner_host, reload_of, source_format, column_plans,
    source_fingerprint, resume_of, resume_from, trigger)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const updateStmt = db.prepare(`UPDATE runs SET phase = COALESCE(?, phase),
    rows_read = COALESCE(?, rows_read), rows_inserted = COALESCE(?, rows_inserted),
    rows_updated = COALESCE(?, rows_updated), rows_unchanged = COALESCE(?, rows_unchanged),
    rows_skipped = COALESCE(?, rows_skipped), rows_superseded = COALESCE(?, rows_superseded),
    rows_rejected = COALESCE(?, rows_rejected), source_columns = COALESCE(?, source_columns),
    watermark_before = COALESCE(?, watermark_before)
    WHERE id = ? AND status = 'running'`);
  const finishStmt =
    db.prepare(`UPDATE runs SET status = ?, ended_at = ?, phase = NULL, error_code = ?, error_message = ?,
    rows_read = COALESCE(?, rows_read), rows_inserted = COALESCE(?, rows_inserted),
    rows_updated = COALESCE(?, rows_updated), rows_unchanged = COALESCE(?, rows_unchanged),
    rows_skipped = COALESCE(?, rows_skipped), rows_superseded = COALESCE(?, rows_superseded),
    rows_rejected = COALESCE(?, rows_rejected), watermark_after = COALESCE(?, watermark_after),
    duration_ms = ? WHERE id = ? AND status = 'running'`);
  const statusOf = db.prepare('SELECT status FROM runs WHERE id = ?').pluck();
  const getStmt = db.prepare(`SELECT *, ${SUMMARY_COLUMNS} FROM runs WHERE id = ?`);
  const insertEvent = db.prepare(
    'INSERT INTO run_events (run_seq, at, kind, message, data) VALUES (?, ?, ?, ?, ?)',
  );
  const eventsStmt = db.prepare(
    'SELECT id, at, kind, message, data FROM run_events WHERE run_seq = ? ORDER BY id',
  );

  const notRunning = (id: string): never => {
    const status = statusOf.get(id) as string | undefined;
    throw status === undefined
      ? new LoadstoneError('NOT_FOUND', `no run '${id}' in ${ctx.path}`)
      : new LoadstoneError('INTERNAL', `run '${id}' is ${status}, not running; it cannot change any more`);
  };

  return {
    create(snapshot) {
      const spec = redactSpec(snapshot.spec);
      const target = spec.target;
      const values = [
        snapshot.jobName ?? null,
        JSON.stringify(spec),
        sourceLabel(spec.source),
        JSON.stringify(snapshot.sourceColumns ?? []),
        target?.connection ?? 'local',
        target?.table ?? '',
        target?.mode ?? 'append',
        snapshot.dryRun ? 1 : 0,
        (snapshot.startedAt ?? ctx.now()).toISOString(),
        process.pid,
        os.hostname(),
        snapshot.reloadOf ?? null,
        snapshot.sourceFormat ? JSON.stringify(snapshot.sourceFormat) : null,
        snapshot.columnPlans ? JSON.stringify(snapshot.columnPlans) : null,
        snapshot.sourceFingerprint ? JSON.stringify(snapshot.sourceFingerprint) : null,
        snapshot.resumeOf?.runId ?? null,
        snapshot.resumeOf?.from ? JSON.stringify(snapshot.resumeOf.from) : null,
        snapshot.trigger ?? 'manual',
      ];
      for (let attempt = 0; ; attempt++) {
        const id = newRunId(ctx.now());
        try {
          insert.run(id, ...values);
          owned.add(id);
          return id;
        } catch (error) {
          // Two runs in the same second with the same random suffix: draw again.
          if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || attempt >= 5) throw error;
        }
      }
    },

    update(id, patch) {
      const c = patch.counts ?? {};
      const result = updateStmt.run(
        patch.phase ?? null,
        c.read ?? null,
        c.inserted ?? null,
        c.updated ?? null,
        c.unchanged ?? null,
        c.skipped ?? null,
        c.superseded ?? null,
        c.rejected ?? null,
        patch.sourceColumns ? JSON.stringify(patch.sourceColumns) : null,
        patch.watermarkBefore ?? null,
        id,
      );
      if (result.changes === 0) notRunning(id);
    },

    finish(id, result) {
      // Checked at run time too: callers across IPC are not bound by the type.
      if (!FINAL_STATUSES.includes(result.status)) {
        throw new LoadstoneError('INTERNAL', `a run cannot be finished as '${result.status}'`);
      }
      beforeFinish(id);
      const c = result.counts ?? {};
      const ended = ctx.now();
      const row = getStmt.get(id) as RunRow | undefined;
      const durationMs =
        result.durationMs ?? (row ? Math.max(0, ended.getTime() - Date.parse(row.started_at)) : null);
      const changes = finishStmt.run(
        result.status,
        ended.toISOString(),
        result.error?.code ?? null,
        result.error ? redactSecrets(result.error.message) : null,
        c.read ?? null,
        c.inserted ?? null,
        c.updated ?? null,
        c.unchanged ?? null,
        c.skipped ?? null,
        c.superseded ?? null,
        c.rejected ?? null,
        result.watermarkAfter ?? null,
        durationMs === null ? null : Math.round(durationMs),
        id,
      ).changes;
      if (changes === 0) notRunning(id);
      owned.delete(id);
    },

    list(query = {}) {
      const limit = Math.max(1, Math.min(query.limit ?? 100, 10_000));
      const rows = query.status
        ? db
            .prepare(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE status = ? ORDER BY seq DESC LIMIT ?`)
            .all(query.status, limit)
        : db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM runs ORDER BY seq DESC LIMIT ?`).all(limit);
      return (rows as RunRow[]).map(toSummary);
    },

    lastOfJob(jobName) {
      return db
        .prepare(
          'SELECT id, status, started_at AS startedAt, trigger FROM runs WHERE job_name = ? ORDER BY seq DESC LIMIT 1',
        )
        .get(jobName) as
        | { id: string; status: RunStatus; startedAt: string; trigger: RunTrigger }
        | undefined;
    },

    get(id) {
      const row = getStmt.get(id) as RunRow | undefined;
      if (!row) return undefined;
      return {
        ...toSummary(row),
        errorCode: row.error_code,
        phase: row.phase,
        sourceColumns: JSON.parse(row.source_columns) as string[],
        spec: JSON.parse(row.spec) as JobSpec,
        sourceFormat: row.source_format === null ? null : (JSON.parse(row.source_format) as SourceDialect),
        columnPlans: row.column_plans === null ? null : (JSON.parse(row.column_plans) as ColumnSpec[]),
        resume: resumeInfo(ctx, row.id, row),
      };
    },

    committed(id, position) {
      recordCommit(ctx, id, position);
    },

    settle(id, position, origin) {
      settleCommitted(ctx, id, position, origin);
    },

    deleteRejectsPast(id, line) {
      return deleteRejectsPast(ctx, id, line);
    },

    addEvent(id, event) {
      insertEvent.run(
        runSeqOf(ctx, id),
        ctx.now().toISOString(),
        event.kind,
        event.message === undefined ? null : redactSecrets(event.message),
        event.data === undefined ? null : redactSecrets(JSON.stringify(event.data)),
      );
    },

    events(id) {
      const rows = eventsStmt.all(runSeqOf(ctx, id)) as Array<{
        id: number;
        at: string;
        kind: string;
        message: string | null;
        data: string | null;
      }>;
      return rows.map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data) }));
    },
  };
}

function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    jobName: row.job_name,
    source: row.source,
    target: row.target,
    table: row.target_table,
    mode: row.mode,
    dryRun: row.dry_run === 1,
    status: row.status,
    counts: {
      read: row.rows_read,
      inserted: row.rows_inserted,
      updated: row.rows_updated,
      unchanged: row.rows_unchanged,
      skipped: row.rows_skipped,
      superseded: row.rows_superseded,
      rejected: row.rows_rejected,
    },
    watermark: { before: row.watermark_before, after: row.watermark_after },
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms ?? durationOf(row.started_at, row.ended_at),
    error: row.error_message,
    reloadOf: row.reload_of,
    reloadedBy: JSON.parse(row.reloaded_by) as string[],
  };
}

/** ended - started, for runs recorded before the duration was kept; null while running. */
function durationOf(started: string, ended: string | null): number | null {
  if (ended === null) return null;
  const ms = Date.parse(ended) - Date.parse(started);
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** The spec as recorded on a run: a password in a target URL never reaches the store. */
function redactSpec(spec: JobSpec): JobSpec {
  let out = spec;
  const target = spec.target;
  if (target && isPostgresUrl(target.connection)) {
    out = { ...out, target: { ...target, connection: redactUrl(target.connection) } };
  }
  const source = spec.source;
  if (source.kind === 'postgres' || source.kind === 'mysql') {
    out = { ...out, source: { ...source, connection: redactUrl(source.connection) } };
  }
  if (source.kind === 'http') {
    // Its secrets are references ({ "env" } / { "secret" }); only what is typed in clear can carry
    // one: a key in the URL's query string or in `query` (named like a credential), a header the
    // spec refuses in clear today but an older saved spec may hold.
    const http = { ...source, url: maskUrlSecrets(source.url) };
    if (source.query) http.query = maskNamed(source.query, isSecretParam);
    if (source.headers) http.headers = maskNamed(source.headers, (name) => SECRET_HEADER_RE.test(name));
    // A POST body is JSON typed in clear: its fields named like credentials, at any depth.
    if (source.body !== undefined) http.body = maskNamedDeep(source.body) as typeof source.body;
    out = { ...out, source: http };
  }
  return out;
}

/** A JSON value with every scalar under a credential-like key (`api_key`, `password`…) replaced by `***`. */
function maskNamedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskNamedDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, v]) => [
      name,
      isSecretParam(name) && (v === null || typeof v !== 'object') ? '***' : maskNamedDeep(v),
    ]),
  );
}

/** `values` with each value in clear whose name says it is a credential replaced by `***`. */
function maskNamed<T>(
  values: Record<string, T>,
  secret: (name: string) => boolean,
): Record<string, T | string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, v]) => [name, secret(name) && typeof v !== 'object' ? '***' : v]),
  );
}

const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `r_YYYYMMDD_HHMMSS_xxxx` (UTC): sortable by time, short to type, unambiguous letters. */
export function newRunId(at: Date): string {
  const iso = at.toISOString();
  const bytes = randomBytes(4);
  let suffix = '';
  for (const b of bytes) suffix += ID_ALPHABET[b % ID_ALPHABET.length];
  return `r_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}_${suffix}`;
}

import type { StoreContext } from './context.ts';

/** A saved job's schedule state: paused or not, when it last fired and runs next. */
export interface ScheduleState {
  readonly jobName: string;
  readonly paused: boolean;
  /** The due time the last run a schedule started was for (ISO), or null. */
  readonly lastFiredAt: string | null;
  /** When the job runs next, as the last scheduler to look computed it (null: paused or never). */
  readonly nextRunAt: string | null;
  /** The last run a schedule started. */
  readonly lastRunId: string | null;
}

/** Schedule state per saved job (the schedule itself is part of the job's spec). */
export interface SchedulesRepo {
  get(jobName: string): ScheduleState;
  /** Pauses or resumes; resuming counts due times from now (nothing missed while paused is owed). */
  setPaused(jobName: string, paused: boolean): ScheduleState;
  /** A schedule fired for `dueAt` (and started `runId`, when it did start one). */
  fired(jobName: string, dueAt: string, runId: string | null): void;
  setNextRun(jobName: string, nextRunAt: string | null): void;
  /** Forgets a removed job's state. */
  remove(jobName: string): void;
}

interface Row {
  job_name: string;
  paused: number;
  last_fired_at: string | null;
  next_run_at: string | null;
  last_run_id: string | null;
}

/** Creates the schedule-state part of a store. */
export function createSchedulesRepo(ctx: StoreContext): SchedulesRepo {
  const { db } = ctx;
  const getStmt = db.prepare('SELECT * FROM job_schedules WHERE job_name = ?');
  const ensure = db.prepare(
    'INSERT INTO job_schedules (job_name, updated_at) VALUES (?, ?) ON CONFLICT (job_name) DO NOTHING',
  );
  // Resuming counts due times from now: what fell due while paused is not owed.
  const pause = db.prepare(`UPDATE job_schedules SET paused = ?, updated_at = ?,
    last_fired_at = CASE WHEN ? = 0 AND (last_fired_at IS NULL OR last_fired_at < ?) THEN ? ELSE last_fired_at END
    WHERE job_name = ?`);
  const fire = db.prepare(`UPDATE job_schedules SET last_fired_at = ?, last_run_id = COALESCE(?, last_run_id),
    updated_at = ? WHERE job_name = ?`);
  const next = db.prepare('UPDATE job_schedules SET next_run_at = ?, updated_at = ? WHERE job_name = ?');
  const del = db.prepare('DELETE FROM job_schedules WHERE job_name = ?');
  const now = () => ctx.now().toISOString();
  const get = (jobName: string): ScheduleState => {
    const row = getStmt.get(jobName) as Row | undefined;
    return {
      jobName,
      paused: row?.paused === 1,
      lastFiredAt: row?.last_fired_at ?? null,
      nextRunAt: row?.next_run_at ?? null,
      lastRunId: row?.last_run_id ?? null,
    };
  };
  return {
    get,
    setPaused(jobName, paused) {
      db.transaction(() => {
        ensure.run(jobName, now());
        const at = now();
        pause.run(paused ? 1 : 0, at, paused ? 1 : 0, at, at, jobName);
      })();
      return get(jobName);
    },
    fired(jobName, dueAt, runId) {
      db.transaction(() => {
        ensure.run(jobName, now());
        fire.run(dueAt, runId, now(), jobName);
      })();
    },
    setNextRun(jobName, nextRunAt) {
      db.transaction(() => {
        ensure.run(jobName, now());
        next.run(nextRunAt, now(), jobName);
      })();
    },
    remove(jobName) {
      del.run(jobName);
    },
  };
}

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { LoadstoneError } from '../../common/errors.ts';
import type { StoreContext } from './context.ts';

/** A holder that has not refreshed its lock for this long is taken as gone (its pid was reused). */
export const LOCK_STALE_MS = 2 * 60_000;
/** How often a held lock's heartbeat is refreshed. */
export const LOCK_HEARTBEAT_MS = 15_000;

/** Who holds a job's lock. */
export interface JobLockHolder {
  readonly jobName: string;
  readonly pid: number;
  readonly host: string;
  /** What holds it: `cli`, `scheduler`, `app`… (for the message the second run gets). */
  readonly purpose: string;
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
}

/** A held lock: release it when the run has ended (also safe to call twice). */
export interface JobLock {
  readonly jobName: string;
  release(): void;
}

/**
 * Locks on saved jobs, held across processes in the run store: two runs of one job never overlap,
 * whether they come from `jobs run`, `loadstone scheduler` or an engine. A lock whose process is
 * provably gone is taken over: same host and no such pid, another host (a store is local to one
 * machine, as `markInterruptedRuns` says), or no heartbeat for LOCK_STALE_MS.
 */
export interface JobLocksRepo {
  /**
   * Takes the job's lock, or throws when it is held.
   * @throws LoadstoneError JOB_RUNNING naming the holder (pid, host, since when).
   */
  acquire(jobName: string, purpose: string): JobLock;
  /** The live holder of a job's lock, or undefined. */
  holder(jobName: string): JobLockHolder | undefined;
}

interface LockRow {
  job_name: string;
  token: string;
  owner_pid: number;
  owner_host: string;
  purpose: string;
  acquired_at: string;
  heartbeat_at: string;
}

/** Creates the job-locks part of a store. */
export function createJobLocksRepo(ctx: StoreContext): JobLocksRepo {
  const { db } = ctx;
  const get = db.prepare('SELECT * FROM job_locks WHERE job_name = ?');
  const del = db.prepare('DELETE FROM job_locks WHERE job_name = ? AND token = ?');
  const insert =
    db.prepare(`INSERT INTO job_locks (job_name, token, owner_pid, owner_host, purpose, acquired_at,
    heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const beat = db.prepare('UPDATE job_locks SET heartbeat_at = ? WHERE job_name = ? AND token = ?');

  const live = (row: LockRow | undefined): LockRow | undefined =>
    row && processAlive(row, ctx.now().getTime()) ? row : undefined;

  // IMMEDIATE: the read and the write happen under the write lock, so two processes never both win.
  const take = db.transaction((jobName: string, purpose: string, token: string) => {
    const row = get.get(jobName) as LockRow | undefined;
    const holding = live(row);
    if (holding) return holding;
    if (row) del.run(row.job_name, row.token);
    const now = ctx.now().toISOString();
    insert.run(jobName, token, process.pid, os.hostname(), purpose, now, now);
    return null;
  });

  return {
    acquire(jobName, purpose) {
      const token = randomUUID();
      const holding = take.immediate(jobName, purpose, token);
      if (holding) {
        throw new LoadstoneError(
          'JOB_RUNNING',
          `job '${jobName}' is already running (${holding.purpose}, pid ${holding.owner_pid} on ${holding.owner_host}, ` +
            `since ${holding.acquired_at}); two runs of one job never overlap: try again when it has finished`,
          {
            details: {
              job: jobName,
              pid: holding.owner_pid,
              host: holding.owner_host,
              since: holding.acquired_at,
            },
          },
        );
      }
      const timer = setInterval(() => {
        try {
          if (db.open) beat.run(ctx.now().toISOString(), jobName, token);
        } catch {
          // A busy store misses one beat; the lock goes stale only after several.
        }
      }, LOCK_HEARTBEAT_MS);
      timer.unref();
      let released = false;
      return {
        jobName,
        release() {
          if (released) return;
          released = true;
          clearInterval(timer);
          if (db.open) del.run(jobName, token);
        },
      };
    },

    holder(jobName) {
      const row = live(get.get(jobName) as LockRow | undefined);
      return row && toHolder(row);
    },
  };
}

function toHolder(row: LockRow): JobLockHolder {
  return {
    jobName: row.job_name,
    pid: row.owner_pid,
    host: row.owner_host,
    purpose: row.purpose,
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
  };
}

/**
 * Whether the process that wrote a row holding a pid, a host and a heartbeat is still there: on this
 * host (a store is local to one machine), with a heartbeat younger than LOCK_STALE_MS, and its pid
 * alive. Job locks and scheduler seats (`schedulers.ts`) both go by it.
 */
export function processAlive(
  row: { readonly owner_pid: number; readonly owner_host: string; readonly heartbeat_at: string },
  now: number,
): boolean {
  if (row.owner_host !== os.hostname()) return false;
  if (now - Date.parse(row.heartbeat_at) > LOCK_STALE_MS) return false;
  if (row.owner_pid === process.pid) return true;
  try {
    process.kill(row.owner_pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

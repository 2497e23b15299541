import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { StoreContext } from './context.ts';
import { processAlive } from './job-locks.ts';

/** A scheduler running on this store (the app's engine, `loadstone scheduler`). */
export interface SchedulerHolder {
  readonly pid: number;
  readonly host: string;
  /** What it is: `loadstone scheduler`, `app scheduler (electron)`… */
  readonly purpose: string;
  readonly startedAt: string;
  readonly heartbeatAt: string;
}

/** A scheduler's seat on the store, from its first look at the jobs until it stops. */
export interface SchedulerSeat {
  /**
   * Refreshes this scheduler's heartbeat and says whether it runs due jobs: true when it is the
   * oldest live scheduler on the store; otherwise `leader` is the one that does (this one stands by).
   * A seat dropped meanwhile as stale (its process was suspended for minutes) is taken again, as the
   * newest.
   */
  look(): { readonly leads: boolean; readonly leader: SchedulerHolder };
  /** Leaves the store (the next scheduler takes over at its next look); safe to call twice. */
  release(): void;
}

/**
 * The schedulers running on a store. Several may share one data folder (the app and a `loadstone
 * scheduler` service, say): the oldest live one runs due jobs and the others stand by, so a due time
 * starts one run instead of one run and a `failed_to_start` from every other scheduler. A scheduler
 * whose process is gone (same host and no such pid, another host, no heartbeat for LOCK_STALE_MS)
 * no longer counts; the next one takes over at its next look (within the scheduler's 5 s).
 */
export interface SchedulersRepo {
  /** Takes a seat for a scheduler of this process. */
  seat(purpose: string): SchedulerSeat;
  /** The live schedulers, the one that runs due jobs first. */
  live(): SchedulerHolder[];
}

interface SeatRow {
  token: string;
  owner_pid: number;
  owner_host: string;
  purpose: string;
  started_at: string;
  heartbeat_at: string;
}

/** Creates the schedulers part of a store. */
export function createSchedulersRepo(ctx: StoreContext): SchedulersRepo {
  const { db } = ctx;
  // Oldest first; rowid breaks a tie between seats taken in the same millisecond.
  const all = db.prepare('SELECT * FROM schedulers ORDER BY started_at, rowid');
  const insert = db.prepare(
    `INSERT INTO schedulers (token, owner_pid, owner_host, purpose, started_at, heartbeat_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const beat = db.prepare('UPDATE schedulers SET heartbeat_at = ? WHERE token = ?');
  const drop = db.prepare('DELETE FROM schedulers WHERE token = ?');

  const liveRows = (): SeatRow[] => {
    const now = ctx.now().getTime();
    return (all.all() as SeatRow[]).filter((row) => processAlive(row, now));
  };

  // IMMEDIATE: the heartbeat, the clean-up of gone schedulers and the read of who leads happen
  // under the write lock, so two schedulers never both see themselves first.
  const look = db.transaction((token: string, purpose: string): SeatRow => {
    const now = ctx.now();
    const rows = all.all() as SeatRow[];
    for (const row of rows) {
      if (row.token !== token && !processAlive(row, now.getTime())) drop.run(row.token);
    }
    const at = now.toISOString();
    if (beat.run(at, token).changes === 0) insert.run(token, process.pid, os.hostname(), purpose, at, at);
    return all.get() as SeatRow;
  });

  return {
    seat(purpose) {
      const token = randomUUID();
      let released = false;
      return {
        look() {
          const leader = look.immediate(token, purpose);
          return { leads: leader.token === token, leader: toHolder(leader) };
        },
        release() {
          if (released) return;
          released = true;
          if (db.open) drop.run(token);
        },
      };
    },
    live: () => liveRows().map(toHolder),
  };
}

function toHolder(row: SeatRow): SchedulerHolder {
  return {
    pid: row.owner_pid,
    host: row.owner_host,
    purpose: row.purpose,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  };
}

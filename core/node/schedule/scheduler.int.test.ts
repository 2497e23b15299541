import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { NoSecretStore, openStore, type RunStore } from '../store/index.ts';
import type { Clock, ScheduledRunEnd, ScheduleProblem } from './scheduler.ts';
import { createStoreScheduler } from './store-scheduler.ts';

// Issue 14, schedules: the scheduler over a real store with an injected clock, loading into a real
// PostgreSQL. Each test drives time by hand and ticks; runs are real loads.

/** A clock the test sets; the scheduler's loop is not used here (tests call tick()). */
class ManualClock implements Clock {
  constructor(public at: Date) {}
  now = () => new Date(this.at);
  sleep = () => Promise.resolve();
  set(iso: string) {
    this.at = new Date(iso);
  }
}

let dir = '';
let dbUrl = '';
let db: pg.Client;
let env: NodeJS.ProcessEnv;
let csv = '';

beforeAll(async () => {
  const url = new URL(await createTestDatabase(inject('pgUrl'), 'schedules'));
  dbUrl = url.toString();
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-sched-'));
  env = { PGPASSWORD: decodeURIComponent(url.password), PGPASSFILE: path.join(dir, 'no-pgpass') };
  csv = path.join(dir, 'rows.csv');
  fs.writeFileSync(csv, 'id,name\n1,a\n2,b\n');
});

afterAll(async () => {
  await db?.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh store whose clock is `clock`, with one job saved at the clock's time. */
function storeWithJob(clock: ManualClock, table: string, schedule: Record<string, unknown>): RunStore {
  const store = openStore(fs.mkdtempSync(path.join(dir, 'home-')), {
    secretStore: new NoSecretStore(),
    now: clock.now,
  });
  const bare = new URL(dbUrl);
  bare.password = '';
  store.jobs.save(table, {
    source: { path: csv },
    target: { connection: `${bare.toString()}?sslmode=disable`, table },
    schedule,
  });
  return store;
}

function schedulerFor(
  store: RunStore,
  clock: ManualClock,
  problems: ScheduleProblem[],
  more: { skipped?: string[]; ends?: ScheduledRunEnd[]; roles?: string[] } = {},
) {
  return createStoreScheduler({
    store,
    clock,
    env,
    purpose: 'test scheduler',
    onProblem: (p) => problems.push(p),
    onSkipped: (_job, _due, detail) => more.skipped?.push(detail),
    onRunEnd: (_job, end) => more.ends?.push(end),
    onRole: (role, leader) => more.roles?.push(`${role}: ${leader.purpose} pid ${leader.pid}`),
  });
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const runsOf = (store: RunStore) =>
  store.context.db.prepare('SELECT id, status, trigger FROM runs ORDER BY seq').all() as Array<{
    id: string;
    status: string;
    trigger: string;
  }>;

describe('the scheduler', () => {
  it('runs a job when it falls due, in its time zone, marked as started by the schedule', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:10:00Z'));
    // 11:00 in Paris is 10:00 UTC in March.
    const store = storeWithJob(clock, 'hourly', { cron: '0 * * * *', timezone: 'Europe/Paris' });
    const problems: ScheduleProblem[] = [];
    const scheduler = schedulerFor(store, clock, problems);
    try {
      scheduler.tick();
      expect(runsOf(store)).toEqual([]);
      expect(store.schedules.get('hourly').nextRunAt).toBe('2026-03-01T11:00:00.000Z');
      clock.set('2026-03-01T10:59:59Z');
      scheduler.tick();
      expect(scheduler.running()).toEqual([]);
      clock.set('2026-03-01T11:00:01Z');
      scheduler.tick();
      expect(scheduler.running()).toEqual(['hourly']);
      await until(() => scheduler.running().length === 0);
      const runs = runsOf(store);
      expect(runs).toEqual([{ id: runs[0]!.id, status: 'succeeded', trigger: 'schedule' }]);
      expect(store.schedules.get('hourly')).toMatchObject({
        lastFiredAt: '2026-03-01T11:00:00.000Z',
        lastRunId: runs[0]!.id,
        nextRunAt: '2026-03-01T12:00:00.000Z',
      });
      expect(store.runs.get(runs[0]!.id)).toMatchObject({ jobName: 'hourly' });
      scheduler.tick(); // the same due time never runs twice
      expect(scheduler.running()).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await scheduler.stop(0);
      store.close();
    }
  });

  it('with two schedulers on one store, the first runs due jobs and the second stands by, then takes over', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:10:00Z'));
    const store = storeWithJob(clock, 'shared', { cron: '0 * * * *', timezone: 'UTC' });
    const problems: ScheduleProblem[] = [];
    const roles: string[] = [];
    const first = schedulerFor(store, clock, problems);
    const second = schedulerFor(store, clock, problems, { roles });
    try {
      first.tick();
      second.tick();
      expect(roles).toEqual([`standby: test scheduler pid ${process.pid}`]);
      expect(store.schedulers.live()).toHaveLength(2);
      // Each looks at least every 5 s (its heartbeat); both wake at the due time (each sleeps until
      // it), and the one standing by looks first.
      clock.set('2026-03-01T10:59:58Z');
      first.tick();
      second.tick();
      clock.set('2026-03-01T11:00:01Z');
      second.tick();
      first.tick();
      expect([first.running(), second.running()]).toEqual([['shared'], []]);
      await until(() => first.running().length === 0);
      second.tick();
      first.tick();
      expect(runsOf(store).map((r) => r.status)).toEqual(['succeeded']);
      // No failed_to_start from the second scheduler: it never tried.
      expect(problems).toEqual([]);

      await first.stop(0);
      expect(store.schedulers.live()).toHaveLength(1);
      clock.set('2026-03-01T12:00:01Z');
      second.tick();
      expect(roles).toEqual([
        `standby: test scheduler pid ${process.pid}`,
        `active: test scheduler pid ${process.pid}`,
      ]);
      expect(second.running()).toEqual(['shared']);
      await until(() => second.running().length === 0);
      expect(runsOf(store).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      // Nothing was missed: the second scheduler was there all along.
      expect(problems).toEqual([]);
    } finally {
      await first.stop(0);
      await second.stop(0);
      expect(store.schedulers.live()).toEqual([]);
      store.close();
    }
  });

  it('a due job whose lock another process holds (`jobs run`) is a failed_to_start problem', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:10:00Z'));
    const store = storeWithJob(clock, 'held', { cron: '0 * * * *', timezone: 'UTC' });
    const problems: ScheduleProblem[] = [];
    const scheduler = schedulerFor(store, clock, problems);
    scheduler.tick();
    clock.set('2026-03-01T10:59:30Z');
    const lock = store.jobLocks.acquire('held', 'loadstone jobs run');
    try {
      clock.set('2026-03-01T11:00:01Z');
      scheduler.tick();
      expect(scheduler.running()).toEqual([]);
      expect(problems.map((p) => p.kind)).toEqual(['failed_to_start']);
      expect(problems[0]!.detail).toContain("job 'held' is already running (loadstone jobs run, pid");
      expect(runsOf(store)).toEqual([]);
    } finally {
      lock.release();
      await scheduler.stop(0);
      store.close();
    }
  });

  it('a scheduler whose process died no longer leads: the next one takes over at its next look', () => {
    const clock = new ManualClock(new Date('2026-03-01T10:10:00Z'));
    const store = storeWithJob(clock, 'orphaned', { cron: '0 * * * *', timezone: 'UTC' });
    // A seat left by a process that is gone (no such pid on this host).
    store.context.db
      .prepare('INSERT INTO schedulers VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        'gone',
        2 ** 22 + 12345,
        os.hostname(),
        'loadstone scheduler',
        '2026-03-01T09:00:00.000Z',
        '2026-03-01T10:09:00.000Z',
      );
    // And one on another host (a data folder copied from another machine): not a live scheduler here.
    store.context.db
      .prepare('INSERT INTO schedulers VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        'elsewhere',
        process.pid,
        'another-host',
        'loadstone scheduler',
        '2026-03-01T09:00:00.000Z',
        '2026-03-01T10:09:59.000Z',
      );
    expect(store.schedulers.live()).toEqual([]);
    const seat = store.schedulers.seat('test scheduler');
    try {
      expect(seat.look()).toMatchObject({
        leads: true,
        leader: { purpose: 'test scheduler', pid: process.pid },
      });
      // The dead seats were cleared at that look.
      expect(store.context.db.prepare('SELECT token FROM schedulers').pluck().all()).toHaveLength(1);
      // A live seat that stopped beating for over 2 minutes (its process hung) is passed over too.
      const stale = store.schedulers.seat('hung scheduler');
      clock.set('2026-03-01T10:10:01Z');
      expect(stale.look().leads).toBe(false);
      clock.set('2026-03-01T10:13:00Z');
      expect(stale.look()).toMatchObject({ leads: true, leader: { purpose: 'hung scheduler' } });
      // The first one, back after the hang, takes a new seat as the newest.
      expect(seat.look()).toMatchObject({ leads: false, leader: { purpose: 'hung scheduler' } });
      stale.release();
    } finally {
      seat.release();
      store.close();
    }
  });

  it('skips runs missed while no scheduler ran (missed: skip), and reports them', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    const store = storeWithJob(clock, 'skipper', { cron: '0 * * * *', missed: 'skip' });
    clock.set('2026-03-01T13:30:00Z');
    const problems: ScheduleProblem[] = [];
    const scheduler = schedulerFor(store, clock, problems);
    try {
      scheduler.tick();
      expect(scheduler.running()).toEqual([]);
      expect(problems).toEqual([
        {
          job: 'skipper',
          kind: 'missed',
          detail: expect.stringContaining('3 run(s) fell due while no scheduler was running'),
        },
      ]);
      expect(problems[0]!.detail).toContain('skipped (missed: skip)');
      scheduler.tick();
      expect(problems).toHaveLength(1);
      expect(runsOf(store)).toEqual([]);
    } finally {
      await scheduler.stop(0);
      store.close();
    }
  });

  it('runs once on start for missed runs (missed: runOnce)', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    const store = storeWithJob(clock, 'catcher', { cron: '0 * * * *', missed: 'runOnce' });
    clock.set('2026-03-01T13:30:00Z');
    const problems: ScheduleProblem[] = [];
    const scheduler = schedulerFor(store, clock, problems);
    try {
      scheduler.tick();
      expect(scheduler.running()).toEqual(['catcher']);
      await until(() => scheduler.running().length === 0);
      scheduler.tick();
      expect(runsOf(store).map((r) => [r.status, r.trigger])).toEqual([['succeeded', 'schedule']]);
      expect(problems.map((p) => p.kind)).toEqual(['missed']);
      expect(problems[0]!.detail).toContain('running once now');
    } finally {
      await scheduler.stop(0);
      store.close();
    }
  });

  it('never overlaps one job, cancels a run past its maximum run time, and a paused schedule does not run', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:30Z'));
    const store = storeWithJob(clock, 'slow', { cron: '* * * * *', maxRunMinutes: 2 });
    await db.query('CREATE TABLE slow (id integer, name text)');
    const problems: ScheduleProblem[] = [];
    const skipped: string[] = [];
    const scheduler = schedulerFor(store, clock, problems, { skipped });
    const other = schedulerFor(store, clock, problems);
    const blocker = new pg.Client({ connectionString: dbUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE slow IN ACCESS EXCLUSIVE MODE');
      clock.set('2026-03-01T10:01:00Z');
      scheduler.tick();
      expect(scheduler.running()).toEqual(['slow']);
      await until(async () => {
        const waiting = await db.query(
          "SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'slow'::regclass",
        );
        return waiting.rowCount === 1;
      });
      // Due again while it runs: not started again, here or by another scheduler on the same store
      // (which stands by: the first one runs this store's due jobs). This scheduler's own run still
      // going is a skip, logged but not alerted: maxRunMinutes says when a run is too long.
      clock.set('2026-03-01T10:02:00Z');
      other.tick();
      expect(other.running()).toEqual([]);
      clock.set('2026-03-01T10:03:00Z');
      scheduler.tick();
      expect(problems).toEqual([]);
      expect(skipped).toEqual([
        "the run due at 2026-03-01T10:03:00.000Z was skipped: the job's previous run, started at 2026-03-01T10:01:00.000Z, is still going",
      ]);
      expect(runsOf(store)).toHaveLength(1);

      clock.set('2026-03-01T10:03:01Z');
      scheduler.tick();
      expect(problems[0]).toMatchObject({ kind: 'overran', detail: expect.stringContaining('after 2 min') });
      await until(() => scheduler.running().length === 0);
      expect(runsOf(store)[0]!.status).toBe('cancelled');
      await blocker.query('COMMIT');

      store.schedules.setPaused('slow', true);
      clock.set('2026-03-01T10:05:00Z');
      scheduler.tick();
      expect(scheduler.running()).toEqual([]);
      expect(store.schedules.get('slow').nextRunAt).toBeNull();
    } finally {
      await scheduler.stop(0);
      await other.stop(0);
      await blocker.end();
      store.close();
    }
  });

  it('a run cancelled at stop while its API source is still answering is cancelled, not a failure to start', async () => {
    // An API that takes its time over the first page: the run is not recorded yet when stop() cancels it.
    const answered: string[] = [];
    const api = http.createServer((req, res) => {
      answered.push(req.url ?? '');
      req.on('close', () => res.destroy());
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const clock = new ManualClock(new Date('2026-03-01T10:00:30Z'));
    const store = storeWithJob(clock, 'api_slow', { cron: '* * * * *' });
    const saved = store.jobs.saved('api_slow')!.spec as Record<string, unknown>;
    store.jobs.save('api_slow', {
      ...saved,
      source: {
        kind: 'http',
        url: `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1/orders`,
        auth: { type: 'none' },
      },
    });
    const problems: ScheduleProblem[] = [];
    const ends: ScheduledRunEnd[] = [];
    const scheduler = schedulerFor(store, clock, problems, { ends });
    try {
      clock.set('2026-03-01T10:01:00Z');
      scheduler.tick();
      await until(() => answered.length === 1);
      await scheduler.stop(0);
      expect(ends).toEqual([
        { runId: null, status: 'cancelled', error: { code: 'LOAD_CANCELLED', message: expect.any(String) } },
      ]);
      expect(problems).toEqual([]);
      expect(store.jobLocks.holder('api_slow')).toBeUndefined();
    } finally {
      await new Promise((resolve) => api.close(resolve));
      store.close();
    }
  });

  it('stop() lets a running load finish within the grace period, and cancels it after', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:30Z'));
    const store = storeWithJob(clock, 'graceful', { cron: '* * * * *' });
    await db.query('CREATE TABLE graceful (id integer, name text)');
    const scheduler = schedulerFor(store, clock, []);
    const blocker = new pg.Client({ connectionString: dbUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE graceful IN ACCESS EXCLUSIVE MODE');
      clock.set('2026-03-01T10:01:00Z');
      scheduler.tick();
      await until(async () => {
        const waiting = await db.query(
          "SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'graceful'::regclass",
        );
        return waiting.rowCount === 1;
      });
      await scheduler.stop(0);
      expect(runsOf(store).map((r) => r.status)).toEqual(['cancelled']);
      expect(store.jobLocks.holder('graceful')).toBeUndefined();
      await blocker.query('COMMIT');

      // With time to finish, it finishes.
      clock.set('2026-03-01T10:02:00Z');
      const second = schedulerFor(store, clock, []);
      second.tick();
      expect(second.running()).toEqual(['graceful']);
      await second.stop(60_000);
      expect(runsOf(store).map((r) => r.status)).toEqual(['cancelled', 'succeeded']);
    } finally {
      await blocker.end();
      store.close();
    }
  });
});

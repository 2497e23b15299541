import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../cli/test-support.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import type { Clock, ScheduleProblem } from '../schedule/scheduler.ts';
import { startSilentApi } from '../sources/http/test-api-server.ts';
import { NoSecretStore, openStore } from '../store/index.ts';
import { dispatch } from './dispatch.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// Issue 14: the engine (desktop utility process, browser host) runs due jobs while it is open,
// through its load manager and under the job lock; a job saved from an upload to the browser host
// runs from the CLI with the path the engine remembered.

/** The engine's loop sleeps for real (briefly); the time it reads is the test's. */
class TestClock implements Clock {
  constructor(public at: Date) {}
  now = () => new Date(this.at);
  sleep = (_ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, 20);
      signal.addEventListener('abort', done, { once: true });
    });
}

let t: TestEngine;
let password = '';
const problems: ScheduleProblem[] = [];
const clock = new TestClock(new Date());
const call = (name: string, input: unknown) => dispatch(t.engine.handlers, name, input, t.log);

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function jobRow(name: string) {
  const reply = await call('jobs.list', {});
  if (!reply.ok) throw new Error(reply.error.message);
  return (reply.value as Array<Record<string, unknown> & { name: string }>).find((j) => j.name === name)!;
}

beforeAll(async () => {
  const url = new URL(await createTestDatabase(inject('pgUrl'), 'engine_schedules'));
  password = decodeURIComponent(url.password);
  url.password = '';
  t = await openTestEngine({ env: { PGPASSWORD: password, PGPASSFILE: '/nonexistent/pgpass' } });
  expect(await call('connections.save', { name: 'wh', url: `${url}?sslmode=disable` })).toMatchObject({
    ok: true,
  });
  // As the browser host stores an upload: in the data folder's uploads, granted as uploaded.
  const upload = path.join(t.dataDir, 'uploads', 'u1', 'parts.csv');
  fs.mkdirSync(path.dirname(upload), { recursive: true });
  fs.writeFileSync(upload, 'part,qty\nbolt,10\nnut,20\n');
  const { handle } = await t.engine.grants.grantRead(upload, { uploaded: true });
  const spec = { source: { handle }, target: { connection: 'wh', table: 'parts', mode: 'replace' } };
  expect(await call('jobs.save', { name: 'parts', spec })).toMatchObject({ ok: true });
  expect(
    await call('jobs.schedule.set', { name: 'parts', schedule: { cron: '0 * * * *', timezone: 'UTC' } }),
  ).toMatchObject({ ok: true });
  clock.at = new Date(Date.now());
  t.engine.startScheduler({ clock, onProblem: (p) => problems.push(p) });
});

afterAll(async () => {
  await t?.close();
});

describe('the engine scheduler', () => {
  it('runs a due job through the load manager, recorded as scheduled, and the Jobs list shows it', async () => {
    const finished: unknown[] = [];
    const off = t.engine.bus.subscribe((name, payload) => {
      if (name === 'load.finished') finished.push(payload);
    });
    try {
      const next = (await jobRow('parts')).nextRunAt as string;
      expect(next).toMatch(/T\d\d:00:00\.000Z$/);
      clock.at = new Date(Date.parse(next) + 1000);
      await until(async () => (await jobRow('parts')).lastRun !== null && !(await jobRow('parts')).running);
      const row = await jobRow('parts');
      expect(row.lastRun).toMatchObject({ status: 'succeeded', trigger: 'schedule' });
      expect(finished).toEqual([expect.objectContaining({ status: 'succeeded' })]);
      expect(problems).toEqual([]);
    } finally {
      off();
    }
  });

  it('neither the schedule nor Run now starts a job another process is running', async () => {
    const other = openStore(t.dataDir, { secretStore: new NoSecretStore() });
    const lock = other.jobLocks.acquire('parts', 'loadstone jobs run');
    try {
      expect(await call('jobs.run', { name: 'parts' })).toMatchObject({
        ok: false,
        error: { code: 'job_running', message: expect.stringContaining("job 'parts' is already running") },
      });
      // The next hour's run (the list's next run is from the machine's clock; the scheduler's is ours).
      clock.at = new Date(clock.at.getTime() + 3600_000);
      await until(() => problems.length > 0);
      expect(problems[0]).toMatchObject({ job: 'parts', kind: 'failed_to_start' });
      expect(problems[0]!.detail).toContain('already running (loadstone jobs run');
    } finally {
      lock.release();
      other.close();
    }
    expect(await call('jobs.run', { name: 'parts' })).toMatchObject({ ok: true });
  });

  it('a job saved from an upload runs from the CLI with the path the engine kept', async () => {
    await until(async () => !(await jobRow('parts')).running);
    const run = await runCli(['jobs', 'run', 'parts', '--json'], {
      cwd: t.filesDir,
      env: { LOADSTONE_HOME: t.dataDir, PGPASSWORD: password, PGPASSFILE: '/nonexistent/pgpass' },
    });
    expect([run.code, run.err]).toEqual([0, '']);
    expect(JSON.parse(run.out)).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect((await jobRow('parts')).lastRun).toMatchObject({ status: 'succeeded', trigger: 'manual' });
  });

  it('an overrun reaches a run whose API source is still answering its first page: cancelled, no run left going', async () => {
    // An API that never answers: the scheduled run stays in its sample, before any run is recorded.
    const api = await startSilentApi();
    const { asked, closed } = api;
    try {
      const url = `${api.url}/v1/items`;
      const spec = { source: { kind: 'http', url }, target: { connection: 'wh', table: 'slow_items' } };
      expect(await call('jobs.save', { name: 'slow-api', spec })).toMatchObject({ ok: true });
      expect(
        await call('jobs.schedule.set', {
          name: 'slow-api',
          schedule: { cron: '30 * * * *', timezone: 'UTC', maxRunMinutes: 1 },
        }),
      ).toMatchObject({ ok: true });
      const before = problems.length;
      // Due: the run starts and asks for its first page.
      const due = new Date(clock.at);
      due.setUTCMinutes(30, 1, 0);
      if (due <= clock.at) due.setUTCHours(due.getUTCHours() + 1);
      clock.at = due;
      await until(() => asked.length === 1);
      // Two minutes later it has overrun its minute: the scheduler cancels it where it is.
      clock.at = new Date(due.getTime() + 2 * 60_000);
      await until(() => problems.slice(before).some((p) => p.job === 'slow-api' && p.kind === 'overran'));
      await closed[0];
      await until(async () => !(await jobRow('slow-api')).running);
      expect(await call('jobs.schedule.set', { name: 'slow-api', schedule: null })).toMatchObject({
        ok: true,
      });
    } finally {
      await api.close();
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { startReceiver } from '../alerts/test-support.ts';
import { removeRootCluster } from '../pg/test-server.ts';
import { NoSecretStore, openStore } from '../store/index.ts';

// Issue 14: the headless `loadstone scheduler` as a real process against the `local` warehouse, with
// a job every 3 seconds; checked by its log lines and the runs it recorded, then stopped by SIGTERM.

const BIN = fileURLToPath(new URL('../../../bin/loadstone.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-scheduler-'));
const home = path.join(dir, 'home');
let child: ChildProcess | null = null;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  removeRootCluster(home);
  fs.rmSync(dir, { recursive: true, force: true });
});

interface LogLine {
  at: string;
  event: string;
  job?: string;
  status?: string;
  runId?: string;
}

/** The `--json` log lines a scheduler process writes, as they come. */
function logLines(p: ChildProcess): LogLine[] {
  const lines: LogLine[] = [];
  let buffered = '';
  p.stdout!.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) lines.push(JSON.parse(part));
  });
  return lines;
}

describe('loadstone scheduler', () => {
  it('runs a job every 3 s into the local warehouse, one run at a time, and stops cleanly on SIGTERM', async () => {
    fs.mkdirSync(home, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'ticks.csv'), 'id,label\n1,one\n2,two\n');
    fs.writeFileSync(
      path.join(dir, 'ticks.json'),
      JSON.stringify({
        name: 'ticks',
        source: { path: 'ticks.csv' },
        target: { table: 'ticks', mode: 'replace' },
        schedule: { cron: '*/3 * * * * *', timezone: 'UTC' },
      }),
    );
    const env = { PATH: process.env.PATH, HOME: dir, LOADSTONE_HOME: home };
    const imported = spawn(process.execPath, [BIN, 'jobs', 'import', 'ticks.json'], { cwd: dir, env });
    expect(await new Promise((resolve) => imported.on('exit', resolve))).toBe(0);

    const scheduler = spawn(process.execPath, [BIN, 'scheduler', '--json', '--grace-seconds', '60'], {
      cwd: dir,
      env,
    });
    child = scheduler;
    const lines: LogLine[] = logLines(scheduler);
    let stderr = '';
    scheduler.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => scheduler.on('exit', (code) => resolve(code)));

    for (;;) {
      if (lines.filter((l) => l.event === 'end').length >= 2) break;
      expect(scheduler.exitCode).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    scheduler.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');

    expect(lines[0]).toMatchObject({ event: 'started', jobs: 1 });
    expect(lines.at(-1)).toMatchObject({ event: 'stopped' });
    const ends = lines.filter((l) => l.event === 'end');
    for (const end of ends) expect(end).toMatchObject({ job: 'ticks', status: 'succeeded' });
    // Every start is followed by its end before the next start: never two runs of the job at once.
    const runEvents = lines.filter((l) => l.event === 'start' || l.event === 'end').map((l) => l.event);
    for (let i = 0; i < runEvents.length; i++) expect(runEvents[i]).toBe(i % 2 === 0 ? 'start' : 'end');

    const store = openStore(home, { secretStore: new NoSecretStore() });
    try {
      const runs = store.context.db
        .prepare('SELECT id, status, trigger, job_name, started_at, ended_at FROM runs ORDER BY seq')
        .all() as Array<{
        id: string;
        status: string;
        trigger: string;
        job_name: string;
        started_at: string;
        ended_at: string;
      }>;
      expect(runs.map((r) => r.id)).toEqual(ends.map((e) => e.runId));
      for (const r of runs)
        expect(r).toMatchObject({ status: 'succeeded', trigger: 'schedule', job_name: 'ticks' });
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at >= runs[i - 1]!.ended_at).toBe(true);
      expect(store.jobLocks.holder('ticks')).toBeUndefined();
      expect(store.schedules.get('ticks').lastRunId).toBe(runs.at(-1)!.id);
    } finally {
      store.close();
    }
  }, 180_000);

  it('alerts a run left running by a killed scheduler even when another command marked it interrupted first', async () => {
    const other = path.join(dir, 'home-interrupted');
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const receiver = await startReceiver(() => ({ status: 200 }), 5);
    const env = { PATH: process.env.PATH, HOME: dir, LOADSTONE_HOME: other, HOOK_SECRET: secret };
    const run = (args: string[]) => {
      const p = spawn(process.execPath, [BIN, ...args], { cwd: dir, env });
      let out = '';
      p.stdout!.on('data', (c) => {
        out += c;
      });
      return { p, out: () => out, exit: new Promise<number | null>((r) => p.on('exit', r)) };
    };
    let runId = '';
    let scheduler: ReturnType<typeof run> | null = null;
    try {
      const store = openStore(other, { secretStore: new NoSecretStore() });
      store.alerts.saveChannel({
        name: 'ops',
        kind: 'webhook',
        config: { url: `${receiver.url}/hook`, secretEnv: 'HOOK_SECRET' },
      });
      const spec = parseJobSpec({
        name: 'nightly',
        source: { path: path.join(dir, 'ticks.csv') },
        target: { table: 'nightly' },
        alerts: { channels: ['ops'] },
      });
      // The store is closed with the run going: it is marked interrupted by a process that sends no
      // alert, as `loadstone runs` marks the run of a scheduler killed with SIGKILL mid-load.
      runId = store.runs.create({ spec, jobName: 'nightly' });
      store.close();
      const look = run(['runs', '--json']);
      expect(await look.exit).toBe(0);
      expect(JSON.parse(look.out())[0]).toMatchObject({ id: runId, status: 'interrupted' });

      scheduler = run(['scheduler', '--json']);
      await Promise.race([
        receiver.waitFor(1),
        scheduler.exit.then(() => {
          throw new Error('the scheduler ended');
        }),
      ]);
      scheduler.p.kill('SIGTERM');
      expect(await scheduler.exit).toBe(0);
      expect(receiver.requests).toHaveLength(1);
      expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
        type: 'run.interrupted',
        runId,
        job: 'nightly',
        status: 'interrupted',
      });
    } finally {
      if (scheduler && scheduler.p.exitCode === null) scheduler.p.kill('SIGKILL');
      await receiver.close();
    }
  }, 20_000);

  it('a second scheduler on the data folder stands by, and takes over when the first stops', async () => {
    const shared = path.join(dir, 'home-shared');
    const env = { PATH: process.env.PATH, HOME: dir, LOADSTONE_HOME: shared };
    const start = () => {
      const p = spawn(process.execPath, [BIN, 'scheduler', '--json'], { cwd: dir, env });
      const lines: Array<LogLine & { leader?: { pid: number; purpose: string } }> = logLines(p);
      const exit = new Promise<number | null>((resolve) => p.on('exit', resolve));
      const seen = async (event: string) => {
        while (!lines.some((l) => l.event === event)) {
          if (p.exitCode !== null) throw new Error(`the scheduler ended before '${event}'`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      return { p, lines, exit, seen };
    };
    const first = start();
    let second: ReturnType<typeof start> | null = null;
    try {
      await first.seen('started');
      // Its seat is taken at its first look, right after it starts.
      for (;;) {
        const store = openStore(shared, { secretStore: new NoSecretStore() });
        const seated = store.schedulers.live().length;
        store.close();
        if (seated === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      second = start();
      await second.seen('standby');
      expect(second.lines.find((l) => l.event === 'standby')).toMatchObject({
        leader: { pid: first.p.pid, purpose: 'loadstone scheduler' },
      });
      first.p.kill('SIGTERM');
      expect(await first.exit).toBe(0);
      expect(first.lines.map((l) => l.event)).not.toContain('standby');
      // It looks at most every 5 s: it takes over then.
      await second.seen('active');
      second.p.kill('SIGTERM');
      expect(await second.exit).toBe(0);
      const store = openStore(shared, { secretStore: new NoSecretStore() });
      try {
        expect(store.schedulers.live()).toEqual([]);
      } finally {
        store.close();
      }
    } finally {
      for (const s of [first, second]) if (s && s.p.exitCode === null) s.p.kill('SIGKILL');
    }
  }, 30_000);
});

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../handlers/test-support.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { NoSecretStore, openStore } from '../store/index.ts';
import { runCli } from './test-support.ts';

// Issue 14, saved jobs from the CLI: a job saved in the engine through its handlers is listed, shown,
// run, exported and removed from the CLI; an export imports into a fresh data folder and runs there;
// two `jobs run` processes of one job never overlap.

const BIN = fileURLToPath(new URL('../../../bin/loadstone.mjs', import.meta.url));
let t: TestEngine;
let db: pg.Client;
let dir: string;
/** The test database's URL without its password (a saved job never holds one), and the password. */
let bareUrl = '';
let dbUrl = '';
let password = '';
let csv = '';

const env = (home: string) => ({
  LOADSTONE_HOME: home,
  PGPASSWORD: password,
  PGPASSFILE: path.join(dir, 'no-pgpass'),
});
const cli = (args: string[], home = t.dataDir) => runCli(args, { cwd: dir, env: env(home) });

beforeAll(async () => {
  const url = new URL(await createTestDatabase(inject('pgUrl'), 'cli_jobs'));
  dbUrl = url.toString();
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  password = decodeURIComponent(url.password);
  url.password = '';
  bareUrl = `${url.toString()}?sslmode=disable`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-jobs-cli-'));
  t = await openTestEngine({ env: env('') });
  csv = t.writeFile('orders.csv', 'id,amount\n1,12.5\n2,oops\n3,7\n4,8.25\n');
  const call = t.engine.handlers;
  const signal = new AbortController().signal;
  await call['connections.save']({ name: 'wh', url: bareUrl }, { signal });
  const { handle } = await t.engine.grants.grantRead(csv);
  await call['jobs.save'](
    {
      name: 'nightly orders',
      spec: {
        source: { handle },
        columns: [{ source: 'amount', type: 'numeric' }],
        target: { connection: 'wh', table: 'orders' },
        settings: { maxErrorRate: 0.5 },
        schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
      } as never,
    },
    { signal },
  );
});

afterAll(async () => {
  await t?.close();
  await db?.end();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadstone jobs', () => {
  it('says when no scheduler is running on the data folder, so a listed next run will not happen', async () => {
    const listed = async () => {
      const text = await cli(['jobs', 'list']);
      const json = await cli(['jobs', 'list', '--json']);
      return { text: text.out, entry: JSON.parse(json.out)[0] };
    };
    const alone = await listed();
    expect(alone.entry).toMatchObject({ name: 'nightly orders', schedulerRunning: false });
    expect(alone.text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(no scheduler\)/);
    expect(alone.text).toContain(
      "No scheduler is running on this data folder: scheduled jobs run only while the app is open or 'loadstone scheduler' runs.",
    );

    // A scheduler seated on the store (as the app's or `loadstone scheduler` takes one at its first look).
    const store = openStore(t.dataDir, { secretStore: new NoSecretStore() });
    const seat = store.schedulers.seat('test scheduler');
    try {
      expect(seat.look().leads).toBe(true);
      const served = await listed();
      expect(served.entry).toMatchObject({ schedulerRunning: true });
      expect(served.text).not.toContain('no scheduler');
      expect(served.text).not.toContain('No scheduler is running');
    } finally {
      seat.release();
      store.close();
    }
    expect((await listed()).entry).toMatchObject({ schedulerRunning: false });
  });

  it('lists and shows a job saved in the app, with its schedule and no secret', async () => {
    const list = await cli(['jobs', 'list', '--json']);
    expect([list.code, list.err]).toEqual([0, '']);
    const [job] = JSON.parse(list.out);
    expect(job).toMatchObject({
      name: 'nightly orders',
      source: csv,
      table: 'orders',
      mode: 'append',
      schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris', missed: 'skip', maxRunMinutes: 60 },
      paused: false,
      running: false,
      lastRun: null,
    });
    expect(Date.parse(job.nextRunAt)).toBeGreaterThan(Date.now());

    const text = await cli(['jobs', 'list']);
    expect(text.out).toContain('nightly orders');
    expect(text.out).toContain('0 2 * * * (Europe/Paris)');

    const show = await cli(['jobs', 'show', 'nightly orders', '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.out).spec).toMatchObject({
      source: { path: csv },
      target: { connection: 'wh', table: 'orders' },
    });
    expect(show.out).not.toContain(password);
    const missing = await cli(['jobs', 'show', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no saved job named 'nope'");
  });

  it("runs the job with load's JSON outcome and exit codes; flags override the saved spec", async () => {
    const run = await cli(['jobs', 'run', 'nightly orders', '--json']);
    expect([run.code, run.err]).toEqual([0, '']);
    const out = JSON.parse(run.out);
    expect(out).toMatchObject({
      status: 'succeeded',
      table: 'orders',
      rowsRead: 4,
      inserted: 3,
      rejected: 1,
    });
    const loaded = await db.query('SELECT count(*)::int AS n FROM orders');
    expect(loaded.rows[0].n).toBe(3);

    // The same keys as `load --json` prints (its own test pins them).
    const direct = await cli(['load', csv, '--target', 'wh', '--table', 'orders_direct', '--json']);
    expect(Object.keys(out).sort()).toEqual(Object.keys(JSON.parse(direct.out)).sort());

    const strict = await cli(['jobs', 'run', 'nightly orders', '--max-error-rate', '0', '--json']);
    expect(strict.code).toBe(3);
    expect(JSON.parse(strict.out)).toMatchObject({ inserted: 0, error: { code: 'LOAD_ABORTED_ERROR_RATE' } });

    const list = JSON.parse((await cli(['jobs', 'list', '--json'])).out);
    expect(list[0].lastRun).toMatchObject({
      runId: JSON.parse(strict.out).runId,
      status: JSON.parse(strict.out).status,
    });
    const store = openStore(t.dataDir, { secretStore: new NoSecretStore() });
    try {
      expect(store.runs.get(out.runId)).toMatchObject({ jobName: 'nightly orders' });
    } finally {
      store.close();
    }
  });

  it('exports a portable spec and imports it into a fresh data folder, where it runs', async () => {
    const file = path.join(dir, 'nightly.json');
    const exported = await cli(['jobs', 'export', 'nightly orders', '-o', file]);
    expect(exported.code).toBe(0);
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(spec).toMatchObject({ name: 'nightly orders', target: { connection: 'wh' } });
    expect(JSON.stringify(spec)).not.toContain(password);

    const fresh = path.join(dir, 'fresh-home');
    const imported = await cli(['jobs', 'import', file], fresh);
    expect(imported.code).toBe(0);
    expect(imported.err).toContain("target.connection: no saved connection named 'wh' here");

    // What else the job needs and this data folder lacks is named too: a database source's
    // connection, its alert channels, a schedule that never falls due.
    const more = path.join(dir, 'more.json');
    fs.writeFileSync(
      more,
      JSON.stringify({
        ...spec,
        name: 'pg copy',
        source: { kind: 'postgres', connection: 'crm', table: 'accounts' },
        alerts: { channels: ['ops', 'team'] },
        schedule: { cron: '0 0 31 2 *' },
      }),
    );
    const warned = await cli(['jobs', 'import', more], fresh);
    expect(warned.code).toBe(0);
    expect(warned.err).toContain(
      "loadstone: warning: source.connection: no saved connection named 'crm' here; add it with 'loadstone connections add crm <url>'\n",
    );
    expect(warned.err).toContain(
      "loadstone: warning: alerts.channels: no alert channel named 'ops', 'team' here; add it with 'loadstone alerts add …' or its alerts are not sent\n",
    );
    expect(warned.err).toContain(
      "loadstone: warning: schedule.cron: '0 0 31 2 *' never falls due (in UTC); the job never runs on it\n",
    );
    expect((await cli(['jobs', 'remove', 'pg copy'], fresh)).code).toBe(0);
    const again = await cli(['jobs', 'import', file], fresh);
    expect(again.code).toBe(2);
    expect(again.err).toContain('--replace');
    expect((await cli(['jobs', 'import', file, '--replace'], fresh)).code).toBe(0);

    expect((await cli(['connections', 'add', 'wh', bareUrl], fresh)).code).toBe(0);
    const shown = JSON.parse((await cli(['jobs', 'show', 'nightly orders', '--json'], fresh)).out);
    expect(shown.spec).toEqual(spec);
    const run = await cli(['jobs', 'run', 'nightly orders', '--table', 'orders_fresh', '--json'], fresh);
    expect([run.code, JSON.parse(run.out).inserted]).toEqual([0, 3]);
  });

  it('imports from the CLI what the app then lists, and refuses an invalid file listing every problem', async () => {
    const file = path.join(dir, 'weekly.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ source: { path: 'orders-copy.csv' }, target: { connection: 'wh', table: 'weekly' } }),
    );
    fs.copyFileSync(csv, path.join(dir, 'orders-copy.csv'));
    const ok = await cli(['jobs', 'import', file]);
    expect([ok.code, ok.err]).toEqual([0, '']);
    const listed = await t.engine.handlers['jobs.list']({}, { signal: new AbortController().signal });
    expect(listed.map((j) => j.name)).toContain('weekly');
    expect(listed.find((j) => j.name === 'weekly')?.source).toBe(path.join(dir, 'orders-copy.csv'));

    // A secret named by an environment variable not set here: imported, with a warning.
    const api = path.join(dir, 'api.json');
    fs.writeFileSync(
      api,
      JSON.stringify({
        source: {
          kind: 'http',
          url: 'https://api.example.com/v1/orders',
          auth: { type: 'bearer', token: { env: 'ORDERS_API_TOKEN' } },
          query: { region: 'eu', api_key: { env: 'ORDERS_API_KEY' } },
        },
        target: { connection: 'wh', table: 'api_orders' },
      }),
    );
    const withEnv = await runCli(['jobs', 'import', api], {
      cwd: dir,
      env: { ...env(t.dataDir), ORDERS_API_KEY: 'set-here' },
    });
    expect([withEnv.code, withEnv.err]).toEqual([
      0,
      'loadstone: warning: source.auth.token: the environment variable ORDERS_API_TOKEN is not set here; whatever runs the job (jobs run, the scheduler, the app) needs it set\n',
    ]);
    expect((await cli(['jobs', 'remove', 'api'])).code).toBe(0);

    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({
        source: { path: 'x.csv', format: 'docx' },
        target: { table: 't', mode: 'upsert' },
        schedule: { cron: '61 * * * *', timezone: 'Mars/Olympus', missed: 'later' },
      }),
    );
    const refused = await cli(['jobs', 'import', bad]);
    expect(refused.code).toBe(2);
    for (const p of ['source.format', 'schedule.cron', 'schedule.timezone', 'schedule.missed'])
      expect(refused.err).toContain(`  ${p}: `);
    expect((await cli(['jobs', 'show', 'bad'])).code).toBe(2);
  });

  it("pauses and resumes a job's schedule, as the app's Pause / Resume do", async () => {
    const entry = async () =>
      (
        JSON.parse((await cli(['jobs', 'list', '--json'])).out) as {
          name: string;
          paused: boolean;
          nextRunAt: string | null;
        }[]
      ).find((j) => j.name === 'nightly orders');
    const paused = await cli(['jobs', 'pause', 'nightly orders']);
    expect([paused.code, paused.out]).toEqual([
      0,
      "Paused: job 'nightly orders' runs by its schedule no more until 'loadstone jobs resume nightly orders'.\n",
    ]);
    expect(await entry()).toMatchObject({ paused: true, nextRunAt: null });
    // What the app reads: the same state.
    expect(
      (
        (await t.engine.handlers['jobs.list']({}, { signal: new AbortController().signal })) as {
          name: string;
          paused: boolean;
        }[]
      ).find((j) => j.name === 'nightly orders')?.paused,
    ).toBe(true);
    expect((await cli(['jobs', 'pause', 'nightly orders'])).out).toMatch(/^Already paused: /);
    const resumed = await cli(['jobs', 'resume', 'nightly orders']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/^Resumed: job 'nightly orders' runs by its schedule, next at /);
    expect(await entry()).toMatchObject({ paused: false, nextRunAt: expect.any(String) });
    const unknown = await cli(['jobs', 'pause', 'nope']);
    expect([unknown.code, unknown.err]).toEqual([
      2,
      "loadstone: no saved job named 'nope' (see 'loadstone jobs list')\n",
    ]);
  });

  it('removes a job', async () => {
    expect((await cli(['jobs', 'remove', 'weekly'])).code).toBe(0);
    expect((await cli(['jobs', 'remove', 'weekly'])).code).toBe(2);
    const names = JSON.parse((await cli(['jobs', 'list', '--json'])).out).map(
      (j: { name: string }) => j.name,
    );
    expect(names).toEqual(['nightly orders']);
  });
});

describe('two `jobs run` processes of one job', () => {
  it('never overlap: the second exits 5 naming the first, which then finishes', async () => {
    const processEnv = { ...process.env, ...env(t.dataDir) };
    // The first run holds the job while PostgreSQL keeps its target table locked.
    const blocker = new pg.Client({ connectionString: dbUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    const first = spawn(process.execPath, [BIN, 'jobs', 'run', 'nightly orders', '--json'], {
      cwd: dir,
      env: processEnv,
    });
    let firstOut = '';
    first.stdout.on('data', (d) => {
      firstOut += d;
    });
    const firstExit = new Promise<number>((resolve) => first.on('exit', (code) => resolve(code ?? -1)));
    const store = openStore(t.dataDir, { secretStore: new NoSecretStore() });
    try {
      await until(() => store.jobLocks.holder('nightly orders')?.pid === first.pid);
      await until(async () => {
        const waiting = await db.query(
          "SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'orders'::regclass",
        );
        return waiting.rowCount === 1;
      });
      const second = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
        execFile(
          process.execPath,
          [BIN, 'jobs', 'run', 'nightly orders', '--json'],
          { cwd: dir, env: processEnv },
          (error, out, err) =>
            resolve({ code: error ? Number((error as { code?: number }).code) : 0, out, err }),
        ),
      );
      expect(second.code).toBe(5);
      expect(second.out).toBe('');
      expect(second.err).toContain("job 'nightly orders' is already running");
      expect(second.err).toContain(`pid ${first.pid}`);
      await blocker.query('COMMIT');
      expect(await firstExit).toBe(0);
      expect(JSON.parse(firstOut)).toMatchObject({ status: 'succeeded', inserted: 3 });
      expect(store.jobLocks.holder('nightly orders')).toBeUndefined();
    } finally {
      store.close();
      await blocker.end();
    }
  });

  it('takes over the lock of a process that died holding it', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    const pid = dead.pid!;
    await new Promise((resolve) => dead.on('exit', resolve));
    const store = openStore(t.dataDir, { secretStore: new NoSecretStore() });
    try {
      const now = new Date().toISOString();
      store.context.db
        .prepare('INSERT INTO job_locks VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run('nightly orders', 'old', pid, os.hostname(), 'crashed', now, now);
      expect(store.jobLocks.holder('nightly orders')).toBeUndefined();
      const run = await cli(['jobs', 'run', 'nightly orders', '--dry-run', '--json']);
      expect(run.code).toBe(0);
      // A live pid whose heartbeat stopped 3 minutes ago (the pid was reused), or another host: gone too.
      const stale = new Date(Date.now() - 3 * 60_000).toISOString();
      const insert = store.context.db.prepare('INSERT INTO job_locks VALUES (?, ?, ?, ?, ?, ?, ?)');
      insert.run('nightly orders', 'stale', process.ppid, os.hostname(), 'stale', stale, stale);
      expect(store.jobLocks.holder('nightly orders')).toBeUndefined();
      store.context.db.prepare('DELETE FROM job_locks').run();
      insert.run('nightly orders', 'far', process.ppid, 'another-host', 'far', now, now);
      expect(store.jobLocks.holder('nightly orders')).toBeUndefined();
      store.context.db.prepare('DELETE FROM job_locks').run();
      insert.run('nightly orders', 'live', process.ppid, os.hostname(), 'live', now, now);
      expect(store.jobLocks.holder('nightly orders')).toMatchObject({ pid: process.ppid, purpose: 'live' });
      store.context.db.prepare('DELETE FROM job_locks').run();
    } finally {
      store.close();
    }
  });
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('jobs usage errors', () => {
  it('names what is wrong, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['jobs'], 'jobs needs a subcommand'],
      [['jobs', 'frobnicate'], "unknown jobs subcommand 'frobnicate'"],
      [['jobs', 'run', 'nightly orders', '-o', 'x.json'], 'jobs run does not take --replace or -o'],
      [['jobs', 'run', 'nightly orders', '--name', 'other'], 'jobs run takes no --name'],
      [['jobs', 'list', '--dry-run'], 'jobs list does not take --dry-run'],
      [['jobs', 'show'], 'usage: loadstone jobs show <name> [--json]'],
      [['jobs', 'run', 'nightly orders', '--mode', 'sideways'], '--mode must be one of'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.err).toContain(message);
    }
  });
});

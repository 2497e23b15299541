import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { runCli } from './test-support.ts';

// A real `loadstone load --commit-every` process is killed with SIGKILL once the target shows a
// commit; the run then says what it committed, and `load --resume` loads the rest exactly once.

const dir = mkdtempSync(join(tmpdir(), 'loadstone-resume-'));
const dataDir = join(dir, 'data');
const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'loadstone.mjs');
const ROWS = 1_500_000;
/** Every BAD_EVERY-th row has an extra field: rejected at parse, never loaded. */
const BAD_EVERY = 5_000;
const BAD = Math.floor(ROWS / BAD_EVERY);
/** A whole second, so the file's mtime can be put back exactly after the test changes it. */
const MTIME = 1_700_000_000;
let url = '';
let client: pg.Client;
const file = join(dir, 'big.csv');
const original = join(dir, 'big.csv.orig');

function cli(args: string[]) {
  return runCli(args, { cwd: dir, env: { LOADSTONE_HOME: dataDir } });
}

async function writeBig(): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('id,name,amount\n');
  let block = '';
  for (let i = 1; i <= ROWS; i++) {
    block += i % BAD_EVERY === 0 ? `${i},name ${i},${i % 1000}.5,extra\n` : `${i},name ${i},${i % 1000}.5\n`;
    if (block.length > 1 << 20) {
      await write(block);
      block = '';
    }
  }
  await write(block);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  utimesSync(file, MTIME, MTIME);
  copyFileSync(file, original);
}

/** Waits until `check` gives a value (polling the condition, never a fixed sleep as the assertion). */
async function until<T>(check: () => Promise<T | null>, child: ChildProcess): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (child.exitCode !== null)
      throw new Error(`the load ended (exit ${child.exitCode}) before a commit was seen`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function count(sql: string): Promise<number> {
  return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_resume');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await writeBig();
});
afterAll(async () => {
  await client?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('an append killed with SIGKILL after some commits', () => {
  let runId = '';
  let committedAtKill = 0;

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      [bin, 'load', file, '--target', url, '--table', 'big', '--commit-every', '50000', '--json'],
      { env: { ...process.env, LOADSTONE_HOME: dataDir }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const row = await until(async () => {
        const exists = await client.query<{ t: string | null }>(
          "SELECT to_regclass('public.loadstone_load_progress')::text AS t",
        );
        if (!exists.rows[0]?.t) return null;
        const r = await client.query<{ run_id: string; inserted: string }>(
          'SELECT run_id, inserted FROM public.loadstone_load_progress',
        );
        return r.rows[0] ?? null;
      }, child);
      runId = row.run_id;
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    committedAtKill = await count('SELECT count(*) AS n FROM big');
  }, 120_000);

  it('was stopped part way: some rows committed, not all', () => {
    expect(committedAtKill).toBeGreaterThan(0);
    expect(committedAtKill).toBeLessThan(ROWS - BAD);
  });

  it('runs <id> --json shows counts.inserted equal to the rows in the target, read from the control row', async () => {
    // Without the password (the store keeps the URL redacted) the target cannot be read: the run
    // store's last commit stands, and the output says so.
    const fromStore = JSON.parse((await cli(['runs', runId, '--json'])).out);
    expect(fromStore.reconciled.origin).toBe('run_store');
    expect(fromStore.reconciled.reason).toMatch(/the target could not be read: .*password/);
    expect(fromStore.reconciled.reason).not.toContain(new URL(url).password);
    expect(fromStore.counts.inserted).toBeLessThanOrEqual(committedAtKill);
    const r = await cli(['runs', runId, '--target', url, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const run = JSON.parse(r.out);
    expect(run.status).toBe('interrupted');
    expect(run.counts.inserted).toBe(committedAtKill);
    expect(run.reconciled).toEqual({ origin: 'target', reason: null });
    expect(run.resume.countsOrigin).toBe('target');
    const c = run.resume.committed;
    // The committed prefix: every record up to `records` is committed or rejected.
    expect(c.records).toBe(run.counts.read);
    expect(run.counts.read).toBe(run.counts.inserted + run.counts.rejected);
    expect(run.counts.rejected).toBe(Math.floor(c.records / BAD_EVERY));
    // The rows committed are exactly ids 1..records, less the rejected ones.
    expect(await count('SELECT max(id) AS n FROM big')).toBe(c.records);
    const text = await cli(['runs', runId]);
    expect(text.out).toMatch(/Counts\s+from the target's control row/);
    // Every row the committed part applied, by outcome (an upsert's unchanged rows are committed too).
    expect(text.out).toContain(
      `Committed inserted ${c.counts.inserted}, updated 0, unchanged 0 through source record ${c.records} (line`,
    );
    expect(text.out).toContain(`loadstone load --resume ${runId}`);
  });

  it('refuses to resume from a file whose committed bytes changed (same size, same mtime)', async () => {
    const bytes = Buffer.from('id,name,amount\n1,name X');
    const fd = createWriteStream(file, { flags: 'r+', start: 0 });
    await new Promise<void>((resolve, reject) => fd.end(bytes, () => resolve()).once('error', reject));
    utimesSync(file, MTIME, MTIME);
    const r = await cli(['load', '--resume', runId, '--target', url, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/changed since the run read it: its first \d+ bytes \(the committed part\) differ/);
    copyFileSync(original, file);
    utimesSync(file, MTIME, MTIME);
  });

  it('refuses to resume from a file that grew, naming its size', async () => {
    writeFileSync(file, `${ROWS + 1},name,1.5\n`, { flag: 'a' });
    const r = await cli(['load', '--resume', runId, '--target', url]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/its size was \d+ bytes and is now \d+/);
    expect(r.err).toMatch(/it was modified/);
    copyFileSync(original, file);
    utimesSync(file, MTIME, MTIME);
  });

  it('says so when the stored URL lacks its password and nothing else gives one', async () => {
    const r = await cli(['load', '--resume', runId]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/its target URL is kept without its password .*--target URL/);
    expect(r.err).not.toContain(new URL(url).password);
  });

  it('refuses flags that would change what the run loads', async () => {
    const r = await cli(['load', '--resume', runId, '--table', 'other']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--table cannot be given with it/);
  });

  it('load --resume loads the rest: every row exactly once, rejected rows recorded once', async () => {
    const r = await cli(['load', '--resume', runId, '--target', url, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.status).toBe('succeeded');
    expect(out.resumeOf).toBe(runId);
    expect(out.inserted).toBe(ROWS - BAD - committedAtKill);
    expect(await count('SELECT count(*) AS n FROM big')).toBe(ROWS - BAD);
    expect(await count('SELECT count(DISTINCT id) AS n FROM big')).toBe(ROWS - BAD);
    expect(await count(`SELECT count(*) AS n FROM big WHERE id % ${BAD_EVERY} = 0`)).toBe(0);

    const first = JSON.parse((await cli(['runs', runId, '--json'])).out);
    const second = JSON.parse((await cli(['runs', out.runId, '--json'])).out);
    expect(first.resume.resumedBy).toEqual([out.runId]);
    expect(second.resume.resumeOf).toBe(runId);
    expect(first.counts.inserted + second.counts.inserted).toBe(ROWS - BAD);
    expect(first.counts.read + second.counts.read).toBe(ROWS);
    expect(first.counts.rejected + second.counts.rejected).toBe(BAD);
    const lines = async (id: string) =>
      JSON.parse((await cli(['errors', id, '--json', '--limit', '1000'])).out).rows.map(
        (row: { line: number }) => row.line,
      );
    const all = [...(await lines(runId)), ...(await lines(out.runId))].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: BAD }, (_, i) => (i + 1) * BAD_EVERY + 1));

    const again = await cli(['load', '--resume', runId, '--target', url]);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`run ${out.runId} already resumes it`);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { runCli } from './test-support.ts';

// A real `loadstone load --commit-every` process gets Ctrl-C (SIGINT) twice. The first cancels the
// load and says so; while the rollback is held up (its cancel request's connection never gets an
// answer), the second forces the exit: exit code 130, words on what the target keeps, and the run
// recorded as interrupted at once. Before, the second Ctrl-C killed the process without a word.
//
// The load is held at a known place, never timed: the test takes a SHARE lock on the table once a
// commit is in it, so the load's next chunk waits; and the target is reached through a TCP relay
// that stops answering new connections before the first Ctrl-C, so the cancel (pg_cancel_backend
// from a second connection) waits too, and with it the rollback.

const dir = mkdtempSync(join(tmpdir(), 'loadstone-interrupt-'));
const dataDir = join(dir, 'data');
const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'loadstone.mjs');
const file = join(dir, 'rows.csv');
const ROWS = 200_000;
const COMMIT_EVERY = 100;
let client: pg.Client;
let relay: net.Server;
/** Set before the first Ctrl-C: new connections through the relay get no answer. */
let stalled = false;
const sockets = new Set<net.Socket>();
let relayUrl = '';
let url = '';

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_interrupt');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE TABLE ticks (id integer, label text)');
  const target = new URL(url);
  relay = net.createServer((incoming) => {
    sockets.add(incoming);
    incoming.on('error', () => {});
    if (stalled) return; // accepted, never answered
    const outgoing = net.connect(Number(target.port), target.hostname);
    sockets.add(outgoing);
    outgoing.on('error', () => incoming.destroy());
    incoming.on('close', () => outgoing.destroy());
    outgoing.on('close', () => incoming.destroy());
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((relay.address() as net.AddressInfo).port);
  relayUrl = relayed.toString();
  const out = createWriteStream(file);
  let text = 'id,label\n';
  for (let i = 1; i <= ROWS; i++) text += `${i},row ${i}\n`;
  await new Promise<void>((resolve, reject) =>
    out.end(text, (e?: Error | null) => (e ? reject(e) : resolve())),
  );
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => relay?.close(resolve));
  await client?.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until `check` holds (polling a condition; the child ending first fails the test). */
async function until(check: () => Promise<boolean> | boolean, child: ChildProcess, what: string) {
  for (;;) {
    if (await check()) return;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the load ended (exit ${child.exitCode ?? child.signalCode}) before ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function count(sql: string): Promise<number> {
  return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
}

describe('Ctrl-C twice during a --commit-every load', () => {
  it('the first says the load is being rolled back, the second exits 130 saying what stays', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'load', file, '--target', relayUrl, '--table', 'ticks', '--commit-every', String(COMMIT_EVERY)],
      { env: { ...process.env, LOADSTONE_HOME: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(
        async () =>
          (await count("SELECT count(*) AS n FROM pg_class WHERE relname = 'loadstone_load_progress'")) > 0,
        child,
        'a commit',
      );
      // The load's next chunk waits behind this lock (taken once its open transaction commits).
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN; LOCK TABLE ticks IN SHARE MODE');
        await until(
          async () =>
            (await count(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'COPY%ticks%'",
            )) > 0,
          child,
          'the load waited for the lock',
        );
        const committed = await count('SELECT count(*) AS n FROM ticks');
        expect(committed).toBeGreaterThan(0);
        expect(committed).toBeLessThan(ROWS);

        stalled = true;
        child.kill('SIGINT');
        await until(() => stderr.includes('Press Ctrl-C again'), child, 'the first Ctrl-C was answered');
        expect(stderr).toContain(
          'loadstone: cancelling the load into ticks: rolling back what it wrote since its last commit (the chunks --commit-every committed stay). Press Ctrl-C again to exit at once without waiting for the rollback.',
        );
        child.kill('SIGINT');
        expect(await exited).toBe(130);
        stalled = false; // `runs` below may try the target
        expect(stderr).toContain(
          'loadstone: forced exit (a second Ctrl-C) before the load into ticks finished stopping.',
        );
        expect(stderr).toContain(
          "  Target: PostgreSQL rolls back the load's open transaction when its connection drops (as this process exits): nothing it wrote since its last commit stays in ticks.",
        );
        expect(stderr).toMatch(
          new RegExp(
            `  Committed before \\(--commit-every\\), and kept: ${committed.toLocaleString('en-US')} rows inserted \\(through source record ${committed.toLocaleString('en-US')}\\), as far as the run store heard`,
          ),
        );
        const runId = /Run (\S+): recorded as interrupted/.exec(stderr)?.[1];
        expect(runId).toBeDefined();
        expect(stderr).toContain(
          `  Run ${runId}: recorded as interrupted ("the process was forced to exit (a second Ctrl-C) while the load was stopping").`,
        );

        // What the run store recorded, at once (not at the next store open).
        const run = JSON.parse(
          (await runCli(['runs', runId!, '--json'], { cwd: dir, env: { LOADSTONE_HOME: dataDir } })).out,
        );
        expect(run.status).toBe('interrupted');
        expect(run.counts.inserted).toBe(committed);
      } finally {
        await holder.query('ROLLBACK').catch(() => {});
        await holder.end();
      }
      // The load's connection is gone with the process: its open transaction rolled back, the
      // committed chunks stay.
      await until(
        async () =>
          (await count("SELECT count(*) AS n FROM pg_stat_activity WHERE query ILIKE 'COPY%ticks%'")) === 0,
        { exitCode: null, signalCode: null } as ChildProcess,
        'the load backend ended',
      );
      expect(await count('SELECT count(*) AS n FROM ticks')).toBe(
        await count('SELECT inserted AS n FROM loadstone_load_progress'),
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

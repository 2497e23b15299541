import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTERRUPTED_REASON } from './interrupted.ts';
import { openStore, type RunStore } from './open-store.ts';
import { makeRejects, runChild, sampleSpec, tempDir, testSecretStore } from './test-fixtures/support.ts';

function open(dir: string, now?: () => Date): RunStore {
  return openStore(dir, now ? { secretStore: testSecretStore(), now } : { secretStore: testSecretStore() });
}

describe('runs', () => {
  it('records a run from start to finish, newest first in lists', () => {
    const store = open(tempDir());
    const a = store.runs.create({
      spec: sampleSpec({ table: 'a' }),
      jobName: 'nightly',
      sourceColumns: ['x'],
    });
    const b = store.runs.create({ spec: sampleSpec({ table: 'b' }), dryRun: true });
    expect(a).toMatch(/^r_\d{8}_\d{6}_[a-z2-9]{4}$/);
    store.runs.update(a, { phase: 'loading', counts: { read: 10 } });
    store.runs.addEvent(a, { kind: 'phase', message: 'loading', data: { rows: 10 } });
    store.runs.finish(a, { status: 'succeeded', counts: { read: 12, inserted: 11, rejected: 1 } });
    store.runs.finish(b, { status: 'failed', error: { code: 'TARGET_UNREACHABLE', message: 'no route' } });

    expect(store.runs.list().map((r) => r.id)).toEqual([b, a]);
    expect(store.runs.list({ status: 'failed' }).map((r) => r.id)).toEqual([b]);
    expect(store.runs.list({ limit: 1 }).map((r) => r.id)).toEqual([b]);
    const run = store.runs.get(a)!;
    expect(run).toMatchObject({
      jobName: 'nightly',
      source: '/data/orders.csv',
      target: 'local',
      table: 'a',
      mode: 'append',
      dryRun: false,
      status: 'succeeded',
      phase: null,
      counts: { read: 12, inserted: 11, updated: 0, unchanged: 0, rejected: 1 },
      sourceColumns: ['x'],
      error: null,
    });
    expect(run.endedAt! >= run.startedAt).toBe(true);
    expect(run.spec.target?.table).toBe('a');
    expect(store.runs.get(b)).toMatchObject({
      status: 'failed',
      dryRun: true,
      error: 'no route',
      errorCode: 'TARGET_UNREACHABLE',
    });
    expect(store.runs.events(a)).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        kind: 'phase',
        message: 'loading',
        data: { rows: 10 },
      },
    ]);
    // A finished run is final.
    expect(() => store.runs.finish(a, { status: 'failed' })).toThrowError('is succeeded, not running');
    expect(() => store.runs.update(a, { phase: 'x' })).toThrowError('not running');
    expect(() => store.runs.finish('r_missing', { status: 'failed' })).toThrowError(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(store.runs.get('r_missing')).toBeUndefined();
    store.close();
  });

  it('never records a password from the spec, an error message or an event', () => {
    const dir = tempDir();
    const store = open(dir);
    const id = store.runs.create({ spec: sampleSpec({ connection: 'postgres://u:hunter2@h/db' }) });
    store.runs.addEvent(id, {
      kind: 'warning',
      message: 'retrying postgres://u:hunter2@h/db',
      data: { url: 'postgres://u:hunter2@h/db' },
    });
    store.runs.finish(id, {
      status: 'failed',
      error: { message: 'cannot connect to postgres://u:hunter2@h/db' },
    });
    const run = store.runs.get(id)!;
    expect(run.target).toBe('postgres://u:***@h/db');
    expect(JSON.stringify([run, store.runs.events(id)])).not.toContain('hunter2');
    store.close();
    const bytes = Buffer.concat(fs.readdirSync(dir).map((n) => fs.readFileSync(path.join(dir, n))));
    expect(bytes.includes(Buffer.from('hunter2'))).toBe(false);
  });

  it('marks runs of a process that ended without finishing as interrupted, at the next open', async () => {
    const dir = tempDir();
    open(dir).close();
    const lines: string[] = [];
    const child = await runChild('./child-run.ts', ['abandon', dir], (l) => lines.push(l));
    expect(child.code).toBe(0);
    const runId = lines.find((l) => l.startsWith('run '))!.slice(4);

    const store = open(dir);
    expect(store.interruptedAtOpen).toEqual([runId]);
    expect(store.runs.get(runId)).toMatchObject({ status: 'interrupted', error: INTERRUPTED_REASON });
    expect(store.runs.events(runId)).toMatchObject([{ kind: 'interrupted', message: INTERRUPTED_REASON }]);
    store.close();
  });

  it('leaves a run of a live process alone; a store closed mid-run marks its own runs', () => {
    const dir = tempDir();
    const loader = open(dir);
    const id = loader.runs.create({ spec: sampleSpec() });
    // Another handle in a live process (the CLI while the app loads) must not touch it.
    const reader = open(dir);
    expect(reader.interruptedAtOpen).toEqual([]);
    expect(reader.runs.get(id)?.status).toBe('running');
    loader.close();
    expect(reader.runs.get(id)).toMatchObject({
      status: 'interrupted',
      error: 'the run store was closed before the run finished',
    });
    reader.close();
  });
});

describe('reject writers', () => {
  it('finishing a run or closing the store writes the rows a writer still holds', () => {
    const dir = tempDir();
    const store = open(dir);
    const finished = store.runs.create({ spec: sampleSpec() });
    store.rejects.writer(finished).add(makeRejects(0, 250));
    expect(store.reports.count(finished)).toBe(0);
    store.runs.finish(finished, { status: 'succeeded' });
    expect(store.reports.count(finished)).toBe(250);
    expect(store.runs.get(finished)?.counts.rejected).toBe(250);

    const open1 = store.runs.create({ spec: sampleSpec() });
    store.rejects.writer(open1, { batchSize: 100 }).add(makeRejects(0, 150));
    store.close();
    const again = open(dir);
    expect(again.reports.count(open1)).toBe(150);
    expect(again.runs.get(open1)).toMatchObject({ status: 'interrupted', counts: { rejected: 150 } });
    again.close();
  });

  it('a batch that cannot be written stays pending and the error reaches the caller', () => {
    const store = open(tempDir());
    const id = store.runs.create({ spec: sampleSpec() });
    const writer = store.rejects.writer(id, { batchSize: 2 });
    const bad = { line: 1, stage: 'nowhere', raw: {}, errors: [] } as unknown as ReturnType<
      typeof makeRejects
    >[number];
    expect(() => writer.add([makeRejects(0, 1)[0]!, bad])).toThrowError(/CHECK constraint failed/);
    expect(writer.written).toBe(0);
    expect(store.reports.count(id)).toBe(0);
    expect(() => store.close()).toThrowError(/CHECK constraint failed/);
    expect(store.context.db.open).toBe(false);
  });
});

describe('jobs', () => {
  it('validates on save and on load, and keeps the spec as given', () => {
    const store = open(tempDir());
    const input = { source: { path: 'a.csv' }, target: { table: 'orders', connection: 'wh' } };
    const info = store.jobs.save('daily', input);
    expect(info).toMatchObject({ name: 'daily', source: 'a.csv', table: 'orders' });
    expect(store.jobs.get('daily')?.spec).toMatchObject({
      source: { path: 'a.csv' },
      settings: { maxErrorRate: 0.05 },
    });
    expect(
      JSON.parse(
        store.context.db.prepare("SELECT spec FROM jobs WHERE name = 'daily'").pluck().get() as string,
      ),
    ).toEqual(input);
    expect(() => store.jobs.save('bad', { source: {} })).toThrowError(
      expect.objectContaining({ code: 'SPEC_INVALID' }),
    );
    expect(() =>
      store.jobs.save('pw', {
        source: { path: 'a.csv' },
        target: { table: 't', connection: 'postgres://u:pw@h/db' },
      }),
    ).toThrowError('never stores a password');
    // A spec that no longer validates is reported on load, naming the job.
    store.context.db
      .prepare('UPDATE jobs SET spec = \'{"source":{"path":""}}\' WHERE name = \'daily\'')
      .run();
    expect(() => store.jobs.get('daily')).toThrowError("saved job 'daily' is invalid");
    expect(store.jobs.list().map((j) => j.name)).toEqual(['daily']);
    expect(store.jobs.remove('daily')).toBe(true);
    expect(store.jobs.get('daily')).toBeUndefined();
    store.close();
  });
});

describe('settings and watermarks', () => {
  it('fills defaults, validates, persists', () => {
    const dir = tempDir();
    const store = open(dir);
    // Nothing saved: no format defaults (the built-in ones apply, never the machine's zone).
    expect(store.settings.get()).toEqual({
      timeZone: null,
      dateOrder: null,
      retention: { keepRuns: 100, keepDays: 30 },
    });
    store.settings.set({ timeZone: 'Europe/Paris', retention: { keepRuns: 5, keepDays: null } });
    expect(() => store.settings.set({ timeZone: 'Mars/Olympus' })).toThrowError(
      'timeZone: is not an IANA time zone',
    );
    expect(() => store.settings.set({ retention: { keepRuns: -1, keepDays: null } })).toThrowError(
      'retention.keepRuns',
    );
    store.close();
    const again = open(dir);
    expect(again.settings.get()).toEqual({
      timeZone: 'Europe/Paris',
      dateOrder: null,
      retention: { keepRuns: 5, keepDays: null },
    });
    // null clears a saved default.
    expect(again.settings.set({ timeZone: null, dateOrder: 'DMY' })).toMatchObject({
      timeZone: null,
      dateOrder: 'DMY',
    });
    again.watermarks.set('job:daily', 'public.orders', '2024-05-01T00:00:00Z', 'r_1');
    again.watermarks.set('job:daily', 'public.orders', '2024-06-01T00:00:00Z', 'r_2');
    expect(again.watermarks.get('job:daily', 'public.orders')).toMatchObject({
      value: '2024-06-01T00:00:00Z',
      runId: 'r_2',
    });
    expect(again.watermarks.get('job:daily', 'other')).toBeUndefined();
    again.close();
  });
});

describe('retention', () => {
  it('deletes runs outside every rule with their rejected rows, then reclaims the space', () => {
    const dir = tempDir();
    let clock = new Date('2026-01-01T00:00:00Z');
    const store = open(dir, () => clock);
    const ids: string[] = [];
    for (let day = 0; day < 6; day++) {
      clock = new Date(Date.UTC(2026, 0, 1 + day * 10));
      const id = store.runs.create({ spec: sampleSpec() });
      const writer = store.rejects.writer(id);
      writer.add(makeRejects(0, 5000));
      writer.flush();
      store.runs.finish(id, { status: 'failed' });
      ids.push(id);
    }
    clock = new Date(Date.UTC(2026, 0, 1 + 6 * 10));
    const running = store.runs.create({ spec: sampleSpec() });
    const file = path.join(dir, 'loadstone.db');
    store.context.db.pragma('wal_checkpoint(TRUNCATE)');
    const sizeBefore = fs.statSync(file).size;

    // Keep the last 2 runs OR the last 25 days: runs of days 40 and 50 (and the running one) stay.
    store.settings.set({ retention: { keepRuns: 2, keepDays: 25 } });
    const result = store.applyRetention();
    expect(result.deletedRuns.sort()).toEqual(ids.slice(0, 4).sort());
    expect(result.deletedRejectedRows).toBe(4 * 5000);
    expect(result.vacuumed).toBe(true);
    expect(store.runs.list().map((r) => r.id)).toEqual([running, ids[5], ids[4]]);
    const db = store.context.db;
    expect(db.prepare('SELECT COUNT(*) FROM rejected_rows').pluck().get()).toBe(2 * 5000);
    expect(db.prepare('SELECT COUNT(DISTINCT run_seq) FROM reject_errors').pluck().get()).toBe(2);
    expect(fs.statSync(file).size).toBeLessThan(sizeBefore * 0.6);
    expect(store.reports.count(ids[5]!)).toBe(5000);

    // Nothing to delete: no VACUUM.
    expect(store.applyRetention()).toEqual({ deletedRuns: [], deletedRejectedRows: 0, vacuumed: false });
    // No rule: keeps everything, the running run always.
    store.settings.set({ retention: { keepRuns: null, keepDays: null } });
    expect(store.applyRetention().deletedRuns).toEqual([]);
    store.settings.set({ retention: { keepRuns: 1, keepDays: null } });
    expect(store.applyRetention().deletedRuns.sort()).toEqual([ids[4], ids[5]].sort());
    expect(store.runs.list().map((r) => r.id)).toEqual([running]);
    store.close();
  });
});

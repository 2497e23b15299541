import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import type { DesktopNotice } from './http.ts';
import { createAlertOutbox } from './outbox.ts';
import { alertTestBed, FAST } from './test-bed.ts';

// The outbox's policy: which events reach which channels, the cooldown, a channel that hangs, what
// is recorded when a channel or its secret is missing.

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const bed = alertTestBed();

describe('cooldown', () => {
  it('sends one message for a burst of failures of one job, and the next message counts the rest', async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = bed.outbox({ S: WEBHOOK_SECRET });
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = bed.recordRun({
        channels: ['ops'],
        status: 'failed',
        read: 1,
        rejected: 0,
        errorCode: 'LOAD_FAILED',
      });
      statuses.push(box.alertRunEnded(id)[0]!.status);
      bed.clock = new Date(bed.clock.getTime() + 60_000);
    }
    expect(statuses).toEqual(['pending', 'suppressed', 'suppressed']);
    await box.drain(30_000);
    expect(r.requests).toHaveLength(1);

    // Another job is not held back by this one's cooldown.
    const other = bed.recordRun({
      name: 'other',
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    expect(box.alertRunEnded(other)[0]!.status).toBe('pending');

    // Past the cooldown, counted from when the first message was sent (recorded at +3 min, by the drain).
    bed.clock = new Date(bed.clock.getTime() + 16 * 60_000);
    const later = bed.recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const [d] = box.alertRunEnded(later);
    expect(d).toMatchObject({ status: 'pending', counted: 3 });
    await box.drain(30_000);
    expect(r.requests).toHaveLength(3);
    const body = JSON.parse(r.requests[2]!.body);
    expect(body).toMatchObject({ runId: later, suppressed: 2 });
  });

  it("a failure is not held back by a warning's cooldown; a warning after a failure is", async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = bed.outbox({ S: WEBHOOK_SECRET });
    const run = (status: 'succeeded' | 'failed') =>
      bed.recordRun({
        channels: ['ops'],
        warnErrorRate: 0.01,
        status,
        read: 100,
        rejected: status === 'succeeded' ? 3 : 0,
        ...(status === 'failed' ? { errorCode: 'LOAD_FAILED' } : {}),
      });
    const warned = box.alertRunEnded(run('succeeded'));
    expect(warned.map((d) => [d.event, d.status])).toEqual([['run.warning', 'pending']]);
    bed.clock = new Date(bed.clock.getTime() + 60_000);
    const warnedAgain = box.alertRunEnded(run('succeeded'));
    expect(warnedAgain.map((d) => [d.event, d.status])).toEqual([['run.warning', 'suppressed']]);
    bed.clock = new Date(bed.clock.getTime() + 60_000);
    // Within the warning's 15 minutes: the failure goes out, counting the warning held since.
    const failed = box.alertRunEnded(run('failed'));
    expect(failed.map((d) => [d.event, d.status, d.counted])).toEqual([['run.failed', 'pending', 2]]);
    bed.clock = new Date(bed.clock.getTime() + 60_000);
    // A warning (or another failure) within the failure's cooldown is held.
    expect(box.alertRunEnded(run('succeeded'))[0]!.status).toBe('suppressed');
    expect(box.alertRunEnded(run('failed'))[0]!.status).toBe('suppressed');
    await box.drain(30_000);
    expect(r.requests.map((q) => JSON.parse(q.body).type)).toEqual(['run.warning', 'run.failed']);
  });

  it('when the cooldown ends, the latest held problem is sent, counting those held with it', async () => {
    bed.reopen({ realClock: true }); // the real clock: the cooldown runs out
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = createAlertOutbox({
      store: bed.store,
      env: { S: WEBHOOK_SECRET },
      policy: { ...FAST, cooldownMs: 300 },
    });
    const ids = [0, 1, 2].map(() => {
      const id = bed.recordRun({
        channels: ['ops'],
        status: 'failed',
        read: 1,
        rejected: 0,
        errorCode: 'LOAD_FAILED',
      });
      box.alertRunEnded(id);
      return id;
    });
    await r.waitFor(2);
    await box.drain(30_000);
    const body = JSON.parse(r.requests[1]!.body);
    expect(body).toMatchObject({ type: 'run.failed', runId: ids[2], suppressed: 1 });
    expect(
      ids.map((id) => bed.store.alerts.deliveriesOfRun(id)[0]).map((d) => [d!.status, d!.counted]),
    ).toEqual([
      ['sent', 1],
      ['suppressed', 1],
      ['sent', 2],
    ]);
    expect(r.requests).toHaveLength(2);
  });

  it('a message that was not delivered starts no cooldown', async () => {
    const r = await bed.receiver((i) => (i === 0 ? { status: 400, body: 'bad' } : { status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = bed.outbox({ S: WEBHOOK_SECRET });
    const first = bed.recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    box.alertRunEnded(first);
    await box.drain(30_000);
    expect(bed.store.alerts.deliveriesOfRun(first)[0]!.status).toBe('failed');
    const second = bed.recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    expect(box.alertRunEnded(second)[0]!.status).toBe('pending');
    await box.drain(30_000);
    expect(bed.store.alerts.deliveriesOfRun(second)[0]!.status).toBe('sent');
  });
});

describe('a channel that hangs', () => {
  it('does not hold the caller: deliveries start pending, and a bounded drain records them abandoned', async () => {
    const r = await bed.receiver(() => 'hang');
    bed.store.alerts.saveChannel({ name: 'slow', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const runId = bed.recordRun({
      channels: ['slow'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = bed.outbox({ S: WEBHOOK_SECRET });
    // alertRunEnded returns at once (synchronously), before the receiver has answered anything.
    const [d] = box.alertRunEnded(runId);
    expect(d!.status).toBe('pending');
    await r.waitFor(1);
    expect(bed.store.alerts.deliveriesOfRun(runId)[0]!.status).toBe('pending');
    const { abandoned } = await box.drain(100);
    expect(abandoned).toBe(1);
    expect(bed.store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      status: 'abandoned',
      errorCode: 'abandoned',
      attempts: 1,
    });
  });
});

describe('other events', () => {
  it('a run found interrupted at start-up', async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const spec = parseJobSpec({
      name: 'nightly',
      source: { path: '/data/orders.csv' },
      target: { table: 'orders' },
      alerts: { channels: ['ops'] },
    });
    const id = bed.store.runs.create({ spec, jobName: 'nightly' });
    bed.store.close(); // the process ended with the run going
    bed.reopen();
    const box = bed.outbox({ S: WEBHOOK_SECRET });
    box.alertInterrupted(id);
    await box.drain(30_000);
    expect(JSON.parse(r.requests[0]!.body)).toMatchObject({
      type: 'run.interrupted',
      runId: id,
      status: 'interrupted',
    });
  });

  it('a run another command marked interrupted is alerted once by the next process that looks, within 24 h', async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const spec = parseJobSpec({
      name: 'nightly',
      source: { path: '/data/orders.csv' },
      target: { table: 'orders' },
      alerts: { channels: ['ops'] },
    });
    // Runs whose process ended while they were going, marked interrupted by a command that sends
    // no alert (`loadstone runs` after the scheduler was killed), 25 h apart.
    const old = bed.store.runs.create({ spec, jobName: 'nightly' });
    bed.store.close();
    bed.clock = new Date(bed.clock.getTime() + 25 * 60 * 60 * 1000);
    const id = bed.reopen().runs.create({ spec, jobName: 'nightly' });
    bed.store.close();
    bed.reopen(); // the scheduler starts: it found nothing interrupted itself
    expect(bed.store.interruptedAtOpen).toEqual([]);
    expect([old, id].map((run) => bed.store.runs.get(run)?.status)).toEqual(['interrupted', 'interrupted']);

    const box = bed.outbox({ S: WEBHOOK_SECRET });
    expect(box.alertUnreportedInterruptions().map((d) => [d.runId, d.event])).toEqual([
      [id, 'run.interrupted'],
    ]);
    await box.drain(30_000);
    expect(r.requests.map((q) => JSON.parse(q.body).runId)).toEqual([id]);
    // Once: the next start finds it alerted; the one marked 25 h earlier is not sent now.
    expect(bed.outbox({ S: WEBHOOK_SECRET }).alertUnreportedInterruptions()).toEqual([]);
    expect(bed.store.alerts.deliveriesOfRun(old)).toEqual([]);
  });

  it('a missed schedule, by the default rule, and success only when opted in', async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    bed.store.alerts.setDefaultRules({ channels: ['ops'] });
    const box = bed.outbox({ S: WEBHOOK_SECRET });
    const [d] = box.alertScheduleProblem({
      job: 'nightly',
      kind: 'missed',
      detail: 'the machine was asleep at 02:00',
    });
    await box.drain(30_000);
    expect(d!.event).toBe('schedule.missed');
    expect(JSON.parse(r.requests[0]!.body)).toMatchObject({
      type: 'schedule.missed',
      job: 'nightly',
      schedule: { kind: 'missed', detail: 'the machine was asleep at 02:00' },
    });

    const quiet = bed.recordRun({ channels: ['ops'], status: 'succeeded', read: 10, rejected: 0 });
    expect(box.alertRunEnded(quiet)).toEqual([]);
    const loud = bed.recordRun({
      channels: ['ops'],
      on: ['success'],
      status: 'succeeded',
      read: 10,
      rejected: 0,
    });
    expect(box.alertRunEnded(loud).map((x) => x.event)).toEqual(['run.succeeded']);
    await box.drain(30_000);
  });

  it('desktop: handed to the host, and failed with no_desktop where there is none', async () => {
    bed.store.alerts.saveChannel({ name: 'me', kind: 'desktop', config: {} });
    const runId = bed.recordRun({
      channels: ['me'],
      status: 'failed',
      read: 3,
      rejected: 1,
      errorCode: 'LOAD_FAILED',
    });
    const shown: DesktopNotice[] = [];
    const box = bed.outbox({}, (n) => shown.push(n));
    box.alertRunEnded(runId);
    await box.drain(30_000);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      title: 'Load failed: nightly-orders',
      link: `#/runs/${runId}`,
      runId,
      event: 'run.failed',
    });
    expect(shown[0]!.body).toContain('3 read · 2 loaded · 1 rejected');

    bed.clock = new Date(bed.clock.getTime() + 60 * 60_000);
    const second = bed.recordRun({
      channels: ['me'],
      status: 'failed',
      read: 3,
      rejected: 1,
      errorCode: 'LOAD_FAILED',
    });
    const cli = bed.outbox();
    cli.alertRunEnded(second);
    await cli.drain(30_000);
    expect(bed.store.alerts.deliveriesOfRun(second)[0]).toMatchObject({
      status: 'failed',
      errorCode: 'no_desktop',
    });
  });

  it('a missing environment variable or channel is recorded, not thrown', async () => {
    bed.store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: 'http://127.0.0.1:9/x', secretEnv: 'NOPE' },
    });
    const runId = bed.recordRun({
      channels: ['ops', 'ghost'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = bed.outbox({});
    box.alertRunEnded(runId);
    await box.drain(30_000);
    const ds = bed.store.alerts.deliveriesOfRun(runId);
    expect(ds.map((d) => [d.channel, d.status, d.errorCode, d.lastError])).toEqual([
      [
        'ops',
        'failed',
        'secret_missing',
        'environment variable NOPE (the webhook signing secret) is not set',
      ],
      ['ghost', 'failed', 'channel_missing', "no alert channel named 'ghost' (see 'loadstone alerts list')"],
    ]);
  });
});

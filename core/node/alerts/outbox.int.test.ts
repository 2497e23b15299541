import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { makeRejects, tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import type { DesktopNotice } from './http.ts';
import { type AlertOutbox, createAlertOutbox } from './outbox.ts';
import { type Receiver, type Reply, startReceiver } from './test-support.ts';

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const SLACK_PATH = `/services/T000/B000/${randomBytes(12).toString('hex')}`;
const BOT_TOKEN = `123456:${randomBytes(16).toString('hex')}`;
const FAST = { minBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 5000 };

let dir: string;
let store: RunStore;
let receivers: Receiver[];
let clock: Date;
let logs: string[];

beforeEach(() => {
  dir = tempDir();
  clock = new Date('2026-12-05T08:00:00Z');
  store = open();
  receivers = [];
  logs = [];
});
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  store.close();
});

function open(): RunStore {
  return openStore(dir, { secretStore: testSecretStore(), now: () => clock });
}

async function receiver(reply: (index: number) => Reply, max = 10): Promise<Receiver> {
  const r = await startReceiver((_req, i) => reply(i), max);
  receivers.push(r);
  return r;
}

function outbox(env: NodeJS.ProcessEnv = {}, desktop?: (n: DesktopNotice) => void): AlertOutbox {
  return createAlertOutbox({
    store,
    env,
    policy: FAST,
    log: (line) => logs.push(line),
    ...(desktop ? { desktop } : {}),
  });
}

/** A recorded run with `rejected` rows of makeRejects (their raw cells are x1, x2, …). */
function recordRun(opts: {
  name?: string;
  channels: string[];
  on?: string[];
  warnErrorRate?: number;
  status: 'succeeded' | 'failed';
  read: number;
  rejected: number;
  errorCode?: string;
}): string {
  const spec = parseJobSpec({
    name: opts.name ?? 'nightly-orders',
    source: { path: '/data/orders.csv' },
    target: { connection: 'local', table: 'orders' },
    alerts: {
      channels: opts.channels,
      ...(opts.on ? { on: opts.on } : {}),
      warnErrorRate: opts.warnErrorRate,
    },
  });
  const id = store.runs.create({
    spec,
    jobName: spec.name ?? null,
    sourceColumns: ['id', 'amount', 'date', 'note'],
  });
  const writer = store.rejects.writer(id);
  writer.add(makeRejects(0, opts.rejected));
  writer.flush();
  store.runs.finish(id, {
    status: opts.status,
    counts: { read: opts.read, inserted: opts.read - opts.rejected, rejected: opts.rejected },
    error: opts.errorCode ? { code: opts.errorCode, message: `the load stopped (${opts.errorCode})` } : null,
    durationMs: 1234,
  });
  return id;
}

describe('generic webhook (Standard Webhooks)', () => {
  it('posts a message the standardwebhooks library verifies, with the same webhook-id across retries on 500', async () => {
    const r = await receiver((i) => (i < 2 ? { status: 500, body: 'busy' } : { status: 204 }));
    store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: `${r.url}/hooks`, secretEnv: 'HOOK_SECRET' },
    });
    const runId = recordRun({
      channels: ['ops'],
      status: 'succeeded',
      read: 400,
      rejected: 4,
      warnErrorRate: 0.005,
    });

    const box = outbox({ HOOK_SECRET: WEBHOOK_SECRET });
    const started = box.alertRunEnded(runId);
    expect(started.map((d) => [d.channel, d.event, d.status])).toEqual([['ops', 'run.warning', 'pending']]);
    await box.drain(30_000);

    expect(r.requests).toHaveLength(3);
    const ids = new Set(r.requests.map((q) => q.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBe(started[0]!.messageId);
    const wh = new Webhook(WEBHOOK_SECRET);
    for (const q of r.requests) {
      expect(q.headers['content-type']).toBe('application/json');
      expect(() => wh.verify(q.body, q.headers as Record<string, string>)).not.toThrow();
    }
    // A body changed in transit no longer verifies.
    const last = r.requests[2]!;
    expect(() =>
      wh.verify(last.body.replace('orders', 'orderz'), last.headers as Record<string, string>),
    ).toThrow();

    const body = JSON.parse(last.body);
    expect(body).toMatchObject({
      type: 'run.warning',
      runId,
      job: 'nightly-orders',
      status: 'succeeded',
      target: 'local',
      table: 'orders',
      counts: { read: 400, loaded: 396, rejected: 4 },
      rejectedRate: 0.01,
      durationMs: 1234,
      open: { app: `#/runs/${runId}`, cli: `loadstone errors ${runId}` },
      suppressed: 0,
    });
    expect(body.reasons[0]).toEqual({ reason: 'invalid_number', column: 'amount', count: 4 });
    // No cell value leaves the machine by default.
    expect(last.body).not.toMatch(/"x\d"|2024-02-31/);

    const [d] = store.alerts.deliveriesOfRun(runId);
    expect(d).toMatchObject({ status: 'sent', attempts: 3, answer: 'HTTP 204', errorCode: 'http_5xx' });
    expect(d!.lastError).toBe('HTTP 500: busy');
  });

  it('includes example values only when the channel is set to include a sample', async () => {
    const r = await receiver(() => ({ status: 200 }));
    store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: r.url, secretEnv: 'HOOK_SECRET', includeSample: true },
    });
    const runId = recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 10,
      rejected: 3,
      errorCode: 'LOAD_FAILED',
    });
    const box = outbox({ HOOK_SECRET: WEBHOOK_SECRET });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    const body = JSON.parse(r.requests[0]!.body);
    expect(body.type).toBe('run.failed');
    expect(body.error).toEqual({ code: 'LOAD_FAILED', message: 'the load stopped (LOAD_FAILED)' });
    expect(body.reasons[0]).toMatchObject({
      reason: 'invalid_number',
      column: 'amount',
      count: 3,
      example: 'x0',
    });
  });

  it('a 4xx is final: one attempt, recorded failed', async () => {
    const r = await receiver(() => ({ status: 410, body: 'gone' }));
    store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: r.url, secretEnv: 'HOOK_SECRET' },
    });
    const runId = recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 10,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = outbox({ HOOK_SECRET: WEBHOOK_SECRET });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    expect(r.requests).toHaveLength(1);
    expect(store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      errorCode: 'http_4xx',
      lastError: 'HTTP 410: gone',
    });
    expect(logs).toEqual(["alert 'ops' failed after 1 attempt: HTTP 410: gone"]);
  });
});

describe('Slack incoming webhook', () => {
  it('sends Block Kit and honours 429 Retry-After', async () => {
    const r = await receiver((i) =>
      i === 0
        ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }
        : { status: 200, body: 'ok' },
    );
    store.alerts.saveChannel({ name: 'team', kind: 'slack', config: { webhookUrlEnv: 'SLACK_URL' } });
    const runId = recordRun({
      name: 'a <b> & c',
      channels: ['team'],
      status: 'failed',
      read: 100,
      rejected: 10,
      errorCode: 'LOAD_ABORTED_ERROR_RATE',
    });
    const box = outbox({ SLACK_URL: `${r.url}${SLACK_PATH}` });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[0]!.url).toBe(SLACK_PATH);
    const payload = JSON.parse(r.requests[1]!.body);
    expect(payload.text).toContain('Load aborted by the error threshold: a <b> & c');
    expect(payload.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Load aborted by the error threshold: a <b> & c', emoji: false },
    });
    const fields = payload.blocks[1].fields.map((f: { text: string }) => f.text);
    expect(fields).toContain('*Job*\na &lt;b&gt; &amp; c');
    expect(fields).toContain('*Rows*\n100 read · 90 loaded · 10 rejected (10 %)');
    expect(payload.blocks[2].text.text).toContain('invalid_number in amount: 9');
    expect(payload.blocks[3].elements[0].text).toContain(`loadstone errors ${runId}`);
    expect(store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      event: 'run.aborted',
      status: 'sent',
      attempts: 2,
      errorCode: 'rate_limited',
      answer: 'HTTP 200 ok',
    });
  });
});

describe('Telegram sendMessage', () => {
  it('posts HTML-escaped text to the configured API base and honours retry_after', async () => {
    const r = await receiver((i) =>
      i === 0
        ? {
            status: 429,
            body: JSON.stringify({
              ok: false,
              error_code: 429,
              description: 'Too Many Requests: retry after 1',
              parameters: { retry_after: 1 },
            }),
          }
        : { status: 200, body: JSON.stringify({ ok: true, result: { message_id: 77 } }) },
    );
    store.alerts.saveChannel({
      name: 'tg',
      kind: 'telegram',
      config: { tokenEnv: 'BOT_TOKEN', chatId: '-100123', apiBase: r.url },
    });
    const runId = recordRun({
      name: 'x<y>&z',
      channels: ['tg'],
      status: 'failed',
      read: 5,
      rejected: 1,
      errorCode: 'LOAD_FAILED',
    });
    const box = outbox({ BOT_TOKEN });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.url).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    const payload = JSON.parse(r.requests[1]!.body);
    expect(payload).toMatchObject({
      chat_id: -100123,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    expect(payload.text.split('\n')[0]).toBe('<b>Load failed: x&lt;y&gt;&amp;z</b>');
    expect(payload.text).toContain(`loadstone errors ${runId}`);
    expect(store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      status: 'sent',
      attempts: 2,
      answer: 'HTTP 200 ok (message 77)',
    });
  });

  it('scrubs the bot token from the recorded error and the log, even when the server echoes it', async () => {
    const r = await receiver(() => ({
      status: 404,
      body: JSON.stringify({
        ok: false,
        error_code: 404,
        description: `Not Found: /bot${BOT_TOKEN}/sendMessage`,
      }),
    }));
    store.alerts.saveChannel({
      name: 'tg',
      kind: 'telegram',
      config: { tokenEnv: 'BOT_TOKEN', chatId: '42', apiBase: r.url },
    });
    const runId = recordRun({
      channels: ['tg'],
      status: 'failed',
      read: 5,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = outbox({ BOT_TOKEN });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    const [d] = store.alerts.deliveriesOfRun(runId);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'http_4xx' });
    expect(d!.lastError).toBe('HTTP 404: Not Found: /bot***/sendMessage');
    expect(logs.join('\n')).not.toContain(BOT_TOKEN);
    store.close();
    expect(readFileSync(store.path).includes(BOT_TOKEN)).toBe(false);
    store = open();
  });
});

describe('secrets saved by the desktop app', () => {
  it('are encrypted in the store, used to send, and never listed', async () => {
    const r = await receiver(() => ({ status: 200, body: 'ok' }));
    const slackUrl = `${r.url}${SLACK_PATH}`;
    store.alerts.saveChannel({ name: 'team', kind: 'slack', config: {}, secrets: { webhookUrl: slackUrl } });
    expect(JSON.stringify(store.alerts.listChannels())).not.toContain(SLACK_PATH);
    expect(store.alerts.getChannel('team')?.hasSavedSecret).toBe(true);
    const d = await outbox().test('team');
    expect(d).toMatchObject({ status: 'sent', event: 'alert.test', answer: 'HTTP 200 ok' });
    store.close();
    const bytes = readFileSync(store.path);
    expect(bytes.includes(SLACK_PATH)).toBe(false);
    store = open();
  });

  it('are refused where nothing can encrypt them (the CLI), naming the way out', async () => {
    const { NoSecretStore } = await import('../store/secret-store.ts');
    store.close();
    store = openStore(dir, { secretStore: new NoSecretStore() });
    expect(() =>
      store.alerts.saveChannel({
        name: 'team',
        kind: 'slack',
        config: {},
        secrets: { webhookUrl: 'https://hooks.slack.com/x' },
      }),
    ).toThrow(expect.objectContaining({ code: 'SECRET_UNAVAILABLE' }));
  });
});

describe('cooldown', () => {
  it('sends one message for a burst of failures of one job, and the next message counts the rest', async () => {
    const r = await receiver(() => ({ status: 200 }));
    store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = outbox({ S: WEBHOOK_SECRET });
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = recordRun({
        channels: ['ops'],
        status: 'failed',
        read: 1,
        rejected: 0,
        errorCode: 'LOAD_FAILED',
      });
      statuses.push(box.alertRunEnded(id)[0]!.status);
      clock = new Date(clock.getTime() + 60_000);
    }
    expect(statuses).toEqual(['pending', 'suppressed', 'suppressed']);
    await box.drain(30_000);
    expect(r.requests).toHaveLength(1);

    // Another job is not held back by this one's cooldown.
    const other = recordRun({
      name: 'other',
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    expect(box.alertRunEnded(other)[0]!.status).toBe('pending');

    // Past the cooldown, counted from when the first message was sent (recorded at +3 min, by the drain).
    clock = new Date(clock.getTime() + 16 * 60_000);
    const later = recordRun({
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

  it('when the cooldown ends, the latest held problem is sent, counting those held with it', async () => {
    store.close();
    store = openStore(dir, { secretStore: testSecretStore() }); // the real clock: the cooldown runs out
    const r = await receiver(() => ({ status: 200 }));
    store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = createAlertOutbox({
      store,
      env: { S: WEBHOOK_SECRET },
      policy: { ...FAST, cooldownMs: 300 },
    });
    const ids = [0, 1, 2].map(() => {
      const id = recordRun({
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
    expect(ids.map((id) => store.alerts.deliveriesOfRun(id)[0]).map((d) => [d!.status, d!.counted])).toEqual([
      ['sent', 1],
      ['suppressed', 1],
      ['sent', 2],
    ]);
    expect(r.requests).toHaveLength(2);
  });

  it('a message that was not delivered starts no cooldown', async () => {
    const r = await receiver((i) => (i === 0 ? { status: 400, body: 'bad' } : { status: 200 }));
    store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const box = outbox({ S: WEBHOOK_SECRET });
    const first = recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    box.alertRunEnded(first);
    await box.drain(30_000);
    expect(store.alerts.deliveriesOfRun(first)[0]!.status).toBe('failed');
    const second = recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    expect(box.alertRunEnded(second)[0]!.status).toBe('pending');
    await box.drain(30_000);
    expect(store.alerts.deliveriesOfRun(second)[0]!.status).toBe('sent');
  });
});

describe('a channel that hangs', () => {
  it('does not hold the caller: deliveries start pending, and a bounded drain records them abandoned', async () => {
    const r = await receiver(() => 'hang');
    store.alerts.saveChannel({ name: 'slow', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const runId = recordRun({
      channels: ['slow'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = outbox({ S: WEBHOOK_SECRET });
    // alertRunEnded returns at once (synchronously), before the receiver has answered anything.
    const [d] = box.alertRunEnded(runId);
    expect(d!.status).toBe('pending');
    await r.waitFor(1);
    expect(store.alerts.deliveriesOfRun(runId)[0]!.status).toBe('pending');
    const { abandoned } = await box.drain(100);
    expect(abandoned).toBe(1);
    expect(store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      status: 'abandoned',
      errorCode: 'abandoned',
      attempts: 1,
    });
  });
});

describe('other events', () => {
  it('a run found interrupted at start-up', async () => {
    const r = await receiver(() => ({ status: 200 }));
    store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    const spec = parseJobSpec({
      name: 'nightly',
      source: { path: '/data/orders.csv' },
      target: { table: 'orders' },
      alerts: { channels: ['ops'] },
    });
    const id = store.runs.create({ spec, jobName: 'nightly' });
    store.close(); // the process ended with the run going
    store = open();
    const box = outbox({ S: WEBHOOK_SECRET });
    box.alertInterrupted(id);
    await box.drain(30_000);
    expect(JSON.parse(r.requests[0]!.body)).toMatchObject({
      type: 'run.interrupted',
      runId: id,
      status: 'interrupted',
    });
  });

  it('a missed schedule, by the default rule, and success only when opted in', async () => {
    const r = await receiver(() => ({ status: 200 }));
    store.alerts.saveChannel({ name: 'ops', kind: 'webhook', config: { url: r.url, secretEnv: 'S' } });
    store.alerts.setDefaultRules({ channels: ['ops'] });
    const box = outbox({ S: WEBHOOK_SECRET });
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

    const quiet = recordRun({ channels: ['ops'], status: 'succeeded', read: 10, rejected: 0 });
    expect(box.alertRunEnded(quiet)).toEqual([]);
    const loud = recordRun({
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
    store.alerts.saveChannel({ name: 'me', kind: 'desktop', config: {} });
    const runId = recordRun({
      channels: ['me'],
      status: 'failed',
      read: 3,
      rejected: 1,
      errorCode: 'LOAD_FAILED',
    });
    const shown: DesktopNotice[] = [];
    const box = outbox({}, (n) => shown.push(n));
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

    clock = new Date(clock.getTime() + 60 * 60_000);
    const second = recordRun({
      channels: ['me'],
      status: 'failed',
      read: 3,
      rejected: 1,
      errorCode: 'LOAD_FAILED',
    });
    const cli = outbox();
    cli.alertRunEnded(second);
    await cli.drain(30_000);
    expect(store.alerts.deliveriesOfRun(second)[0]).toMatchObject({
      status: 'failed',
      errorCode: 'no_desktop',
    });
  });

  it('a missing environment variable or channel is recorded, not thrown', async () => {
    store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: 'http://127.0.0.1:9/x', secretEnv: 'NOPE' },
    });
    const runId = recordRun({
      channels: ['ops', 'ghost'],
      status: 'failed',
      read: 1,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = outbox({});
    box.alertRunEnded(runId);
    await box.drain(30_000);
    const ds = store.alerts.deliveriesOfRun(runId);
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

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { alertTestBed } from './test-bed.ts';

// Each channel against a real local receiver standing in for it: payloads, signatures, retries,
// rate limits, secrets.

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const SLACK_PATH = `/services/T000/B000/${randomBytes(12).toString('hex')}`;
const BOT_TOKEN = `123456:${randomBytes(16).toString('hex')}`;
const bed = alertTestBed();

describe('generic webhook (Standard Webhooks)', () => {
  it('posts a message the standardwebhooks library verifies, with the same webhook-id across retries on 500', async () => {
    const r = await bed.receiver((i) => (i < 2 ? { status: 500, body: 'busy' } : { status: 204 }));
    bed.store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: `${r.url}/hooks`, secretEnv: 'HOOK_SECRET' },
    });
    const runId = bed.recordRun({
      channels: ['ops'],
      status: 'succeeded',
      read: 400,
      rejected: 4,
      warnErrorRate: 0.005,
    });

    const box = bed.outbox({ HOOK_SECRET: WEBHOOK_SECRET });
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

    const [d] = bed.store.alerts.deliveriesOfRun(runId);
    expect(d).toMatchObject({ status: 'sent', attempts: 3, answer: 'HTTP 204', errorCode: 'http_5xx' });
    expect(d!.lastError).toBe('HTTP 500: busy');
  });

  it('includes example values only when the channel is set to include a sample', async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: r.url, secretEnv: 'HOOK_SECRET', includeSample: true },
    });
    const runId = bed.recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 10,
      rejected: 3,
      errorCode: 'LOAD_FAILED',
    });
    const box = bed.outbox({ HOOK_SECRET: WEBHOOK_SECRET });
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
    const r = await bed.receiver(() => ({ status: 410, body: 'gone' }));
    bed.store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: r.url, secretEnv: 'HOOK_SECRET' },
    });
    const runId = bed.recordRun({
      channels: ['ops'],
      status: 'failed',
      read: 10,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = bed.outbox({ HOOK_SECRET: WEBHOOK_SECRET });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    expect(r.requests).toHaveLength(1);
    expect(bed.store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      errorCode: 'http_4xx',
      lastError: 'HTTP 410: gone',
    });
    expect(bed.logs).toEqual(["alert 'ops' failed after 1 attempt: HTTP 410: gone"]);
  });

  it('a signing secret in the environment that is not whsec_ + base64 of 16 bytes sends nothing, saying why', async () => {
    const r = await bed.receiver(() => ({ status: 200 }));
    bed.store.alerts.saveChannel({
      name: 'ops',
      kind: 'webhook',
      config: { url: r.url, secretEnv: 'HOOK_SECRET' },
    });
    for (const wrong of ['my plain secret', 'whsec_c2hvcnQ=']) {
      const d = await bed.outbox({ HOOK_SECRET: wrong }).test('ops');
      expect(d).toMatchObject({ status: 'failed', attempts: 0, errorCode: 'secret_missing' });
      expect(d.lastError).toBe(
        "environment variable HOOK_SECRET does not hold a webhook signing secret: it must be 'whsec_' followed by the base64 of at least 16 bytes",
      );
      expect(bed.logs.join('\n')).not.toContain(wrong);
    }
    // Nothing was signed with a key the receiver cannot have.
    expect(r.requests).toHaveLength(0);
    const d = await bed.outbox({ HOOK_SECRET: WEBHOOK_SECRET }).test('ops');
    expect(d.status).toBe('sent');
    expect(() =>
      new Webhook(WEBHOOK_SECRET).verify(
        r.requests[0]!.body,
        r.requests[0]!.headers as Record<string, string>,
      ),
    ).not.toThrow();
  });
});

describe('Slack incoming webhook', () => {
  it('sends Block Kit and honours 429 Retry-After', async () => {
    const r = await bed.receiver((i) =>
      i === 0
        ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }
        : { status: 200, body: 'ok' },
    );
    bed.store.alerts.saveChannel({ name: 'team', kind: 'slack', config: { webhookUrlEnv: 'SLACK_URL' } });
    const runId = bed.recordRun({
      name: 'a <b> & c',
      channels: ['team'],
      status: 'failed',
      read: 100,
      rejected: 10,
      errorCode: 'LOAD_ABORTED_ERROR_RATE',
    });
    const box = bed.outbox({ SLACK_URL: `${r.url}${SLACK_PATH}` });
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
    expect(bed.store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
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
    const r = await bed.receiver((i) =>
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
    bed.store.alerts.saveChannel({
      name: 'tg',
      kind: 'telegram',
      config: { tokenEnv: 'BOT_TOKEN', chatId: '-100123', apiBase: r.url },
    });
    const runId = bed.recordRun({
      name: 'x<y>&z',
      channels: ['tg'],
      status: 'failed',
      read: 5,
      rejected: 1,
      errorCode: 'LOAD_FAILED',
    });
    const box = bed.outbox({ BOT_TOKEN });
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
    expect(bed.store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
      status: 'sent',
      attempts: 2,
      answer: 'HTTP 200 ok (message 77)',
    });
  });

  it('scrubs the bot token from the recorded error and the log, even when the server echoes it', async () => {
    const r = await bed.receiver(() => ({
      status: 404,
      body: JSON.stringify({
        ok: false,
        error_code: 404,
        description: `Not Found: /bot${BOT_TOKEN}/sendMessage`,
      }),
    }));
    bed.store.alerts.saveChannel({
      name: 'tg',
      kind: 'telegram',
      config: { tokenEnv: 'BOT_TOKEN', chatId: '42', apiBase: r.url },
    });
    const runId = bed.recordRun({
      channels: ['tg'],
      status: 'failed',
      read: 5,
      rejected: 0,
      errorCode: 'LOAD_FAILED',
    });
    const box = bed.outbox({ BOT_TOKEN });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    const [d] = bed.store.alerts.deliveriesOfRun(runId);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'http_4xx' });
    expect(d!.lastError).toBe('HTTP 404: Not Found: /bot***/sendMessage');
    expect(bed.logs.join('\n')).not.toContain(BOT_TOKEN);
    bed.store.close();
    expect(readFileSync(bed.store.path).includes(BOT_TOKEN)).toBe(false);
    bed.reopen();
  });
});

describe('secrets saved by the desktop app', () => {
  it('are encrypted in the bed.store, used to send, and never listed', async () => {
    const r = await bed.receiver(() => ({ status: 200, body: 'ok' }));
    const slackUrl = `${r.url}${SLACK_PATH}`;
    bed.store.alerts.saveChannel({
      name: 'team',
      kind: 'slack',
      config: {},
      secrets: { webhookUrl: slackUrl },
    });
    expect(JSON.stringify(bed.store.alerts.listChannels())).not.toContain(SLACK_PATH);
    expect(bed.store.alerts.getChannel('team')?.hasSavedSecret).toBe(true);
    const d = await bed.outbox().test('team');
    expect(d).toMatchObject({ status: 'sent', event: 'alert.test', answer: 'HTTP 200 ok' });
    bed.store.close();
    const bytes = readFileSync(bed.store.path);
    expect(bytes.includes(SLACK_PATH)).toBe(false);
    bed.reopen();
  });

  it('are refused where nothing can encrypt them (the CLI), naming the way out', async () => {
    const { NoSecretStore } = await import('../store/secret-store.ts');
    bed.store.close();
    bed.reopen({ secretStore: new NoSecretStore() });
    expect(() =>
      bed.store.alerts.saveChannel({
        name: 'team',
        kind: 'slack',
        config: {},
        secrets: { webhookUrl: 'https://hooks.slack.com/x' },
      }),
    ).toThrow(expect.objectContaining({ code: 'SECRET_UNAVAILABLE' }));
  });
});

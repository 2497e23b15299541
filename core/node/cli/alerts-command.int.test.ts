import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Receiver, startReceiver } from '../alerts/test-support.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { storeFileIn } from '../store/data-dir.ts';
import { runCli } from './test-support.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const dir = mkdtempSync(join(tmpdir(), 'loadstone-alerts-cli-'));
const dataDir = join(dir, 'data');
let url = '';
let ok: Receiver;
let hanging: Receiver;

function cli(args: string[], env: NodeJS.ProcessEnv = {}, signal?: AbortSignal) {
  return runCli(args, {
    cwd: dir,
    env: { LOADSTONE_HOME: dataDir, HOOK_SECRET: SECRET, ...env },
    ...(signal ? { signal } : {}),
  });
}

/** 200 rows, 3 of them with a bad amount (1.5 % rejected). */
function writeOrders(name: string): void {
  const lines = ['id,amount'];
  for (let i = 1; i <= 200; i++) lines.push(`${i},${i % 70 === 0 ? `bad-${i}` : `${i}.50`}`);
  writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_alerts');
  ok = await startReceiver(() => ({ status: 200, body: 'accepted' }), 10);
  hanging = await startReceiver(() => 'hang', 5);
  writeOrders('orders.csv');
});
afterAll(async () => {
  await ok?.close();
  await hanging?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadstone alerts', () => {
  it('adds, lists and tests a signed webhook; secrets are refused in clear', async () => {
    const added = await cli([
      'alerts',
      'add',
      'webhook',
      'ops',
      '--url',
      `${ok.url}/hook`,
      '--secret-env',
      'HOOK_SECRET',
    ]);
    expect(added).toMatchObject({ code: 0, out: "Saved webhook alert channel 'ops'\n", err: '' });

    const clear = await cli([
      'alerts',
      'add',
      'slack',
      'team',
      '--webhook-url',
      'https://hooks.slack.com/services/T/B/secret',
    ]);
    expect(clear.code).toBe(2);
    expect(clear.err).toContain('--webhook-url is refused: the CLI cannot encrypt secrets');
    expect(clear.err).toContain('--webhook-url-env VAR');
    expect(clear.err).not.toContain('hooks.slack.com');

    const slack = await cli(['alerts', 'add', 'slack', 'team', '--webhook-url-env', 'SLACK_URL']);
    expect(slack.code).toBe(0);
    expect(slack.err).toBe(
      'loadstone: warning: SLACK_URL is not set here; it must be when a message is sent\n',
    );

    const missing = await cli(['alerts', 'add', 'telegram', 'tg', '--token-env', 'BOT']);
    expect(missing).toMatchObject({
      code: 2,
      err: "loadstone: alerts add telegram needs --chat-id (see 'loadstone alerts --help')\n",
    });

    const list = await cli(['alerts', 'list', '--json']);
    expect(
      JSON.parse(list.out).map((c: { name: string; kind: string; config: object }) => [
        c.name,
        c.kind,
        c.config,
      ]),
    ).toEqual([
      ['ops', 'webhook', { url: `${ok.url}/hook`, secretEnv: 'HOOK_SECRET' }],
      ['team', 'slack', { webhookUrlEnv: 'SLACK_URL' }],
    ]);

    const test = await cli(['alerts', 'test', 'ops']);
    expect(test).toMatchObject({ code: 0, err: '' });
    expect(test.out).toBe("Sent a test message to 'ops' (webhook) in 1 attempt: HTTP 200 accepted\n");
    const received = ok.requests.at(-1)!;
    expect(
      new Webhook(SECRET).verify(received.body, received.headers as Record<string, string>),
    ).toMatchObject({
      type: 'alert.test',
      job: '(test)',
    });

    const noEnv = await cli(['alerts', 'test', 'team']);
    expect(noEnv.code).toBe(4);
    expect(noEnv.err).toBe(
      "loadstone: test message to 'team' (slack) not delivered after 0 attempts: environment variable SLACK_URL (the Slack webhook URL) is not set\n",
    );
    expect((await cli(['alerts', 'remove', 'team'])).code).toBe(0);
    expect((await cli(['alerts', 'remove', 'team'])).code).toBe(2);
  });

  it('a webhook secret variable that holds no whsec_ secret is named at add, and test exits 4 sending nothing', async () => {
    const env = { PLAIN_SECRET: 'my plain secret' };
    const before = ok.requests.length;
    const added = await cli(
      ['alerts', 'add', 'webhook', 'plain', '--url', `${ok.url}/plain`, '--secret-env', 'PLAIN_SECRET'],
      env,
    );
    expect(added).toMatchObject({
      code: 0,
      err: "loadstone: warning: PLAIN_SECRET does not hold a webhook signing secret ('whsec_' followed by the base64 of at least 16 bytes); nothing is sent until it does\n",
    });
    const test = await cli(['alerts', 'test', 'plain'], env);
    expect(test.code).toBe(4);
    expect(test.err).toBe(
      "loadstone: test message to 'plain' (webhook) not delivered after 0 attempts: environment variable PLAIN_SECRET does not hold a webhook signing secret: it must be 'whsec_' followed by the base64 of at least 16 bytes\n",
    );
    expect(test.err + test.out).not.toContain('my plain secret');
    expect(ok.requests.length).toBe(before);
    expect((await cli(['alerts', 'remove', 'plain'])).code).toBe(0);
  });

  it('a load above its warning rate sends run.warning after its outcome, recorded with the run', async () => {
    const before = ok.requests.length;
    const r = await cli([
      'load',
      'orders.csv',
      '--target',
      url,
      '--table',
      'warned',
      '--name',
      'orders-job',
      '--alert',
      'ops',
      '--warn-error-rate',
      '0.008',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const outcome = JSON.parse(r.out);
    expect(outcome).toMatchObject({ status: 'succeeded', rowsRead: 200, rejected: 2 });
    expect(r.err).toBe('');
    expect(ok.requests.length).toBe(before + 1);
    const q = ok.requests.at(-1)!;
    new Webhook(SECRET).verify(q.body, q.headers as Record<string, string>);
    const body = JSON.parse(q.body);
    expect(body).toMatchObject({
      type: 'run.warning',
      runId: outcome.runId,
      job: 'orders-job',
      status: 'succeeded',
      counts: { read: 200, loaded: 198, rejected: 2 },
      rejectedRate: 0.01,
      reasons: [{ reason: 'invalid_number', column: 'amount', count: 2 }],
      open: { cli: `loadstone errors ${outcome.runId}` },
    });
    expect(q.body).not.toContain('bad-');

    const shown = await cli(['runs', outcome.runId]);
    expect(shown.out).toMatch(
      /Alerts:\n {2}.+ {2}run\.warning → ops \(webhook\): sent \(HTTP 200 accepted, 1 attempt\)\n/,
    );
    const json = JSON.parse((await cli(['runs', outcome.runId, '--json'])).out);
    expect(json.alerts).toEqual([
      expect.objectContaining({
        channel: 'ops',
        kind: 'webhook',
        event: 'run.warning',
        status: 'sent',
        attempts: 1,
      }),
    ]);
  });

  it('a load below its warning rate sends nothing; a bad alert flag is refused before loading', async () => {
    const before = ok.requests.length;
    const quiet = await cli([
      'load',
      'orders.csv',
      '--target',
      url,
      '--table',
      'quiet',
      '--alert',
      'ops',
      '--warn-error-rate',
      '0.02',
      '--json',
    ]);
    expect(quiet.code).toBe(0);
    expect(JSON.parse(quiet.out).rejected).toBe(2); // 1 %: below 2 %, and success is not asked for
    expect(ok.requests.length).toBe(before);
    const shown = JSON.parse((await cli(['runs', JSON.parse(quiet.out).runId, '--json'])).out);
    expect(shown.alerts).toEqual([]);

    const bad = await cli([
      'load',
      'orders.csv',
      '--target',
      url,
      '--table',
      't',
      '--alert',
      'ops',
      '--alert-on',
      'failure,sometimes',
    ]);
    expect(bad).toMatchObject({
      code: 2,
      err: "loadstone: --alert-on must be one of failure, threshold, warning, success, interrupted, schedule, got 'sometimes'\n",
    });
    const ghost = await cli(['load', 'orders.csv', '--target', url, '--table', 't', '--alert', 'ops,ghost']);
    expect(ghost).toMatchObject({
      code: 2,
      err: "loadstone: no alert channel named 'ghost' (see 'loadstone alerts list')\n",
    });
    const above = await cli([
      'load',
      'orders.csv',
      '--target',
      url,
      '--table',
      't',
      '--alert',
      'ops',
      '--warn-error-rate',
      '0.2',
    ]);
    expect(above.code).toBe(2);
    expect(above.err).toContain('alerts.warnErrorRate: must be lower than settings.maxErrorRate (0.05)');
  });

  it('a channel that hangs does not change the outcome: printed first, then abandoned after the bounded wait', async () => {
    await cli(['alerts', 'add', 'webhook', 'slow', '--url', hanging.url, '--secret-env', 'HOOK_SECRET']);
    const r = await cli(
      [
        'load',
        'orders.csv',
        '--target',
        url,
        '--table',
        'slow',
        '--alert',
        'slow',
        '--alert-on',
        'warning,success',
        '--json',
      ],
      { LOADSTONE_ALERT_WAIT_MS: '300' },
    );
    expect(r.code).toBe(0);
    const outcome = JSON.parse(r.out);
    expect(outcome.status).toBe('succeeded');
    expect(hanging.requests).toHaveLength(1);
    expect(r.err).toMatch(
      /^loadstone: alert run\.warning → 'slow': abandoned after 1 attempt: still not delivered after waiting 0\.3 s: stopped\n$/,
    );
    const json = JSON.parse((await cli(['runs', outcome.runId, '--json'])).out);
    expect(json.alerts[0]).toMatchObject({ status: 'abandoned', errorCode: 'abandoned' });
    // The signing secret is nowhere in clear: output, store file.
    expect(r.out + r.err).not.toContain(SECRET.slice(6));
    expect(readFileSync(storeFileIn(dataDir)).includes(SECRET.slice(6))).toBe(false);
  });

  it("Ctrl-C while the command waits for a hanging channel stops the wait; the exit code is the load's", async () => {
    await cli(['alerts', 'add', 'webhook', 'slow2', '--url', hanging.url, '--secret-env', 'HOOK_SECRET']);
    const before = hanging.requests.length;
    const ctrlC = new AbortController();
    // The alert goes out after the outcome is printed: Ctrl-C once the channel has it.
    const pressed = hanging.waitFor(before + 1).then(() => ctrlC.abort());
    const started = Date.now();
    const r = await cli(
      [
        'load',
        'orders.csv',
        '--target',
        url,
        '--table',
        'slow2',
        '--alert',
        'slow2',
        '--alert-on',
        'warning',
        '--json',
      ],
      { LOADSTONE_ALERT_WAIT_MS: '60000' },
      ctrlC.signal,
    );
    await pressed;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).status).toBe('succeeded');
    expect(r.err).toMatch(
      /^loadstone: alert run\.warning → 'slow2': abandoned after 1 attempt: not delivered when the command was interrupted: stopped\n$/,
    );
  });
});

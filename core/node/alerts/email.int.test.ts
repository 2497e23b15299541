import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { makeRejects, tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { createAlertOutbox } from './outbox.ts';

// E-mail alerts through a real SMTP server on 127.0.0.1 (smtp-server), with a password.

const PASSWORD = randomBytes(12).toString('hex');
let store: RunStore;
let server: SMTPServer;
let port = 0;
let mails: { from: string; to: string[]; data: string }[];
let refuseFirst: number;
let logs: string[];

beforeEach(async () => {
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  mails = [];
  logs = [];
  refuseFirst = 0;
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === PASSWORD) cb(null, { user: 'alerts' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuseFirst > 0) {
          refuseFirst -= 1;
          cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  store.close();
});

/** The mail as text: quoted-printable soft breaks joined and escapes decoded (UTF-8). */
function readable(data: string): string {
  const joined = data.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? /^[0-9A-F]{2}$/.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(Number.parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function failedRun(): string {
  const spec = parseJobSpec({
    name: 'nightly',
    source: { path: '/data/orders.csv' },
    target: { table: 'orders' },
    alerts: { channels: ['mail'] },
  });
  const id = store.runs.create({ spec, jobName: 'nightly', sourceColumns: ['id', 'amount', 'date', 'note'] });
  const writer = store.rejects.writer(id);
  writer.add(makeRejects(0, 3));
  writer.flush();
  store.runs.finish(id, {
    status: 'failed',
    counts: { read: 10 },
    error: { code: 'LOAD_FAILED', message: 'the load stopped' },
  });
  return id;
}

describe('e-mail alerts', () => {
  it('sends plain text to the recipients, retrying a 451, the SMTP password nowhere', async () => {
    refuseFirst = 1;
    store.alerts.saveChannel({
      name: 'mail',
      kind: 'email',
      config: {
        to: 'ops@example.com,dba@example.com',
        from: 'loadstone@example.com',
        smtpUrlEnv: 'SMTP_URL',
      },
    });
    const runId = failedRun();
    const box = createAlertOutbox({
      store,
      env: { SMTP_URL: `smtp://alerts:${PASSWORD}@127.0.0.1:${port}` },
      policy: { minBackoffMs: 5, maxBackoffMs: 20 },
      log: (l) => logs.push(l),
    });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.from).toBe('loadstone@example.com');
    expect(mails[0]!.to).toEqual(['ops@example.com', 'dba@example.com']);
    const text = readable(mails[0]!.data);
    expect(text).toContain('Subject: Load failed: nightly');
    expect(text).toContain('Rows: 10 read · 0 loaded · 3 rejected (30 %)');
    expect(text).toContain('invalid_number in amount: 3');
    expect(text).toContain(`Open the run in Loadstone (#/runs/${runId}) or run: loadstone errors ${runId}`);
    expect(text).not.toMatch(/x0|x1|2024-02-31/);
    const [d] = store.alerts.deliveriesOfRun(runId);
    expect(d).toMatchObject({ status: 'sent', attempts: 2, errorCode: 'smtp_4xx' });
    expect(d!.answer).toMatch(/^SMTP 250 /);
  });

  it('a refused password is final, and the URL password is scrubbed from the record', async () => {
    store.alerts.saveChannel({
      name: 'mail',
      kind: 'email',
      config: { to: 'ops@example.com', smtpUrlEnv: 'SMTP_URL' },
    });
    const runId = failedRun();
    const box = createAlertOutbox({
      store,
      env: { SMTP_URL: `smtp://alerts:wrong-${PASSWORD}@127.0.0.1:${port}` },
      policy: { minBackoffMs: 5, maxBackoffMs: 20 },
      log: (l) => logs.push(l),
    });
    box.alertRunEnded(runId);
    await box.drain(30_000);
    const [d] = store.alerts.deliveriesOfRun(runId);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'smtp_5xx' });
    expect(d!.lastError).toContain('Invalid username or password');
    expect(JSON.stringify(d) + logs.join('\n')).not.toContain(PASSWORD);
    expect(mails).toHaveLength(0);
  });
});

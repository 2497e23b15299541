import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandName, commands } from '../../common/contract/commands.ts';
import type { Reply } from '../../common/contract/errors.ts';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { json, startApi } from '../sources/http/test-api-server.ts';
import { KeyedSecretStore, openStore } from '../store/index.ts';
import { dispatch } from './dispatch.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// Every contract command, called through `dispatch` on a real engine (SQLite store in a temp folder):
// a good payload is answered (a value, or a domain error that is not a validation error) and a bad one
// gets a structured error naming each bad field by its path. Commands that need PostgreSQL or the
// loader for a good answer are exercised through HTTP in core/node/host/handlers-http.int.test.ts.

let t: TestEngine;
let csv: string;
/** The handle the engine granted for `csv`, as a transport would after the operator picked it. */
let handle: string;
let runId: string;

const call = (name: string, input: unknown): Promise<Reply<unknown>> =>
  dispatch(t.engine.handlers, name, input, t.log);

function expectValue(reply: Reply<unknown>): unknown {
  if (!reply.ok) throw new Error(`expected a value, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}

function expectIssues(reply: Reply<unknown>, code: string, paths: string[]): void {
  expect(reply.ok).toBe(false);
  if (reply.ok) return;
  expect(reply.error.code).toBe(code);
  expect(reply.error.issues?.map((i) => i.path).sort()).toEqual([...paths].sort());
  for (const issue of reply.error.issues ?? []) expect(issue.message.length).toBeGreaterThan(0);
  // Structured, human, and never a stack trace.
  expect(reply.error.message).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  t = await openTestEngine();
  csv = t.writeFile('orders.csv', 'id,amount,day\n1,12.50,2024-03-05\n2,x,2024-03-06\n');
  handle = (await t.engine.grants.grantRead(csv)).handle;
  // A finished run with rejected rows, written through the store API (as the loader would).
  const store = openStore(t.dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
  try {
    const spec = parseJobSpec({ source: { path: csv }, target: { table: 'orders' } });
    runId = store.runs.create({ spec, sourceColumns: ['id', 'amount', 'day'] });
    const writer = store.rejects.writer(runId);
    writer.add([
      {
        line: 3,
        stage: 'normalize',
        raw: { id: '2', amount: 'x', day: '2024-03-06' },
        errors: [{ column: 'amount', value: 'x', reason: 'invalid_number', message: "'x' is not a number" }],
      },
    ]);
    writer.flush();
    store.runs.addEvent(runId, {
      kind: 'watermark_set_aside',
      message: 'the watermark 5 was kept for …',
      data: { x: 1 },
    });
    store.runs.finish(runId, { status: 'succeeded', counts: { read: 2, inserted: 1 } });
  } finally {
    store.close();
  }
});

afterAll(async () => {
  await t.close();
});

const out = () => path.join(t.filesDir, 'anything.csv');

/** One good and one bad payload per command; `good` checks the answer. */
const cases: Record<CommandName, { good?: () => Promise<void>; bad: () => Promise<void> }> = {
  'app.info': {
    good: async () =>
      expect(expectValue(await call('app.info', {}))).toMatchObject({
        transport: 'http',
        nativeDialogs: false,
      }),
    bad: async () => expectIssues(await call('app.info', 'please'), 'bad_request', ['(root)']),
  },
  'settings.get': {
    good: async () => expect(expectValue(await call('settings.get', {}))).toHaveProperty('retention'),
    bad: async () => expectIssues(await call('settings.get', 42), 'bad_request', ['(root)']),
  },
  'settings.set': {
    good: async () => {
      const value = {
        timeZone: 'Europe/Paris',
        dateOrder: 'DMY',
        retention: { keepRuns: 10, keepDays: null },
      };
      const builtIn = { timeZone: 'UTC', dateOrder: 'MDY' };
      expect(expectValue(await call('settings.set', value))).toEqual({ ...value, builtIn });
      expect(expectValue(await call('settings.get', {}))).toEqual({ ...value, builtIn });
      // null clears a default: the built-in one applies again, and the screen can say so.
      const cleared = { ...value, timeZone: null, dateOrder: null };
      expect(expectValue(await call('settings.set', cleared))).toEqual({ ...cleared, builtIn });
    },
    bad: async () =>
      expectIssues(
        await call('settings.set', { timeZone: '', dateOrder: 'XYZ', retention: { keepRuns: -1 } }),
        'bad_request',
        ['timeZone', 'dateOrder', 'retention.keepRuns', 'retention.keepDays'],
      ),
  },
  'connections.list': {
    good: async () => {
      const list = expectValue(await call('connections.list', {})) as Array<{
        name: string;
        builtIn: boolean;
      }>;
      expect(list[0]).toMatchObject({ name: 'local', builtIn: true });
    },
    bad: async () => expectIssues(await call('connections.list', null), 'bad_request', ['(root)']),
  },
  'connections.save': {
    good: async () => {
      const saved = expectValue(
        await call('connections.save', { name: 'wh', url: 'postgres://bob:pw-123456@127.0.0.1:1/sales' }),
      );
      expect(saved).toEqual({
        name: 'wh',
        kind: 'postgres',
        host: '127.0.0.1',
        port: 1,
        database: 'sales',
        user: 'bob',
        sslMode: 'prefer',
        options: {},
        hasSecret: true,
        builtIn: false,
      });
      expect(JSON.stringify(expectValue(await call('connections.list', {})))).not.toContain('pw-123456');
      // The form's fields with the options a URL may carry: saved, listed, and replaced as a whole.
      const options = { sslRootCert: '/etc/ca.pem', applicationName: 'etl', connectTimeoutSeconds: 7 };
      const fields = {
        name: 'opts',
        host: 'h',
        port: 5432,
        database: 'd',
        user: 'u',
        sslMode: 'verify-full',
      };
      expect(expectValue(await call('connections.save', { ...fields, options }))).toMatchObject({ options });
      const edited = { ...fields, previousName: 'opts', options: { applicationName: 'nightly' } };
      expect(expectValue(await call('connections.save', edited))).toMatchObject({
        options: { applicationName: 'nightly' },
      });
      const listed = expectValue(await call('connections.list', {})) as Array<{
        name: string;
        options: object;
      }>;
      expect(listed.find((c) => c.name === 'opts')?.options).toEqual({ applicationName: 'nightly' });
      expect(expectValue(await call('connections.delete', { name: 'opts' }))).toEqual({ ok: true });
    },
    bad: async () => {
      expectIssues(await call('connections.save', { name: 'bad name!', port: 70000 }), 'bad_request', [
        'name',
        'port',
      ]);
      const options = { sslRootCert: '', applicationName: 'x'.repeat(64), connectTimeoutSeconds: 1.5 };
      expectIssues(await call('connections.save', { name: 'wh', options }), 'bad_request', [
        'options.sslRootCert',
        'options.applicationName',
        'options.connectTimeoutSeconds',
      ]);
    },
  },
  'connections.test': {
    good: async () => {
      // Port 1 on loopback refuses at once: the answer is a result, not a failed call.
      const result = expectValue(await call('connections.test', { name: 'wh' })) as Record<string, unknown>;
      expect(result).toMatchObject({ ok: false, serverVersion: null });
      expect(result.error).toContain('nothing is listening on 127.0.0.1:1 — is the server running');
      expect(result.error).not.toContain('pw-123456');
      // The form before it is saved: the same answer, with the password typed in the form.
      const draft = { host: '127.0.0.1', port: 1, database: 'x', user: 'bob', password: 'pw-999999' };
      const tested = expectValue(await call('connections.test', { draft })) as Record<string, unknown>;
      expect(tested).toMatchObject({ ok: false });
      expect(tested.error).toContain('nothing is listening on 127.0.0.1:1');
      expect(tested.error).not.toContain('pw-999999');
      // The form's options go with its Test: the CA file is read before any connection is tried.
      const withCa = {
        ...draft,
        sslMode: 'verify-full',
        options: { sslRootCert: '/nonexistent/ca.pem', connectTimeoutSeconds: 3 },
      };
      const caTested = expectValue(await call('connections.test', { draft: withCa })) as Record<
        string,
        unknown
      >;
      expect(caTested).toMatchObject({ ok: false });
      expect(caTested.error).toContain("sslrootcert file '/nonexistent/ca.pem' cannot be read");
      const editing = await call('connections.test', { draft: { previousName: 'nope', host: 'h' } });
      expect(editing).toMatchObject({ ok: true, value: { ok: false } });
    },
    bad: async () => expectIssues(await call('connections.test', { name: 5 }), 'bad_request', ['(root)']),
  },
  'connections.delete': {
    good: async () => {
      expect(expectValue(await call('connections.save', { name: 'temp', host: 'h' }))).toHaveProperty(
        'name',
        'temp',
      );
      expect(expectValue(await call('connections.delete', { name: 'temp' }))).toEqual({ ok: true });
      const again = await call('connections.delete', { name: 'temp' });
      expect(again).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const local = await call('connections.delete', { name: 'local' });
      expect(local).toMatchObject({ ok: false, error: { code: 'bad_usage' } });
    },
    bad: async () => expectIssues(await call('connections.delete', {}), 'bad_request', ['name']),
  },
  'sources.inspect': {
    good: async () =>
      expect(expectValue(await call('sources.inspect', { handle }))).toMatchObject({
        format: { kind: 'csv', delimiter: ',', header: true },
        columns: ['id', 'amount', 'day'],
      }),
    bad: async () => {
      expectIssues(await call('sources.inspect', { handle: '', delimiter: ';;' }), 'spec_invalid', [
        'handle',
        'delimiter',
      ]);
      // A path is not a handle: the renderer cannot name files.
      expectIssues(await call('sources.inspect', { path: csv }), 'spec_invalid', ['(root)', 'handle']);
      expectIssues(await call('sources.inspect', { handle: 'f_made-up' }), 'file_not_granted', ['handle']);
    },
  },
  'sources.tables': {
    good: async () => {
      const file = t.writeFile('crm.db', '');
      fs.rmSync(file);
      const db = new Database(file);
      db.exec(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a'), (7, 'b'); CREATE VIEW names AS SELECT name FROM customers",
      );
      db.close();
      const sqlite = (await t.engine.grants.grantRead(file)).handle;
      expect(expectValue(await call('sources.tables', { kind: 'sqlite', handle: sqlite }))).toEqual([
        { schema: 'main', name: 'customers', view: false, rows: 7 },
        { schema: 'main', name: 'names', view: true, rows: null },
      ]);
      // A CSV is no database.
      const csvTables = await call('sources.tables', { kind: 'sqlite', handle });
      expect(csvTables.ok ? null : csvTables.error.code).toBe('source_format');
    },
    bad: async () => {
      expectIssues(await call('sources.tables', { kind: 'sqlite', path: csv }), 'bad_request', [
        'handle',
        '(root)',
      ]);
      expectIssues(await call('sources.tables', { kind: 'postgres' }), 'bad_request', ['connection']);
    },
  },
  'sources.saveSecret': {
    good: async () => {
      const { id } = expectValue(
        await call('sources.saveSecret', { value: 'tok-SECRET-contract', url: 'https://api.example.com/v1' }),
      ) as { id: string };
      expect(id).toMatch(/^s_[0-9a-f]{24}$/);
      // The value is kept encrypted: not in the store file in clear.
      expect(fs.readFileSync(path.join(t.dataDir, 'loadstone.db')).includes('tok-SECRET-contract')).toBe(
        false,
      );
    },
    bad: async () =>
      expectIssues(
        await call('sources.saveSecret', { value: '', url: 'ftp://files.example.com/' }),
        'bad_request',
        ['value', 'url'],
      ),
  },
  'sources.testRequest': {
    good: async () => {
      const api = await startApi((req, res) => {
        if (req.headers.authorization !== 'Bearer tok-SECRET-test') return json(res, {}, {}, 401);
        json(res, '{"data":[{"id":12345678901234567890,"n":1}],"next":"abc"}', { 'set-cookie': 'sid=1' });
      });
      // Another server: the secret saved for the first is never sent to it.
      let elsewhere = 0;
      const other = await startApi((_req, res) => {
        elsewhere++;
        json(res, { data: [] });
      });
      const { id } = expectValue(
        await call('sources.saveSecret', { value: 'tok-SECRET-test', url: `${api.url}/v1/items` }),
      ) as { id: string };
      try {
        const refused = await call('sources.testRequest', {
          source: {
            kind: 'http',
            url: `${other.url}/v1/items`,
            auth: { type: 'bearer', token: { secret: id } },
            records: 'data',
          },
        });
        expect(refused.ok).toBe(false);
        if (!refused.ok) {
          expect(refused.error.code).toBe('secret_unavailable');
          expect(refused.error.message).toBe(
            `source.auth.token: the saved secret '${id}' is for ${api.url} and is not sent to ${other.url}: enter the secret again for this API`,
          );
        }
        expect(elsewhere).toBe(0);
        const result = expectValue(
          await call('sources.testRequest', {
            source: {
              kind: 'http',
              url: `${api.url}/v1/items?key=k1`,
              auth: { type: 'bearer', token: { secret: id } },
              records: 'data',
              pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'after' },
            },
          }),
        ) as {
          request: string;
          status: number;
          headers: [string, string][];
          records: unknown[];
          next: string;
        };
        expect(result.request).toBe(`GET ${api.url}/v1/items?key=***`);
        expect(result.status).toBe(200);
        expect(result.records).toEqual([{ id: '12345678901234567890', n: 1 }]);
        expect(result.next).toBe(`cursor from next, sent as after: ${api.url}/v1/items?key=***&after=***`);
        expect(result.headers).toContainEqual(['set-cookie', '***']);
        expect(JSON.stringify(result)).not.toContain('tok-SECRET');
      } finally {
        await api.close();
        await other.close();
      }
    },
    bad: async () =>
      expectIssues(
        await call('sources.testRequest', {
          source: { kind: 'http', url: 'ftp://x', auth: { type: 'bearer', token: 'in-clear' } },
        }),
        'bad_request',
        ['source.url', 'source.auth.token'],
      ),
  },
  'preview.run': {
    good: async () => {
      const result = expectValue(await call('preview.run', { spec: { source: { handle } }, limit: 10 })) as {
        rows: unknown[];
        rejectedRows: number;
      };
      expect(result.rows).toHaveLength(2);
    },
    bad: async () => {
      expectIssues(await call('preview.run', { spec: { source: {} }, limit: 0 }), 'spec_invalid', [
        'spec.source.handle',
        'limit',
      ]);
      expectIssues(
        await call('preview.run', { spec: { source: { handle: 'w_not-a-read-grant' } } }),
        'file_not_granted',
        ['spec.source.handle'],
      );
    },
  },
  'targets.tables': {
    bad: async () =>
      expectIssues(await call('targets.tables', { connection: '' }), 'bad_request', ['connection']),
  },
  'targets.check': {
    bad: async () =>
      expectIssues(
        await call('targets.check', {
          connection: 'local',
          table: '',
          columns: [{ name: 'a', type: 'money' }],
        }),
        'bad_request',
        ['table', 'columns.0.type'],
      ),
  },
  'targets.fix': {
    bad: async () =>
      expectIssues(
        await call('targets.fix', { connection: 'local', fix: { kind: 'drop_table', table: 'x' } }),
        'bad_request',
        ['fix.kind'],
      ),
  },
  'jobs.list': {
    good: async () => expect(Array.isArray(expectValue(await call('jobs.list', {})))).toBe(true),
    bad: async () => expectIssues(await call('jobs.list', []), 'bad_request', ['(root)']),
  },
  'jobs.save': {
    good: async () => {
      const spec = { source: { handle }, target: { table: 'orders', mode: 'append' } };
      expect(expectValue(await call('jobs.save', { name: 'nightly', spec }))).toEqual({ ok: true });
      expect(expectValue(await call('jobs.list', {}))).toEqual([
        {
          name: 'nightly',
          updatedAt: expect.any(String),
          source: csv,
          sourceName: 'orders.csv',
          uploaded: false,
          table: 'orders',
          mode: 'append',
          schedule: null,
          paused: false,
          nextRunAt: null,
          running: false,
          lastRun: null,
        },
      ]);
    },
    bad: async () =>
      expectIssues(
        await call('jobs.save', {
          name: '',
          spec: { source: { handle }, target: { table: 't', mode: 'upsert' } },
        }),
        'spec_invalid',
        ['name', 'spec.target.key'],
      ),
  },
  'jobs.get': {
    good: async () => {
      const job = expectValue(await call('jobs.get', { name: 'nightly' })) as {
        spec: { source: Record<string, unknown> };
        file: { handle: string; name: string; uploaded: boolean };
        fileProblem: string | null;
      };
      // The saved file comes back as a fresh grant, never as a path.
      expect(job.spec.source).toEqual({});
      expect(job.file).toMatchObject({ name: 'orders.csv', uploaded: false, sizeBytes: expect.any(Number) });
      expect(job.file.handle).not.toBe(handle);
      expect(job.fileProblem).toBeNull();
      expect(JSON.stringify(job)).not.toContain(csv);
      expect(await call('jobs.get', { name: 'nope' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('jobs.get', { name: '' }), 'bad_request', ['name']),
  },
  'jobs.run': {
    bad: async () => {
      expectIssues(await call('jobs.run', { name: '', dryRun: 1 }), 'bad_request', ['name', 'dryRun']);
      expect(await call('jobs.run', { name: 'nope' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
  },
  'jobs.schedule.set': {
    good: async () => {
      const schedule = { cron: '30 6 * * 1-5', timezone: 'Europe/Paris' };
      expect(expectValue(await call('jobs.schedule.set', { name: 'nightly', schedule }))).toEqual({
        ok: true,
      });
      const [job] = expectValue(await call('jobs.list', {})) as Array<Record<string, unknown>>;
      expect(job).toMatchObject({
        schedule: { ...schedule, missed: 'skip', maxRunMinutes: 60 },
        paused: false,
        nextRunAt: expect.stringMatching(/T0[45]:30:00\.000Z$/),
      });
      // The rest of the job is as saved: it still opens with its file.
      expect(expectValue(await call('jobs.get', { name: 'nightly' }))).toMatchObject({ fileProblem: null });
    },
    bad: async () =>
      expectIssues(
        await call('jobs.schedule.set', {
          name: 'nightly',
          schedule: { cron: 'every day', timezone: 'Moon/Base', missed: 'maybe', maxRunMinutes: 0 },
        }),
        'bad_request',
        ['schedule.cron', 'schedule.timezone', 'schedule.missed', 'schedule.maxRunMinutes'],
      ),
  },
  'jobs.schedule.pause': {
    good: async () => {
      expect(expectValue(await call('jobs.schedule.pause', { name: 'nightly' }))).toEqual({ ok: true });
      const [job] = expectValue(await call('jobs.list', {})) as Array<Record<string, unknown>>;
      expect(job).toMatchObject({ paused: true, nextRunAt: null });
      expect(await call('jobs.schedule.pause', { name: 'nope' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('jobs.schedule.pause', {}), 'bad_request', ['name']),
  },
  'jobs.schedule.resume': {
    good: async () => {
      expect(expectValue(await call('jobs.schedule.resume', { name: 'nightly' }))).toEqual({ ok: true });
      const [job] = expectValue(await call('jobs.list', {})) as Array<Record<string, unknown>>;
      expect(job).toMatchObject({ paused: false, nextRunAt: expect.any(String) });
    },
    bad: async () => expectIssues(await call('jobs.schedule.resume', { name: 3 }), 'bad_request', ['name']),
  },
  'jobs.delete': {
    good: async () => {
      expect(expectValue(await call('jobs.delete', { name: 'nightly' }))).toEqual({ ok: true });
      expect(await call('jobs.delete', { name: 'nightly' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('jobs.delete', { name: 3 }), 'bad_request', ['name']),
  },
  'loads.start': {
    bad: async () =>
      expectIssues(
        await call('loads.start', { spec: { source: { handle }, extra: 1 }, dryRun: 'yes' }),
        'spec_invalid',
        ['spec', 'dryRun'],
      ),
  },
  'loads.reload': {
    good: async () => {
      // Through the loader and PostgreSQL in e2e/fix-and-reload.spec.ts; here the
      // answer for a run that is not there.
      const reply = await call('loads.reload', { runId: 'r_nothing', file: handle });
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(reply.error.code).toBe('not_found');
    },
    bad: async () =>
      expectIssues(await call('loads.reload', { runId: 5, file: '' }), 'bad_request', ['runId', 'file']),
  },
  'loads.cancel': {
    good: async () =>
      expect(expectValue(await call('loads.cancel', { runId: 'r_nothing' }))).toEqual({ cancelled: false }),
    bad: async () => expectIssues(await call('loads.cancel', {}), 'bad_request', ['runId']),
  },
  'loads.cancelStart': {
    good: async () =>
      expect(expectValue(await call('loads.cancelStart', { startId: 's_nothing' }))).toEqual({
        cancelled: false,
      }),
    bad: async () =>
      expectIssues(await call('loads.cancelStart', { startId: '' }), 'bad_request', ['startId']),
  },
  'loads.resume': {
    // The succeeded run has every row: a domain refusal, not a validation error.
    good: async () =>
      expect(await call('loads.resume', { runId })).toMatchObject({
        ok: false,
        error: { code: 'resume_not_possible', message: expect.stringContaining('it succeeded') },
      }),
    bad: async () => expectIssues(await call('loads.resume', {}), 'bad_request', ['runId']),
  },
  'runs.list': {
    good: async () => {
      const runs = expectValue(await call('runs.list', { status: 'succeeded' })) as Array<{ id: string }>;
      expect(runs.map((r) => r.id)).toEqual([runId]);
    },
    bad: async () =>
      expectIssues(await call('runs.list', { limit: 0, status: 'weird' }), 'bad_request', [
        'limit',
        'status',
      ]),
  },
  'runs.get': {
    good: async () => {
      expect(expectValue(await call('runs.get', { runId }))).toMatchObject({
        id: runId,
        status: 'succeeded',
        counts: { read: 2, inserted: 1, rejected: 1 },
      });
      expect(await call('runs.get', { runId: 'r_missing' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('runs.get', { runId: '' }), 'bad_request', ['runId']),
  },
  'runs.events': {
    good: async () => {
      const events = expectValue(await call('runs.events', { runId })) as Array<Record<string, unknown>>;
      expect(events.at(-1)).toEqual({
        id: expect.any(Number),
        at: expect.any(String),
        kind: 'watermark_set_aside',
        message: 'the watermark 5 was kept for …',
      });
      expect(await call('runs.events', { runId: 'r_missing' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('runs.events', { runId: '' }), 'bad_request', ['runId']),
  },
  'reports.page': {
    good: async () => {
      const page = expectValue(await call('reports.page', { runId, column: 'amount' })) as {
        total: number;
        rows: Array<{ line: number; errors: Array<{ reason: string }> }>;
        sourceColumns: string[];
      };
      expect(page.total).toBe(1);
      expect(page.rows[0]).toMatchObject({ line: 3, errors: [{ reason: 'invalid_number' }] });
      expect(page.sourceColumns).toEqual(['id', 'amount', 'day']);
    },
    bad: async () =>
      expectIssues(
        await call('reports.page', { runId, offset: -1, limit: 5000, stage: 'x' }),
        'bad_request',
        ['offset', 'limit', 'stage'],
      ),
  },
  'reports.summary': {
    good: async () =>
      expect(expectValue(await call('reports.summary', { runId }))).toEqual([
        { reason: 'invalid_number', column: 'amount', stage: 'normalize', count: 1, example: 'x' },
      ]),
    bad: async () => expectIssues(await call('reports.summary', { run: runId }), 'bad_request', ['runId']),
  },
  'reports.export': {
    good: async () => {
      const out = path.join(t.filesDir, 'errors.csv');
      const { handle: file } = await t.engine.grants.grantWrite(out, { overwrite: false });
      expect(expectValue(await call('reports.export', { runId, format: 'csv', file }))).toEqual({
        rows: 1,
        path: out,
      });
      // A write grant is used once.
      expectIssues(await call('reports.export', { runId, format: 'csv', file }), 'file_not_granted', [
        'file',
      ]);
      await expect(
        t.engine.grants.grantWrite(path.join(t.filesDir, 'nope', 'x.csv'), { overwrite: false }),
      ).rejects.toMatchObject({ code: 'BAD_USAGE' });
      await expect(t.engine.grants.grantWrite(t.filesDir, { overwrite: true })).rejects.toMatchObject({
        code: 'BAD_USAGE',
      });
      await expect(t.engine.grants.grantWrite('errors.csv', { overwrite: false })).rejects.toMatchObject({
        code: 'BAD_USAGE',
      });
    },
    bad: async () =>
      expectIssues(await call('reports.export', { runId, format: 'xml', path: out() }), 'bad_request', [
        'format',
        'file',
      ]),
  },
  'reports.exportForFixing': {
    good: async () => {
      const out = path.join(t.filesDir, 'for-fixing.csv');
      const { handle: file } = await t.engine.grants.grantWrite(out, { overwrite: false });
      expect(expectValue(await call('reports.exportForFixing', { runId, file }))).toEqual({
        rows: 1,
        path: out,
      });
      // Only the source's columns, then what was wrong; a reload reads it back.
      expect(fs.readFileSync(out, 'utf8')).toBe(
        "id,amount,day,loadstone_error\r\n2,x,2024-03-06,amount: 'x' is not a number\r\n",
      );
      expectIssues(await call('reports.exportForFixing', { runId, file }), 'file_not_granted', ['file']);
    },
    bad: async () =>
      expectIssues(await call('reports.exportForFixing', { runId, bom: 'yes' }), 'bad_request', [
        'file',
        'bom',
      ]),
  },
  'dialogs.openFile': {
    good: async () => expect(expectValue(await call('dialogs.openFile', {}))).toEqual({ file: null }),
    bad: async () => expectIssues(await call('dialogs.openFile', { title: 5 }), 'bad_request', ['title']),
  },
  'dialogs.saveFile': {
    good: async () =>
      expect(expectValue(await call('dialogs.saveFile', { defaultName: 'x.csv' }))).toEqual({ file: null }),
    bad: async () => expectIssues(await call('dialogs.saveFile', {}), 'bad_request', ['defaultName']),
  },
  'alerts.save': {
    good: async () => {
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const saved = expectValue(
        await call('alerts.save', {
          name: 'ops',
          kind: 'webhook',
          url: 'https://example.invalid/hook',
          secret,
        }),
      );
      expect(saved).toMatchObject({ name: 'ops', kind: 'webhook', hasSavedSecret: true, secretEnv: null });
      expect(JSON.stringify(saved)).not.toContain(secret.slice(6));
      // Secrets are write-only: an edit without one keeps it.
      expect(
        expectValue(
          await call('alerts.save', {
            previousName: 'ops',
            name: 'ops',
            kind: 'webhook',
            url: 'https://example.invalid/h2',
          }),
        ),
      ).toMatchObject({ url: 'https://example.invalid/h2', hasSavedSecret: true });
      expect(expectValue(await call('alerts.save', { name: 'me', kind: 'desktop' }))).toMatchObject({
        kind: 'desktop',
      });
      expect(
        await call('alerts.save', {
          name: 'bad',
          kind: 'webhook',
          url: 'https://x.invalid',
          secret: 'plain',
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'bad_usage' },
      });
    },
    bad: async () =>
      expectIssues(await call('alerts.save', { name: 'a b', kind: 'pager' }), 'bad_request', [
        'name',
        'kind',
      ]),
  },
  'alerts.list': {
    good: async () => {
      const list = expectValue(await call('alerts.list', {})) as {
        channels: Array<{ name: string }>;
        defaults: unknown;
      };
      expect(list.channels.map((c) => c.name)).toEqual(['me', 'ops']);
      expect(list.defaults).toBeNull();
    },
    bad: async () => expectIssues(await call('alerts.list', 1), 'bad_request', ['(root)']),
  },
  'alerts.test': {
    good: async () => {
      const shown: unknown[] = [];
      const off = t.engine.bus.on('alert.desktop', (n) => shown.push(n));
      expect(expectValue(await call('alerts.test', { name: 'me' }))).toMatchObject({
        channel: 'me',
        event: 'alert.test',
        status: 'sent',
        attempts: 1,
        answer: 'shown',
      });
      off();
      expect(shown).toEqual([
        expect.objectContaining({ title: 'Test message from Loadstone: (test)', event: 'alert.test' }),
      ]);
      expect(await call('alerts.test', { name: 'ghost' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('alerts.test', { name: '' }), 'bad_request', ['name']),
  },
  'alerts.setDefaults': {
    good: async () => {
      expect(expectValue(await call('alerts.setDefaults', { rules: { channels: ['ops'] } }))).toEqual({
        channels: ['ops'],
        on: ['failure', 'threshold', 'warning', 'interrupted', 'schedule'],
      });
      expect(expectValue(await call('alerts.setDefaults', { rules: null }))).toBeNull();
    },
    bad: async () =>
      expectIssues(
        await call('alerts.setDefaults', { rules: { channels: [], on: ['never'] } }),
        'bad_request',
        ['rules.channels', 'rules.on.0'],
      ),
  },
  'alerts.delete': {
    good: async () => {
      expect(expectValue(await call('alerts.delete', { name: 'me' }))).toEqual({ ok: true });
      expect(await call('alerts.delete', { name: 'me' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('alerts.delete', {}), 'bad_request', ['name']),
  },
  'runs.alerts': {
    good: async () => {
      expect(expectValue(await call('runs.alerts', { runId }))).toEqual([]);
      expect(await call('runs.alerts', { runId: 'r_missing' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    },
    bad: async () => expectIssues(await call('runs.alerts', { runId: 3 }), 'bad_request', ['runId']),
  },
};

describe('contract: every command validates its payload', () => {
  it('has a case for every command of the contract', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(commands).sort());
  });

  // In declaration order: later cases use what earlier ones saved (the `wh` connection, the `nightly` job).
  for (const [name, c] of Object.entries(cases)) {
    if (c.good) it(`${name}: a good payload is answered`, c.good);
    it(`${name}: a bad payload gets a structured error with paths`, c.bad);
  }

  it('refuses unknown commands and prototype names', async () => {
    for (const name of ['nope.nothing', 'constructor', '__proto__', 'toString']) {
      expect(await call(name, {})).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    }
  });
});

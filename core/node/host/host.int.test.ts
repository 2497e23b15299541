import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { openTestEngine, type TestEngine } from '../handlers/test-support.ts';
import { KeyedSecretStore, openStore } from '../store/index.ts';
import { type BrowserHost, startBrowserHost } from './host.ts';
import { CONTENT_SECURITY_POLICY } from './security.ts';
import { callApi, callValue, collectEvents, rawRequest } from './test-support.ts';

// The browser host over real HTTP on 127.0.0.1, with a real engine (SQLite store in a temp folder).

let t: TestEngine;
let host: BrowserHost;
let rendererDir: string;
let runId: string;

beforeAll(async () => {
  t = await openTestEngine();
  rendererDir = path.join(t.filesDir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><title>Loadstone</title><div id="root"></div>',
  );
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app-1234.js'), 'console.log("ui")');
  fs.writeFileSync(path.join(t.filesDir, 'secret.txt'), 'outside the renderer');
  host = await startBrowserHost({ engine: t.engine, rendererDir, heartbeatMs: 50 });

  const store = openStore(t.dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
  try {
    const spec = parseJobSpec({ source: { path: '/data/in.csv' }, target: { table: 'orders' } });
    runId = store.runs.create({ spec, sourceColumns: ['id', 'note'] });
    const writer = store.rejects.writer(runId);
    writer.add([
      {
        line: 7,
        stage: 'normalize',
        raw: { id: 'x7', note: '=HYPERLINK("evil")' },
        errors: [{ column: 'id', value: 'x7', reason: 'invalid_integer', message: "'x7' is not an integer" }],
      },
    ]);
    writer.flush();
    store.runs.finish(runId, { status: 'succeeded', counts: { read: 10, inserted: 9 } });
  } finally {
    store.close();
  }
});

/** A one-use download ticket for `id`'s report, asked for with the launch token as the page does. */
async function ticketFor(id: string): Promise<string> {
  const res = await rawRequest(host, {
    method: 'POST',
    path: `/api/reports/${encodeURIComponent(id)}/ticket`,
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { value: { ticket: string } }).value.ticket;
}

afterAll(async () => {
  await host?.close();
  await t?.close();
});

describe('browser host: access control', () => {
  it('listens on 127.0.0.1 and hands out a 32-byte base64url token in the URL fragment', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.url).toBe(`${host.origin}/#token=${host.token}`);
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
  });

  it('answers a call with the right token', async () => {
    const { status, reply } = await callApi(host, 'app.info', {});
    expect(status).toBe(200);
    expect(reply).toMatchObject({ ok: true, value: { transport: 'http', dataDir: t.dataDir } });
  });

  it('refuses calls without a token, with a wrong one, or with the token in the query string', async () => {
    const none = await callApi(host, 'app.info', {}, { token: null });
    expect(none.status).toBe(401);
    expect(none.reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    const wrong = await callApi(host, 'app.info', {}, { token: `${host.token.slice(0, -2)}xx` });
    expect(wrong.status).toBe(401);

    const query = await rawRequest(host, {
      method: 'POST',
      path: `/api/call/app.info?token=${host.token}`,
      token: null,
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(query.status).toBe(401);

    const events = await rawRequest(host, { path: '/api/events?token=nope', token: null });
    expect(events.status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) on the API and on static files', async () => {
    for (const hostHeader of [
      'evil.example:80',
      `evil.example:${host.port}`,
      `127.0.0.1:${host.port + 1}`,
      '127.0.0.1',
    ]) {
      const api = await callApi(host, 'app.info', {}, { headers: { Host: hostHeader } });
      expect(api.status).toBe(403);
      expect(api.reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const page = await rawRequest(host, { path: '/', headers: { Host: hostHeader }, token: null });
      expect(page.status).toBe(403);
    }
    const localhost = await callApi(host, 'app.info', {}, { headers: { Host: `localhost:${host.port}` } });
    expect(localhost.status).toBe(200);
  });

  it('refuses a foreign Origin, and accepts its own', async () => {
    for (const origin of [
      'http://evil.example',
      `http://127.0.0.1:${host.port + 1}`,
      'null',
      `https://127.0.0.1:${host.port}`,
    ]) {
      const res = await callApi(host, 'app.info', {}, { headers: { Origin: origin } });
      expect(res.status).toBe(403);
    }
    const own = await callApi(host, 'app.info', {}, { headers: { Origin: host.origin } });
    expect(own.status).toBe(200);
    const crossSite = await callApi(host, 'app.info', {}, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
  });

  it('grants no CORS, and a form or fetch from another local page or a file:// page cannot call or upload', async () => {
    const preflight = await rawRequest(host, {
      method: 'OPTIONS',
      path: '/api/call/app.info',
      token: null,
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(403);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    for (const origin of ['http://localhost:3000', `http://localhost:${host.port + 1}`, 'null']) {
      // A form POST carries no Authorization header; even a fetch that somehow had the token is refused.
      for (const token of [null, host.token]) {
        for (const [path, type] of [
          ['/api/call/settings.set', 'text/plain'],
          ['/api/call/settings.set', 'application/x-www-form-urlencoded'],
          ['/api/upload?name=x.csv', 'multipart/form-data; boundary=b'],
        ] as const) {
          const res = await rawRequest(host, {
            method: 'POST',
            path,
            token,
            headers: { Origin: origin, 'Content-Type': type, 'Sec-Fetch-Site': 'same-site' },
            body: '{}',
          });
          expect(res.status, `${origin} ${path} ${type}`).toBe(403);
          expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
        }
      }
    }
    expect(fs.existsSync(path.join(t.dataDir, 'uploads'))).toBe(false);
  });

  it('refuses a JSON body over 1 MiB with 413, whether announced or streamed', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    const announced = await rawRequest(host, {
      method: 'POST',
      path: '/api/call/jobs.get',
      headers: { 'Content-Type': 'application/json' },
      body: big,
    });
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.body)).toMatchObject({ ok: false, error: { code: 'too_large' } });

    const streamed = await rawRequest(host, {
      method: 'POST',
      path: '/api/call/jobs.get',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body: big,
    });
    expect(streamed.status).toBe(413);
    // The connection and the host survive it.
    expect((await callApi(host, 'app.info', {})).status).toBe(200);
  });

  it('requires JSON for calls and answers malformed JSON with 400', async () => {
    const text = await rawRequest(host, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    const broken = await rawRequest(host, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":',
    });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('answers validation errors with 400 and their paths, unknown commands and runs with 404', async () => {
    const bad = await callApi(host, 'runs.list', { limit: 0 });
    expect(bad.status).toBe(400);
    expect(bad.reply.error).toMatchObject({ code: 'bad_request', issues: [{ path: 'limit' }] });
    expect((await callApi(host, 'no.such', {})).status).toBe(404);
    expect((await callApi(host, 'runs.get', { runId: 'r_missing' })).status).toBe(404);
    expect((await rawRequest(host, { path: '/api/call/app.info' })).status).toBe(405);
    expect((await rawRequest(host, { path: '/api/nothing' })).status).toBe(404);
  });
});

describe('browser host: static files', () => {
  it('serves the renderer with the CSP and nosniff headers, and falls back to index.html for app routes', async () => {
    const index = await rawRequest(host, { path: '/', token: null });
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    // No camera, microphone, location, screen capture or devices for the page, as in Electron.
    const allowed = Object.fromEntries(
      String(index.headers['permissions-policy'])
        .split(/,\s*/)
        .map((d) => d.split('=') as [string, string]),
    );
    for (const feature of [
      'camera',
      'microphone',
      'geolocation',
      'display-capture',
      'usb',
      'hid',
      'serial',
    ]) {
      expect(allowed[feature], feature).toBe('()');
    }
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<div id="root">');

    const route = await rawRequest(host, { path: '/runs/r_1?x=1', token: null });
    expect(route.body).toBe(index.body);

    const asset = await rawRequest(host, { path: '/assets/app-1234.js', token: null });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await rawRequest(host, { path: '/assets/missing.js', token: null })).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%5c%2e%2e%5csecret.txt',
      '/..\\secret.txt',
      '/%00',
    ]) {
      const res = await rawRequest(host, { path: p, token: null });
      expect(res.body).not.toContain('outside the renderer');
    }
  });

  it('does not follow a symbolic link out of the renderer folder', async () => {
    // A stray link in a build (or a folder linked in for development) points outside the folder.
    fs.symlinkSync(path.join(t.filesDir, 'secret.txt'), path.join(rendererDir, 'linked.txt'));
    fs.symlinkSync(t.filesDir, path.join(rendererDir, 'linked-dir'));
    fs.symlinkSync(path.join(rendererDir, 'index.html'), path.join(rendererDir, 'inside.html'));
    for (const p of ['/linked.txt', '/linked-dir/secret.txt']) {
      const res = await rawRequest(host, { path: p, token: null });
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('outside the renderer');
    }
    // A link that stays inside is served as its target.
    const inside = await rawRequest(host, { path: '/inside.html', token: null });
    expect(inside.body).toContain('<div id="root">');
  });
});

describe('browser host: events, uploads, downloads', () => {
  it('streams events over SSE: a settings change reaches the stream as data.changed', async () => {
    const { events, comments } = await collectEvents(host, (e) => e.some((x) => x.event === 'data.changed'), {
      onOpen: () => {
        void callValue(host, 'settings.set', {
          timeZone: 'UTC',
          dateOrder: 'YMD',
          retention: { keepRuns: 5, keepDays: null },
        });
      },
    });
    expect(events).toContainEqual({ event: 'data.changed', data: { domain: 'settings' } });
    expect(comments).toContain('connected');
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const beats = (comments: string[]) => comments.filter((c) => c === 'heartbeat').length;
    const { comments } = await collectEvents(host, (_e, c) => beats(c) >= 2);
    expect(beats(comments)).toBe(2);
  });

  it('stores an upload under the data folder keeping its name, grants it, then previews it by handle', async () => {
    const csv = 'sku;price\nA-1;3,50\nB-2;4,75\n';
    const res = await rawRequest(host, {
      method: 'POST',
      path: `/api/upload?name=${encodeURIComponent('../../Ventes été.csv')}`,
      headers: { 'Content-Type': 'text/csv' },
      body: Buffer.from(csv, 'utf8'),
    });
    expect(res.status).toBe(200);
    const file = (JSON.parse(res.body) as { value: { handle: string; name: string; uploaded: boolean } })
      .value;
    // The page gets a handle and the name it gave, never the path on the host.
    expect(file).toEqual({
      handle: expect.stringMatching(/^f_/),
      name: '../../Ventes été.csv',
      sizeBytes: Buffer.byteLength(csv),
      uploaded: true,
    });
    expect(res.body).not.toContain(t.dataDir);
    const [folder] = fs.readdirSync(path.join(t.dataDir, 'uploads'));
    expect(folder).toMatch(/^[0-9a-f]{16}$/);
    expect(fs.readFileSync(path.join(t.dataDir, 'uploads', folder!, 'Ventes été.csv'), 'utf8')).toBe(csv);

    const preview = await callValue<{
      format: { delimiter: string };
      rows: Array<{ values: Record<string, unknown> }>;
    }>(host, 'preview.run', { spec: { source: { handle: file.handle } }, limit: 10 });
    expect(preview.format.delimiter).toBe(';');
    expect(preview.rows).toHaveLength(2);
  });

  it('refuses an upload without a name or a token', async () => {
    expect((await rawRequest(host, { method: 'POST', path: '/api/upload', body: 'x' })).status).toBe(400);
    expect(
      (await rawRequest(host, { method: 'POST', path: '/api/upload?name=a.csv', body: 'x', token: null }))
        .status,
    ).toBe(401);
  });

  it('downloads an error report as an attachment, by a one-use ticket', async () => {
    const res = await rawRequest(host, {
      path: `/api/reports/${runId}/export?format=csv&ticket=${await ticketFor(runId)}`,
      token: null,
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="loadstone-run-${runId}-rejected.csv"`,
    );
    const lines = res.body.trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,note,line,stage,column,reason,message');
    expect(lines[1]).toContain('x7');
    expect(lines[1]).toContain('invalid_integer');
    // Formula injection is neutralised by the store's CSV writer.
    expect(lines[1]).not.toMatch(/,=HYPERLINK/);

    const ndjson = await rawRequest(host, { path: `/api/reports/${runId}/export?format=ndjson` });
    expect(JSON.parse(ndjson.body.trim())).toMatchObject({ line: 7, stage: 'normalize' });

    // The report's text filter: a value or message holding the text, in any case; % is a character.
    const found = await rawRequest(host, { path: `/api/reports/${runId}/export?format=ndjson&text=X7` });
    expect(JSON.parse(found.body.trim())).toMatchObject({ line: 7 });
    // A filtered download says so in its name, as the desktop app's save dialog does.
    expect(found.headers['content-disposition']).toBe(
      `attachment; filename="loadstone-run-${runId}-rejected-filtered.ndjson"`,
    );
    const none = await rawRequest(host, {
      path: `/api/reports/${runId}/export?format=ndjson&text=${encodeURIComponent('x%')}`,
    });
    expect(none.status).toBe(200);
    expect(none.body).toBe('');
  });

  it('answers a download of an unknown run or format with a JSON error, not a broken file', async () => {
    const missing = await rawRequest(host, { path: '/api/reports/r_missing/export?format=csv' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const format = await rawRequest(host, { path: `/api/reports/${runId}/export?format=xml` });
    expect(format.status).toBe(400);
  });

  it('never takes the launch token in a download link: only a ticket, once, for its run', async () => {
    // A download is a link the browser follows: its URL stays in the download list and in copied links.
    const withToken = await rawRequest(host, {
      path: `/api/reports/${runId}/export?format=csv&token=${encodeURIComponent(host.token)}`,
      token: null,
    });
    expect(withToken.status).toBe(401);

    // A ticket needs the token (in the header) to be issued.
    const unissued = await rawRequest(host, {
      method: 'POST',
      path: `/api/reports/${runId}/ticket`,
      token: null,
    });
    expect(unissued.status).toBe(401);

    const ticket = await ticketFor(runId);
    const download = (id: string, t: string) =>
      rawRequest(host, { path: `/api/reports/${id}/export?format=csv&ticket=${t}`, token: null });
    expect((await download(runId, ticket)).status).toBe(200);
    const again = await download(runId, ticket);
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    // A ticket opens its own run's report only, and is spent by trying another.
    const other = await ticketFor('r_other');
    expect((await download(runId, other)).status).toBe(401);
    expect((await download('r_other', other)).status).toBe(401);
    // A ticket is no token for anything else.
    const call = await rawRequest(host, {
      method: 'POST',
      path: `/api/call/app.info?ticket=${await ticketFor(runId)}`,
      token: null,
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(call.status).toBe(401);
  });

  it('never writes the token to its log', () => {
    expect(t.log.lines.join('\n')).not.toContain(host.token);
  });
});

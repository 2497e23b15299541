import { afterEach, describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { type HttpSourceSpec, httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import { JsonNumber, type RawValue } from '../../../common/types.ts';
import { openSource } from '../open-source.ts';
import type { OpenedSource, SourceEvent, SourceRow } from '../types.ts';
import { json, records, startApi, type TestApi } from './test-api-server.ts';

const TOKEN = 'tok-SECRET-4b1d';
const ENV = {
  API_TOKEN: TOKEN,
  API_PASS: 'pw-SECRET-77',
  CLIENT_SECRET: 'cs-SECRET-99',
  API_KEY: 'key-SECRET-12',
};

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function spec(input: Record<string, unknown>): HttpSourceSpec {
  return httpSourceSpecSchema.parse({ kind: 'http', retry: { maxAttempts: 5, baseDelayMs: 5 }, ...input });
}

async function open(input: Record<string, unknown>, events: SourceEvent[] = []): Promise<OpenedSource> {
  return await openSource(spec(input), { env: ENV, onEvent: (e) => events.push(e) });
}

async function readAll(input: Record<string, unknown>, events: SourceEvent[] = []) {
  const source = await open(input, events);
  const rows: SourceRow[] = [];
  try {
    for await (const batch of source.rows()) rows.push(...batch);
  } finally {
    await source.close();
  }
  return { source, rows, ids: rows.map((r) => text(r.values[source.columns.indexOf('id')])) };
}

function text(v: RawValue | undefined): string {
  return v instanceof JsonNumber ? v.text : String(v);
}

async function failure(input: Record<string, unknown>, events: SourceEvent[] = []): Promise<LoadstoneError> {
  try {
    await readAll(input, events);
  } catch (error) {
    expect(error).toBeInstanceOf(LoadstoneError);
    return error as LoadstoneError;
  }
  throw new Error('expected a failure');
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

describe('HTTP source: auth', () => {
  it('bearer from an environment variable, the pinned cursor spec', async () => {
    api = await startApi((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, { error: 'no' }, {}, 401);
      const cursor = req.url.searchParams.get('cursor');
      const page = cursor === null ? 0 : Number(cursor.slice(1));
      json(res, { data: records(page * 3 + 1, 3), next_cursor: page < 2 ? `c${page + 1}` : null });
    });
    const { rows, ids, source } = await readAll({
      url: `${api.url}/v1/orders`,
      auth: { type: 'bearer', token: { env: 'API_TOKEN' } },
      records: 'data',
      pagination: { type: 'cursor', cursorPath: 'next_cursor', cursorParam: 'cursor' },
    });
    expect(ids).toEqual(range(1, 9));
    expect(rows.map((r) => r.line)).toEqual(range(1, 9).map(Number));
    expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, 'c1', 'c2']);
    expect(source.placeOf?.(5, {})).toEqual({
      kind: 'page',
      page: 2,
      url: `${api.url}/v1/orders?cursor=***`,
      record: 2,
    });
  });

  it('basic, apiKey in a header and in the query', async () => {
    api = await startApi((req, res) => {
      const ok =
        req.headers.authorization === `Basic ${Buffer.from(`ann:${ENV.API_PASS}`).toString('base64')}` ||
        req.headers['x-api-key'] === ENV.API_KEY ||
        req.url.searchParams.get('api_key') === ENV.API_KEY;
      json(res, ok ? records(1, 2) : { error: 'refused' }, {}, ok ? 200 : 403);
    });
    const auths = [
      { type: 'basic', user: 'ann', password: { env: 'API_PASS' } },
      { type: 'apiKey', name: 'X-Api-Key', value: { env: 'API_KEY' } },
      { type: 'apiKey', name: 'api_key', value: { env: 'API_KEY' }, in: 'query' },
    ];
    for (const auth of auths) {
      const { ids } = await readAll({ url: `${api.url}/items`, auth });
      expect(ids).toEqual(['1', '2']);
    }
    const refused = await failure({
      url: `${api.url}/items`,
      auth: { type: 'apiKey', name: 'X-Api-Key', value: { env: 'API_TOKEN' } },
    });
    expect(refused.code).toBe('SOURCE_AUTH');
    expect(refused.message).toContain('credentials were refused');
    expect(refused.message).toContain('HTTP 403');
  });

  it('OAuth2 client credentials (basic and post): a 2 s token over 50 pages, refreshed before it expires, no failed page', async () => {
    for (const clientAuth of ['basic', 'post'] as const) {
      const issued = new Map<string, number>();
      let refused = 0;
      let n = 0;
      api = await startApi(async (req, res) => {
        if (req.url.pathname === '/token') {
          const form = new URLSearchParams(req.body);
          const basic = `Basic ${Buffer.from(`app:${ENV.CLIENT_SECRET}`).toString('base64')}`;
          const ok =
            form.get('grant_type') === 'client_credentials' &&
            form.get('scope') === 'read' &&
            (clientAuth === 'basic'
              ? req.headers.authorization === basic
              : form.get('client_id') === 'app' && form.get('client_secret') === ENV.CLIENT_SECRET);
          if (!ok) return json(res, { error: 'invalid_client' }, {}, 401);
          const token = `at-${++n}`;
          issued.set(token, Date.now() + 2000);
          return json(res, { access_token: token, token_type: 'bearer', expires_in: 2 });
        }
        const token = String(req.headers.authorization).replace('Bearer ', '');
        const until = issued.get(token);
        if (until === undefined || Date.now() > until) {
          refused++;
          return json(res, { error: 'expired' }, {}, 401);
        }
        const page = Number(req.url.searchParams.get('page'));
        await new Promise((r) => setTimeout(r, 60)); // 50 pages take longer than a token lives
        json(res, { items: page <= 50 ? records(page * 10 - 9, 10) : [] });
      }, 200);
      const { ids } = await readAll({
        url: `${api.url}/items`,
        auth: {
          type: 'oauth2ClientCredentials',
          tokenUrl: `${api.url}/token`,
          clientId: 'app',
          clientSecret: { env: 'CLIENT_SECRET' },
          scope: 'read',
          clientAuth,
        },
        records: 'items',
        pagination: { type: 'pageNumber', param: 'page' },
      });
      expect(ids).toEqual(range(1, 500));
      expect(refused).toBe(0);
      expect(n).toBeGreaterThan(1);
      await api.close();
      api = undefined;
    }
  });

  it('OAuth2: one refresh on a 401 shared by the request, the page replayed', async () => {
    let n = 0;
    const revoked = new Set<string>();
    let refusals = 0;
    api = await startApi((req, res) => {
      if (req.url.pathname === '/token') return json(res, { access_token: `at-${++n}`, expires_in: 3600 });
      const token = String(req.headers.authorization).replace('Bearer ', '');
      const page = Number(req.url.searchParams.get('page'));
      if (page === 3 && token === 'at-1') revoked.add(token);
      if (revoked.has(token)) {
        refusals++;
        return json(res, { error: 'revoked' }, {}, 401);
      }
      json(res, page <= 4 ? records(page * 2 - 1, 2) : []);
    });
    const events: SourceEvent[] = [];
    const { ids } = await readAll(
      {
        url: `${api.url}/items`,
        auth: {
          type: 'oauth2ClientCredentials',
          tokenUrl: `${api.url}/token`,
          clientId: 'a',
          clientSecret: { env: 'CLIENT_SECRET' },
        },
        pagination: { type: 'pageNumber' },
      },
      events,
    );
    expect(ids).toEqual(range(1, 8));
    expect(n).toBe(2);
    expect(refusals).toBe(1);
    expect(events.map((e) => e.kind)).toEqual(['token_refreshed']);
  });

  it('a token URL refusing the client is SOURCE_AUTH; the secret is in no message', async () => {
    api = await startApi((_req, res) =>
      json(res, { error: 'invalid_client', echo: ENV.CLIENT_SECRET }, {}, 401),
    );
    const error = await failure({
      url: `${api.url}/items`,
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: `${api.url}/token`,
        clientId: 'a',
        clientSecret: { env: 'CLIENT_SECRET' },
        clientAuth: 'post',
      },
    });
    expect(error.code).toBe('SOURCE_AUTH');
    expect(error.message).toContain('refused');
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain('SECRET');
  });

  it('a token URL: 429 is tried again (not a refusal), an oversized answer is refused, a cancel is a cancel', async () => {
    let tokenCalls = 0;
    api = await startApi((req, res) => {
      if (req.url.pathname === '/token') {
        tokenCalls++;
        if (tokenCalls === 1) return json(res, { error: 'slow down' }, {}, 429);
        return json(res, { access_token: 'at-1', expires_in: 3600 });
      }
      if (req.url.pathname === '/big/token') return json(res, { access_token: 'x'.repeat(100_000) });
      json(res, records(1, 2));
    });
    const oauth = (tokenUrl: string) => ({
      type: 'oauth2ClientCredentials',
      tokenUrl,
      clientId: 'a',
      clientSecret: { env: 'CLIENT_SECRET' },
    });
    const events: SourceEvent[] = [];
    const read = await readAll({ url: `${api.url}/items`, auth: oauth(`${api.url}/token`) }, events);
    expect(read.ids).toEqual(['1', '2']);
    expect(tokenCalls).toBe(2);
    // The token request's retry is reported like a page's (shown in progress, kept with the run).
    expect(events.map((e) => [e.kind, e.message])).toEqual([
      ['retry', `the token URL ${api.url}/token: HTTP 429; retrying in 500 ms (attempt 2 of 3)`],
    ]);
    const big = await failure({ url: `${api.url}/items`, auth: oauth(`${api.url}/big/token`) });
    expect(big.code).toBe('SOURCE_AUTH');
    expect(big.message).toContain('more than 64 KB');
    // Cancelled while the token URL is busy: the read ends as cancelled, not as "could not be reached".
    tokenCalls = 0;
    const busy = await startApi((_req, res) => json(res, { error: 'busy' }, {}, 503));
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const source = await openSource(
        { ...spec({ url: `${api.url}/items`, auth: oauth(`${busy.url}/token`) }) },
        { env: ENV, signal: controller.signal },
      ).catch((e: unknown) => e);
      let error: unknown = source;
      if (!(source instanceof Error)) {
        try {
          for await (const _ of (source as OpenedSource).rows()) {
            // nothing comes
          }
        } catch (e) {
          error = e;
        }
      }
      expect(error).toBeInstanceOf(LoadstoneError);
      expect((error as LoadstoneError).code).toBe('LOAD_CANCELLED');
    } finally {
      await busy.close();
    }
  });

  it('an unset environment variable is named', async () => {
    api = await startApi((_req, res) => json(res, []));
    const error = await failure({ url: api.url, auth: { type: 'bearer', token: { env: 'NOT_SET_VAR' } } });
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toContain('NOT_SET_VAR');
  });
});

describe('HTTP source: pagination and stop conditions', () => {
  it('a later page without the records fails the run (a 200 error object), unless the spec says it ends the records', async () => {
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      if (page === 3) return json(res, { message: 'rate limited, try later' });
      if (page === 4) return json(res, { data: null });
      json(res, page <= 5 ? { data: records(page * 10 - 9, 10) } : { data: [] });
    });
    const base = { url: api.url, records: 'data' };
    const error = await failure({ ...base, pagination: { type: 'pageNumber' } });
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain(
      `page 3 (GET ${api.url}/?page=***): the records path 'data' is not in the document (its top-level keys: "message")`,
    );
    expect(error.message).toContain('set pagination.endOnMissingRecords');
    const ended = await readAll({ ...base, pagination: { type: 'pageNumber', endOnMissingRecords: true } });
    expect(ended.ids).toEqual(range(1, 20));
    await api.close();
    // `"data": null` on a later page is an empty page either way (the end, for page numbers).
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      json(res, { data: page === 1 ? records(1, 10) : null });
    });
    const nulls = await readAll({ url: api.url, records: 'data', pagination: { type: 'pageNumber' } });
    expect(nulls.ids).toEqual(range(1, 10));
  });

  it('pageNumber stops on an empty page; a short page is not the end unless configured', async () => {
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('p'));
      // Pages of 3, then a short page of 1 in the middle, then the end.
      const sizes = [3, 1, 3];
      if (page > sizes.length) return json(res, { results: [] });
      const before = sizes.slice(0, page - 1).reduce((a, b) => a + b, 0);
      json(res, { results: records(before + 1, sizes[page - 1]!) });
    });
    const base = { url: `${api.url}/list`, records: 'results' };
    const all = await readAll({
      ...base,
      pagination: { type: 'pageNumber', param: 'p', pageSizeParam: 'size', pageSize: 3 },
    });
    expect(all.ids).toEqual(range(1, 7));
    expect(api.requests.at(-1)!.url.searchParams.get('p')).toBe('4');
    expect(api.requests[0]!.url.searchParams.get('size')).toBe('3');
    const short = await readAll({
      ...base,
      pagination: {
        type: 'pageNumber',
        param: 'p',
        pageSizeParam: 'size',
        pageSize: 3,
        stopOnShortPage: true,
      },
    });
    expect(short.ids).toEqual(range(1, 4));
  });

  it('hasMore false, total reached, maxPages', async () => {
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page') ?? 1);
      json(res, { data: { items: records(page * 2 - 1, 2) }, meta: { more: page < 3, total: 10 } });
    });
    const base = { url: `${api.url}/x`, records: 'data.items' };
    expect(
      (await readAll({ ...base, pagination: { type: 'pageNumber', hasMorePath: 'meta.more' } })).ids,
    ).toEqual(range(1, 6));
    expect(
      (await readAll({ ...base, pagination: { type: 'pageNumber', totalPath: 'meta.total', maxPages: 100 } }))
        .ids,
    ).toEqual(range(1, 10));
    expect((await readAll({ ...base, pagination: { type: 'pageNumber', maxPages: 2 } })).ids).toEqual(
      range(1, 4),
    );
  });

  it('offset/limit advances by the records received, stops at total', async () => {
    api = await startApi((req, res) => {
      const offset = Number(req.url.searchParams.get('offset'));
      const limit = Number(req.url.searchParams.get('limit'));
      const n = Math.min(limit, 11 - offset);
      json(res, { rows: records(offset + 1, Math.max(0, n)), count: 11 });
    });
    const { ids } = await readAll({
      url: `${api.url}/o`,
      records: 'rows',
      pagination: { type: 'offset', limit: 4, totalPath: 'count' },
    });
    expect(ids).toEqual(range(1, 11));
    expect(api.requests.map((r) => r.url.searchParams.get('offset'))).toEqual(['0', '4', '8']);
  });

  it('cursor in a POST body', async () => {
    api = await startApi((req, res) => {
      const body = JSON.parse(req.body) as { after?: string; filter: string };
      expect(body.filter).toBe('open');
      const page = body.after ? Number(body.after) : 0;
      json(res, { items: records(page * 2 + 1, 2), page: { next: page < 2 ? String(page + 1) : '' } });
    });
    const { ids } = await readAll({
      url: `${api.url}/search`,
      method: 'POST',
      body: { filter: 'open' },
      records: 'items',
      pagination: { type: 'cursor', cursorPath: 'page.next', cursorBodyField: 'after' },
    });
    expect(ids).toEqual(range(1, 6));
  });

  it('Link header rel="next" and a relative nextUrl', async () => {
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page') ?? 1);
      const headers: Record<string, string> =
        page < 3
          ? { link: `<${api!.url}/l?page=${page + 1}>; rel="next", <${api!.url}/l?page=1>; rel="first"` }
          : {};
      if (req.url.pathname === '/l') return json(res, records(page * 2 - 1, 2), headers);
      json(res, { data: records(page * 2 - 1, 2), links: { next: page < 4 ? `n?page=${page + 1}` : null } });
    });
    expect((await readAll({ url: `${api.url}/l`, pagination: { type: 'linkHeader' } })).ids).toEqual(
      range(1, 6),
    );
    expect(
      (
        await readAll({
          url: `${api.url}/api/n`,
          records: 'data',
          pagination: { type: 'nextUrl', nextUrlPath: 'links.next' },
        })
      ).ids,
    ).toEqual(range(1, 8));
    expect(api.requests.at(-1)!.url.pathname).toBe('/api/n');
  });

  it('a relative next URL resolves against where the page came from after a redirect', async () => {
    api = await startApi((req, res) => {
      if (req.url.pathname === '/old/list') {
        res.writeHead(302, { location: '/new/list' }).end();
        return;
      }
      if (req.url.pathname === '/new/list') return json(res, { data: records(1, 2), next: 'list2' });
      if (req.url.pathname === '/new/list2') return json(res, { data: records(3, 2), next: null });
      json(res, { error: 'not here' }, {}, 404);
    });
    const { ids } = await readAll({
      url: `${api.url}/old/list`,
      records: 'data',
      pagination: { type: 'nextUrl', nextUrlPath: 'next' },
    });
    expect(ids).toEqual(range(1, 4));
  });

  it('a repeated cursor is a pagination loop', async () => {
    api = await startApi((req, res) => {
      const c = req.url.searchParams.get('cursor');
      json(res, { data: records(c === null ? 1 : 3, 2), next: c === null ? 'a' : c === 'a' ? 'b' : 'a' });
    });
    const error = await failure({
      url: api.url,
      records: 'data',
      pagination: { type: 'cursor', cursorPath: 'next' },
    });
    expect(error.code).toBe('PAGINATION_LOOP');
    expect(error.message).toContain('loop');
    expect(api.requests.length).toBe(3);
  });

  it('a page past the end repeating the last page is a loop, not an endless read', async () => {
    api = await startApi((req, res) => {
      const page = Math.min(Number(req.url.searchParams.get('page')), 3);
      json(res, records(page * 2 - 1, 2));
    });
    const error = await failure({ url: api.url, pagination: { type: 'pageNumber' } });
    expect(error.code).toBe('PAGINATION_LOOP');
    expect(error.message).toMatch(
      /pagination loop: page 4 \(\S+\) is identical to page 3; the API would be read forever/,
    );
  });

  it('pages of equal records with different cursors are not a loop', async () => {
    api = await startApi((req, res) => {
      const day = Number(req.url.searchParams.get('cursor') ?? 1);
      json(res, { data: [{ count: 0 }], next: day < 3 ? String(day + 1) : null });
    });
    const { rows } = await readAll({
      url: api.url,
      records: 'data',
      pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' },
    });
    expect(rows).toHaveLength(3);
  });

  it('a server ignoring the offset is a loop even when its wrapper changes (request id, time)', async () => {
    let n = 0;
    api = await startApi((req, res) => {
      n++;
      json(res, {
        request_id: `req-${n}`,
        at: Date.now(),
        offset: req.url.searchParams.get('offset'),
        data: records(1, 3),
      });
    });
    const error = await failure({
      url: api.url,
      records: 'data',
      pagination: { type: 'offset', limit: 3 },
    });
    expect(error.code).toBe('PAGINATION_LOOP');
    expect(error.message).toMatch(/pagination loop: page 2 \(\S+\) is identical to page 1;/);
    expect(n).toBe(2);
  });

  it('the records path missing on the first page is refused with the keys found', async () => {
    api = await startApi((_req, res) => json(res, { result: { rows: [] }, meta: {} }));
    const error = await failure({ url: api.url, records: 'data' });
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain(
      `records path 'data' is not in the document (its top-level keys: "result", "meta")`,
    );
  });
});

describe('HTTP source: faults', () => {
  it('Retry-After in seconds and as a date, 500 then success; every retry reported', async () => {
    let calls = 0;
    api = await startApi((_req, res) => {
      calls++;
      if (calls === 1) return json(res, { e: 1 }, { 'retry-after': '1' }, 429);
      if (calls === 2)
        return json(res, { e: 1 }, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }, 503);
      if (calls === 3) return json(res, { e: 'boom' }, {}, 500);
      json(res, records(1, 3));
    });
    const events: SourceEvent[] = [];
    const { ids } = await readAll({ url: api.url }, events);
    expect(ids).toEqual(range(1, 3));
    expect(events.map((e) => e.kind)).toEqual(['rate_limited', 'rate_limited', 'retry']);
    expect(events[0]!.data?.waitMs).toBe(1000);
    expect(Number(events[1]!.data?.waitMs)).toBeGreaterThan(0);
    expect(events[2]!.message).toContain('HTTP 500');
  });

  it('rateLimit.requestsPerSecond spaces the requests', async () => {
    const at: number[] = [];
    api = await startApi((req, res) => {
      at.push(performance.now());
      const page = Number(req.url.searchParams.get('page'));
      json(res, page <= 4 ? records(page, 1) : []);
    });
    const { ids } = await readAll({
      url: api.url,
      rateLimit: { requestsPerSecond: 10 },
      pagination: { type: 'pageNumber' },
    });
    expect(ids).toEqual(range(1, 4));
    // At most 10 a second: sent 100 ms apart. Seen at the server a request may arrive late and the
    // next on time (91.8 ms seen on a busy machine), so each gap is only bounded loosely (unspaced
    // requests come 1–5 ms apart) and the whole span tightly: it cannot come in early.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(50);
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual((at.length - 1) * 100 * 0.9);
  });

  it('a wait longer than maxRetryWaitMs fails saying when to retry', async () => {
    api = await startApi((_req, res) =>
      json(res, {}, { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) }, 429),
    );
    const error = await failure({ url: api.url, maxRetryWaitMs: 5000 });
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(error.message).toMatch(/retry after \d{4}-\d{2}-\d{2}T/);
  });

  it('a socket reset mid-body and a stalled body are retried; the page is not read twice', async () => {
    let calls = 0;
    api = await startApi((req, res, raw) => {
      calls++;
      const page = Number(req.url.searchParams.get('page'));
      const body = JSON.stringify(page <= 2 ? records(page * 100 - 99, 100) : []);
      if (page === 1 && calls === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.slice(0, 2000));
        setTimeout(() => raw.socket.destroy(), 20);
        return;
      }
      if (page === 2 && calls === 3) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(body.slice(0, 1500)); // then nothing: the client's timeout fires
        return;
      }
      json(res, body);
    });
    const events: SourceEvent[] = [];
    const { ids } = await readAll(
      { url: api.url, timeoutMs: 500, pagination: { type: 'pageNumber' } },
      events,
    );
    expect(ids).toEqual(range(1, 200));
    expect(events.filter((e) => e.kind === 'retry').length).toBe(2);
    expect(events.map((e) => e.message).join('\n')).toMatch(/before the body was complete|reset/);
    expect(events.map((e) => e.message).join('\n')).toContain('stalled');
  });

  it('a server that never answers times out, then fails as unreachable after the attempts', async () => {
    api = await startApi(() => undefined, 10);
    const error = await failure({ url: api.url, timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 5 } });
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(error.message).toContain('no answer within 200 ms');
    expect(error.message).toContain('after 2 attempts');
  });

  it('a refused connection is SOURCE_UNREACHABLE', async () => {
    const gone = await startApi(() => undefined);
    const url = gone.url;
    await gone.close();
    const error = await failure({ url, retry: { maxAttempts: 2, baseDelayMs: 5 } });
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(error.message).toContain('refused');
  });

  it('another 4xx fails at once with the status, the masked URL and the first bytes of the body', async () => {
    api = await startApi((_req, res) => json(res, { message: 'no such resource' }, {}, 404));
    const error = await failure({
      url: `${api.url}/missing?api_key=abc123`,
      auth: { type: 'apiKey', name: 'k', value: { env: 'API_KEY' }, in: 'query' },
    });
    expect(error.code).toBe('SOURCE_HTTP');
    expect(error.message).toBe(
      `GET ${api.url}/missing?api_key=***: HTTP 404: {"message":"no such resource"}`,
    );
    expect(api.requests.length).toBe(1);
  });

  it('a malformed page names the page, its URL and the position', async () => {
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      if (page === 2) return json(res, '[{"id": 3},\n {"id": 4,, }]');
      json(res, records(page * 2 - 1, 2));
    });
    const error = await failure({ url: api.url, pagination: { type: 'pageNumber' } });
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain(`page 2 (GET ${api.url}/?page=***)`);
    expect(error.message).toContain('line 2, column');
  });

  it('a redirect on the same origin is followed with the credentials; to another origin it is refused', async () => {
    const other = await startApi((_req, res) => json(res, []));
    try {
      api = await startApi((req, res) => {
        if (req.url.pathname === '/old') {
          res.writeHead(301, { location: '/new' }).end();
          return;
        }
        if (req.url.pathname === '/userinfo') {
          res.writeHead(302, { location: `${api!.url.replace('//', '//eve:RedirPw9@')}/new` }).end();
          return;
        }
        if (req.url.pathname === '/away') {
          res.writeHead(302, { location: `${other.url}/x?k=1` }).end();
          return;
        }
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, {}, {}, 401);
        json(res, records(1, 2));
      });
      const auth = { type: 'bearer', token: { env: 'API_TOKEN' } };
      expect((await readAll({ url: `${api.url}/old`, auth })).ids).toEqual(['1', '2']);
      const error = await failure({ url: `${api.url}/away`, auth });
      expect(error.code).toBe('SOURCE_HTTP');
      expect(error.message).toContain(`redirected to another origin (${other.url}/x?k=***)`);
      expect(other.requests).toHaveLength(0);
      // A same-origin redirect carrying user info is not followed (Node would send it as Basic auth).
      const before = api.requests.length;
      const withUser = await failure({ url: `${api.url}/userinfo`, auth });
      expect(withUser.message).toContain('redirected to a URL with a user name or password');
      expect(withUser.message).not.toContain('RedirPw9');
      expect(api.requests).toHaveLength(before + 1);
    } finally {
      await other.close();
    }
  });

  it('a next page on another origin (body URL or Link header) is not requested: credentials stay home', async () => {
    const other = await startApi((_req, res) => json(res, []));
    try {
      api = await startApi((req, res) => {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, {}, {}, 401);
        if (req.url.pathname === '/link') {
          return json(res, records(1, 2), { link: `<${other.url}/page2?key=abc>; rel="next"` });
        }
        json(res, { data: records(1, 2), next: `${other.url}/page2?key=abc` });
      });
      const auth = { type: 'bearer', token: { env: 'API_TOKEN' } };
      const events: SourceEvent[] = [];
      for (const input of [
        {
          url: `${api.url}/body`,
          auth,
          records: 'data',
          pagination: { type: 'nextUrl', nextUrlPath: 'next' },
        },
        { url: `${api.url}/link`, auth, pagination: { type: 'linkHeader' } },
      ]) {
        const error = await failure(input, events);
        expect(error.code).toBe('SOURCE_HTTP');
        expect(error.message).toContain(`GET ${other.url}/page2?key=***: the next page is on another origin`);
        expect(error.message).toContain(`(${api.url})`);
        expect(error.message).not.toContain(TOKEN);
      }
      expect(events.filter((e) => e.kind === 'retry')).toHaveLength(0);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it("a body in the Content-Type's charset (ISO-8859-1, UTF-16 with a BOM) is read in it; another charset is refused by name", async () => {
    const text = JSON.stringify([{ id: 1, name: 'Zoë café' }]);
    api = await startApi((req, res) => {
      const send = (type: string, body: Buffer) => {
        res.writeHead(200, { 'content-type': type });
        res.end(body);
      };
      if (req.url.pathname === '/latin1')
        return send('application/json; charset=ISO-8859-1', Buffer.from(text, 'latin1'));
      if (req.url.pathname === '/utf16') {
        return send(
          'application/json; charset=utf-16',
          Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
        );
      }
      if (req.url.pathname === '/sjis') return send('application/json; charset=Shift_JIS', Buffer.from(text));
      send('application/json', Buffer.from(text, 'latin1'));
    });
    for (const path of ['/latin1', '/utf16']) {
      const { rows, source } = await readAll({ url: `${api.url}${path}` });
      expect(rows[0]!.values[source.columns.indexOf('name')], path).toBe('Zoë café');
    }
    const sjis = await failure({ url: `${api.url}/sjis` });
    expect(sjis.code).toBe('SOURCE_FORMAT');
    expect(sjis.message).toContain('charset Shift_JIS is not one Loadstone reads');
    // No charset named: UTF-8, and the message says so (not "set the source encoding", which an API has not).
    const bad = await failure({ url: `${api.url}/none` });
    expect(bad.message).toContain('the response body is not valid UTF-8 (bad bytes near byte offset');
    expect(bad.message).toContain('names no charset, so it is read as UTF-8');
  });

  it('a preview fetches the pages of its sample, not 10,000 records, and lists its requests', async () => {
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      json(res, page <= 1000 ? records(page * 100 - 99, 100) : []);
    });
    const source = await openSource(spec({ url: api.url, pagination: { type: 'pageNumber' } }), {
      env: ENV,
      preview: { rows: 250 },
    });
    try {
      // 3 pages hold the 250 records; a fourth may be asked for ahead of them, no more.
      expect(api.requests.length).toBeLessThanOrEqual(4);
      expect(source.notes?.()[0]).toContain(`GET ${api.url}/?page=*** → HTTP 200, 100 record(s); next: page`);
    } finally {
      await source.close();
    }
    await api.close();
    // A page larger than the sample: the request is listed though the preview stops inside it.
    api = await startApi((_req, res) => json(res, records(1, 80_000)));
    const big = await openSource(spec({ url: api.url, pagination: { type: 'pageNumber' } }), {
      env: ENV,
      preview: { rows: 10 },
    });
    try {
      expect(big.notes?.()).toEqual([`GET ${api.url}/?page=*** → HTTP 200`]);
    } finally {
      await big.close();
    }
  });

  it('an HTML answer is not JSON', async () => {
    api = await startApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const error = await failure({ url: api.url });
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain('not JSON');
  });
});

describe('HTTP source: values', () => {
  it('big numbers and decimals keep every digit; nested values stay exact', async () => {
    api = await startApi((_req, res) =>
      json(res, '{"data":[{"id":12345678901234567890,"price":1.10,"meta":{"big":98765432109876543210}}]}'),
    );
    const { rows, source } = await readAll({ url: api.url, records: 'data' });
    const v = rows[0]!.values;
    expect(text(v[source.columns.indexOf('id')])).toBe('12345678901234567890');
    expect(text(v[source.columns.indexOf('price')])).toBe('1.10');
    expect(String((v[source.columns.indexOf('meta')] as { text: string }).text)).toBe(
      '{"big":98765432109876543210}',
    );
  });

  it('a gzip body is read', async () => {
    const { gzipSync } = await import('node:zlib');
    api = await startApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(records(1, 50))));
    });
    expect((await readAll({ url: api.url })).ids).toEqual(range(1, 50));
  });

  it('incremental: the watermark is sent in the chosen format', async () => {
    api = await startApi((_req, res) => json(res, []));
    for (const [format, want] of [
      ['iso', '2024-05-01T10:00:00.000Z'],
      ['date', '2024-05-01'],
      ['epoch_s', '1714557600'],
      ['epoch_ms', '1714557600000'],
      ['raw', '2024-05-01 10:00:00+00'],
    ] as const) {
      const source = await openSource(spec({ url: api.url, incremental: { param: 'since', format } }), {
        env: ENV,
        incremental: { after: '2024-05-01 10:00:00+00', sourceColumn: () => 'updated_at' },
      }).catch((e: unknown) => e);
      if (source instanceof Error) throw source;
      await (source as OpenedSource).close();
      expect(api.requests.at(-1)!.url.searchParams.get('since')).toBe(want);
    }
  });
});

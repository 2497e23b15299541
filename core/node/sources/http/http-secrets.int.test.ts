// Secrets an API echoes back (in any encoding), typed in a URL, or put in `query` never reach a
// message, an event, the run record or the run store's file.
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import type { JobSpecInput } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { exportReport } from '../../store/export.ts';
import { openStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import type { SourceEvent } from '../types.ts';
import { json, records, type SeenRequest, startApi, type TestApi } from './test-api-server.ts';
import { testRequest } from './test-request.ts';

let url = '';
let client: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'http_secrets');
  client = new pg.Client({ connectionString: url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

/** Every way an echo may write `secret`: as is, percent-encoded (both hex cases), form-encoded, JSON-escaped. */
function spellings(secret: string): string[] {
  const pct = encodeURIComponent(secret).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return [
    ...new Set([
      secret,
      pct,
      pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      new URLSearchParams({ s: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1).replaceAll('/', '\\/'),
    ]),
  ];
}

const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** Each text that holds a spelling of a secret, as `secret ~ spelling in where`. */
function leaks(texts: Record<string, string>, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const s of spellings(secret)) {
      for (const [where, text] of Object.entries(texts))
        if (text.includes(s)) found.push(`${secret} ~ ${s} in ${where}`);
    }
  }
  return found;
}

interface Loaded {
  /** Everything shown or kept: the error, the outcome, the run, its events, the store's files. */
  readonly texts: Record<string, string>;
  readonly error: LoadstoneError | undefined;
  readonly stored: boolean;
}

let tables = 0;

/** Loads `source` into a fresh table with a fresh run store, and gathers every text it left. */
async function load(source: Record<string, unknown>, env: Record<string, string>): Promise<Loaded> {
  const dir = tempDir();
  const store = openStore(dir, { secretStore: testSecretStore() });
  const events: SourceEvent[] = [];
  const texts: Record<string, string> = {};
  let error: LoadstoneError | undefined;
  let stored = false;
  try {
    const outcome = await runLoad(
      {
        source: { kind: 'http', retry: { maxAttempts: 2, baseDelayMs: 5 }, ...source },
        target: { connection: url, table: `http_secrets_${++tables}`, mode: 'append' },
        // Some specs here are meant to be refused: the parser, not the type, says so.
      } as JobSpecInput,
      {
        store,
        env,
        dryRun: false,
        openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
        onSourceEvent: (e) => events.push(e),
      },
    );
    stored = true;
    texts.outcome = JSON.stringify(outcome);
    if (outcome.error) error = new LoadstoneError(outcome.error.code as never, outcome.error.message);
    texts.run = JSON.stringify(store.runs.get(outcome.runId));
    texts.runEvents = JSON.stringify(store.runs.events(outcome.runId));
    texts.runs = JSON.stringify(store.runs.list());
  } catch (e) {
    if (!(e instanceof LoadstoneError)) throw e;
    error = e;
    texts.thrown = JSON.stringify({ ...e.toJSON(), stack: e.stack });
  } finally {
    texts.events = JSON.stringify(events);
    store.close();
  }
  for (const file of fs.readdirSync(dir)) {
    texts[file] = fs.readFileSync(path.join(dir, file)).toString('latin1');
  }
  return { texts, error, stored };
}

/** An API whose first page holds 20,000 records (so page 2 comes once the run is recorded). */
function pagedApi(page2: (req: SeenRequest, res: ServerResponse) => void): Promise<TestApi> {
  return startApi((req, res) => {
    if (req.url.searchParams.get('cursor') === 'c2') return page2(req, res);
    json(res, { data: records(1, 20_000), next: 'c2' });
  });
}

const cursor = { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' } as const;

function html(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html' });
  res.end(body);
}

describe('HTTP source: secrets echoed by an API', () => {
  const token = 'SeCrEtToKeN123-abc';

  it('an HTML page echoing the bearer token: the message shows the page, scrubbed, and nothing keeps the token', async () => {
    const api = await pagedApi((req, res) =>
      html(res, `<html>bad gateway; you sent ${req.headers.authorization}</html>`),
    );
    try {
      const { texts, error, stored } = await load(
        {
          url: `${api.url}/orders`,
          auth: { type: 'bearer', token: { env: 'T' } },
          records: 'data',
          pagination: cursor,
        },
        { T: token },
      );
      expect(stored).toBe(true);
      expect(error?.code).toBe('SOURCE_FORMAT');
      expect(error?.message).toContain(
        'the response is not JSON (content-type text/html): <html>bad gateway; you sent Bearer ***</html>',
      );
      expect(leaks(texts, [token])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('an HTML page on the first page, the token cut off where the message stops quoting it', async () => {
    // The token starts 5 bytes before the 200 the message quotes.
    const api = await startApi((req, res) =>
      html(res, `<html>${'x'.repeat(172)} you sent ${req.headers.authorization}</html>`),
    );
    try {
      const { texts, error, stored } = await load(
        { url: `${api.url}/orders`, auth: { type: 'bearer', token: { env: 'T' } }, records: 'data' },
        { T: token },
      );
      // A source failing while it is sampled is a recorded failed run (its message scrubbed there too).
      expect(stored).toBe(true);
      expect(error?.message).toMatch(/you sent Bearer \*\*\*…$/);
      expect(leaks(texts, [token, token.slice(0, 5)])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('an API key in the query string echoed percent-encoded, in upper- and lower-case hex', async () => {
    const key = 'AbC+dEf/GhI=';
    const api = await pagedApi((req, res) => {
      const raw = `${req.url.pathname}${req.url.search}`;
      json(
        res,
        { error: 'bad request', path: raw, lower: raw.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) },
        {},
        400,
      );
    });
    try {
      const { texts, error } = await load(
        {
          url: `${api.url}/orders`,
          auth: { type: 'apiKey', name: 'api_key', in: 'query', value: { env: 'K' } },
          records: 'data',
          pagination: cursor,
        },
        { K: key },
      );
      expect(error?.code).toBe('SOURCE_HTTP');
      expect(api.requests.at(-1)!.url.search).toContain('AbC%2BdEf%2FGhI%3D');
      expect(error?.message).toContain('"path":"/orders?cursor=c2&api_key=***"');
      expect(leaks(texts, [key])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('a token echoed JSON-escaped (\\/) and a body that is not JSON', async () => {
    const jwt = 'eyJhbGc/abc.def/ghi';
    for (const page2 of [
      (req: SeenRequest, res: ServerResponse) =>
        json(res, JSON.stringify({ got: req.headers.authorization }).replaceAll('/', '\\/'), {}, 400),
      (req: SeenRequest, res: ServerResponse) =>
        json(res, `Unauthorized request with ${req.headers.authorization}`),
      (req: SeenRequest, res: ServerResponse) => json(res, { [`${req.headers.authorization}`]: 1 }),
    ]) {
      const api = await startApi((req, res) => page2(req, res));
      try {
        const { texts, error } = await load(
          { url: `${api.url}/orders`, auth: { type: 'bearer', token: { env: 'T' } }, records: 'data' },
          { T: jwt },
        );
        expect(error).toBeDefined();
        expect(leaks(texts, [jwt])).toEqual([]);
      } finally {
        await api.close();
      }
    }
  });

  it('basic auth: the password and the Basic header echoed, encoded', async () => {
    const password = 'Pw0rd+Xyz/1 ok';
    const api = await pagedApi((req, res) => {
      const auth = String(req.headers.authorization);
      const decoded = Buffer.from(auth.slice(6), 'base64').toString();
      const body = { auth, form: new URLSearchParams({ decoded }).toString() };
      json(res, JSON.stringify(body).replaceAll('/', '\\/'), {}, 400);
    });
    try {
      const { texts, error } = await load(
        {
          url: `${api.url}/orders`,
          auth: { type: 'basic', user: 'alice', password: { env: 'P' } },
          records: 'data',
          pagination: cursor,
        },
        { P: password },
      );
      expect(error?.code).toBe('SOURCE_HTTP');
      expect(leaks(texts, [password, base64(`alice:${password}`)])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it.each(['post', 'basic'] as const)(
    'OAuth2 (client auth %s): the token endpoint echoing the client credentials on a refresh',
    async (clientAuth) => {
      const secret = 's3cr3t+/=&x';
      let tokens = 0;
      const api = await startApi((req, res) => {
        if (req.url.pathname === '/token') {
          if (++tokens === 1) return json(res, { access_token: 'access-tok-1', expires_in: 3600 });
          const echo = JSON.stringify({
            error: 'invalid_client',
            received: req.body,
            auth: req.headers.authorization ?? null,
            // What the Basic header says: the id and secret form-encoded, as RFC 6749 asks.
            basic: Buffer.from(String(req.headers.authorization).slice(6), 'base64').toString(),
          });
          return json(res, echo.replaceAll('/', '\\/'), {}, 400);
        }
        if (req.url.searchParams.get('cursor') === 'c2') return json(res, { error: 'expired' }, {}, 401);
        json(res, { data: records(1, 20_000), next: 'c2' });
      });
      try {
        const { texts, error } = await load(
          {
            url: `${api.url}/orders`,
            auth: {
              type: 'oauth2ClientCredentials',
              tokenUrl: `${api.url}/token`,
              clientId: 'my client',
              clientSecret: { env: 'S' },
              clientAuth,
            },
            records: 'data',
            pagination: cursor,
          },
          { S: secret },
        );
        expect(tokens).toBe(2);
        expect(error?.code).toBe('SOURCE_AUTH');
        expect(error?.message).toContain('invalid_client');
        expect(
          leaks(texts, [secret, 'access-tok-1', base64(`my%20client:${encodeURIComponent(secret)}`)]),
        ).toEqual([]);
      } finally {
        await api.close();
      }
    },
  );
});

describe('HTTP source: credentials typed in the spec', () => {
  it('a user name and password in source.url are refused before any request, saying to use basic auth', async () => {
    const api = await startApi((_req, res) => json(res, { data: [] }));
    try {
      const { texts, error } = await load(
        { url: api.url.replace('//', '//alice:Pw0rdXyz@'), records: 'data' },
        {},
      );
      expect(error?.code).toBe('SPEC_INVALID');
      expect(error?.message).toContain('use auth: { "type": "basic"');
      expect(api.requests).toHaveLength(0);
      expect(leaks(texts, ['Pw0rdXyz', base64('alice:Pw0rdXyz')])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('a next page URL with a password in it (same origin) is not requested, nor shown with it', async () => {
    for (const userinfo of ['bob:NextPw0rd', 'bob%3ANextPw0rd']) {
      const api = await startApi((req, res) => {
        if (req.url.pathname === '/p2') return json(res, { error: 'gone' }, {}, 400);
        json(res, { data: records(1, 20_000), next: `${api.url.replace('//', `//${userinfo}@`)}/p2` });
      });
      try {
        const { texts, error } = await load(
          { url: `${api.url}/orders`, records: 'data', pagination: { type: 'nextUrl', nextUrlPath: 'next' } },
          {},
        );
        expect(error?.code).toBe('SOURCE_HTTP');
        expect(error?.message).toContain('bob:***@');
        expect(error?.message).toContain('carries a user name or password');
        expect(api.requests.filter((r) => r.url.pathname === '/p2')).toHaveLength(0);
        expect(leaks(texts, ['NextPw0rd'])).toEqual([]);
      } finally {
        await api.close();
      }
    }
  });

  it('credential-like values in source.query and the URL are masked in the run record; other ones kept', async () => {
    const api = await startApi((_req, res) => json(res, { data: records(1, 3) }));
    try {
      const { texts, error, stored } = await load(
        {
          url: `${api.url}/orders?token=UrlTokenVal1&region=eu`,
          query: { api_key: 'QueryKeyVal1', Signature: 'QuerySigVal1', page_size: 50 },
          headers: { 'X-Goog-Api-Key': { env: 'G' }, 'X-Tenant': 'acme' },
          records: 'data',
        },
        { G: 'HeaderKeyVal1' },
      );
      expect(error).toBeUndefined();
      expect(stored).toBe(true);
      expect(api.requests[0]!.url.searchParams.get('api_key')).toBe('QueryKeyVal1');
      expect(api.requests[0]!.headers['x-goog-api-key']).toBe('HeaderKeyVal1');
      const run = JSON.parse(texts.run!) as { spec: { source: Record<string, unknown> } };
      expect(run.spec.source).toMatchObject({
        url: `${api.url}/orders?token=***&region=eu`,
        query: { api_key: '***', Signature: '***', page_size: 50 },
        headers: { 'X-Goog-Api-Key': { env: 'G' }, 'X-Tenant': 'acme' },
      });
      expect(leaks(texts, ['UrlTokenVal1', 'QueryKeyVal1', 'QuerySigVal1', 'HeaderKeyVal1'])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('a query parameter given as { "env": … } is sent resolved, kept as the reference, echoed back scrubbed', async () => {
    const api = await startApi((req, res) => {
      if (req.url.searchParams.get('page') === '2') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad key', query: req.url.search }));
        return;
      }
      json(res, { data: records(1, 3) });
    });
    try {
      const { texts, error } = await load(
        {
          url: `${api.url}/orders`,
          query: { api_key: { env: 'API_KEY' }, region: 'eu' },
          records: 'data',
          pagination: { type: 'pageNumber' },
        },
        { API_KEY: 'EnvQueryKey42' },
      );
      expect(api.requests[0]!.url.searchParams.get('api_key')).toBe('EnvQueryKey42');
      expect(api.requests[1]!.url.searchParams.get('api_key')).toBe('EnvQueryKey42');
      expect(error?.message).toContain('bad key');
      const run = JSON.parse(texts.run!) as { spec: { source: Record<string, unknown> } };
      expect(run.spec.source).toMatchObject({ query: { api_key: { env: 'API_KEY' }, region: 'eu' } });
      expect(leaks(texts, ['EnvQueryKey42'])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('credential-like query values written in clear, echoed back by the API, are scrubbed too', async () => {
    const api = await startApi((req, res) => {
      // An error page that echoes the request's query string, percent-encoded as it came.
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad request', query: req.url.search }));
    });
    try {
      const { texts, error } = await load(
        {
          url: `${api.url}/orders?sig=Url%2BSig%2FVal1`,
          query: { api_key: 'Query+Key/Val1' },
          records: 'data',
        },
        {},
      );
      expect(error?.code).toBe('SOURCE_HTTP');
      expect(error?.message).toContain('bad request');
      expect(leaks(texts, ['Url+Sig/Val1', 'Query+Key/Val1'])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("the wizard's test request scrubs an error page echoing the token", async () => {
    const api = await startApi((req, res) =>
      html(res, `<html>denied for ${req.headers.authorization}</html>`),
    );
    try {
      const spec = httpSourceSpecSchema.parse({
        kind: 'http',
        url: `${api.url}/orders`,
        auth: { type: 'bearer', token: { env: 'T' } },
        query: { api_key: 'QueryKeyVal2' },
      });
      let error: unknown;
      await testRequest(spec, { env: { T: 'WizardToken-42x' } }).catch((e: unknown) => {
        error = e;
      });
      expect(error).toBeInstanceOf(LoadstoneError);
      const text = JSON.stringify([(error as LoadstoneError).message, (error as LoadstoneError).toJSON()]);
      expect(text).toContain('denied for Bearer ***');
      expect(leaks({ error: text }, ['WizardToken-42x', 'QueryKeyVal2'])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('a pagination field echoing the token (hasMorePath neither true nor false) is quoted scrubbed', async () => {
    const api = await startApi((req, res) =>
      json(res, { data: records(1, 2), more: `${req.headers.authorization}` }),
    );
    try {
      const { texts, error } = await load(
        {
          url: `${api.url}/orders`,
          auth: { type: 'bearer', token: { env: 'T' } },
          records: 'data',
          pagination: { type: 'pageNumber', hasMorePath: 'more' },
        },
        { T: 'PagerToken-5150' },
      );
      expect(error?.code).toBe('SOURCE_FORMAT');
      expect(error?.message).toContain("'more' is");
      expect(leaks(texts, ['PagerToken-5150'])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("a POST body's fields named like credentials are masked in the run record, at any depth", async () => {
    const api = await startApi((_req, res) => json(res, { data: records(1, 2) }));
    try {
      const { texts, error, stored } = await load(
        {
          url: `${api.url}/search`,
          method: 'POST',
          body: {
            client: 'acme',
            api_key: 'BodyKeyVal1',
            auth: { password: 'BodyPwVal1' },
            filters: [{ token: 'BodyTokVal1' }],
          },
          records: 'data',
        },
        {},
      );
      expect(error).toBeUndefined();
      expect(stored).toBe(true);
      const run = JSON.parse(texts.run!) as { spec: { source: { body: unknown } } };
      expect(run.spec.source.body).toEqual({
        client: 'acme',
        api_key: '***',
        auth: { password: '***' },
        filters: [{ token: '***' }],
      });
      expect(leaks(texts, ['BodyKeyVal1', 'BodyPwVal1', 'BodyTokVal1'])).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('a credential header in clear (X-Goog-Api-Key, Ocp-Apim-Subscription-Key, Cookie…) is refused', async () => {
    const api = await startApi((_req, res) => json(res, { data: [] }));
    try {
      const headers = {
        'X-Goog-Api-Key': 'HeaderKeyVal1',
        'Ocp-Apim-Subscription-Key': 'HeaderKeyVal2',
        Cookie: 'sid=CookieVal1',
      };
      const { texts, error } = await load({ url: `${api.url}/orders`, headers, records: 'data' }, {});
      expect(error?.code).toBe('SPEC_INVALID');
      for (const name of Object.keys(headers)) expect(error?.message).toContain(`source.headers.${name}`);
      expect(api.requests).toHaveLength(0);
      expect(leaks(texts, ['HeaderKeyVal1', 'HeaderKeyVal2', 'CookieVal1'])).toEqual([]);
    } finally {
      await api.close();
    }
  });
});

describe('HTTP source: secrets an API echoes inside its records', () => {
  const token = 'Rec+Tok/9=x"<&y';
  const key = 'p+Rec/Key=7';

  /** Records echoing the request: its Authorization header and its URL (with the key) as values. */
  const echoApi = (): Promise<TestApi> =>
    startApi((req, res) => {
      const auth = req.headers.authorization ?? 'no header';
      const raw = `${req.url.pathname}${req.url.search}`;
      json(res, [
        { id: 1, n: 5, auth, url: raw, meta: { seen: raw, lower: raw.toLowerCase() } },
        // `n` is declared integer: this record is rejected, its value quoting the credentials.
        {
          id: 2,
          n: `not a number ${auth} ${raw}`,
          auth,
          url: raw,
          meta: { seen: raw, lower: raw.toLowerCase() },
        },
        { id: 3, n: 7, auth: 'anonymous', url: '/', meta: { seen: '/', lower: '/' } },
      ]);
    });

  const sources = {
    'a bearer token and an API key written in clear in source.query': (api: string) => ({
      kind: 'http',
      url: `${api}/echo`,
      auth: { type: 'bearer', token: { env: 'T' } },
      query: { api_key: key },
    }),
    'an API key sent in the query string (auth apiKey)': (api: string) => ({
      kind: 'http',
      url: `${api}/echo?note=${encodeURIComponent(token)}`,
      auth: { type: 'apiKey', name: 'api_key', in: 'query', value: { env: 'K' } },
    }),
  };
  const env = { T: token, K: key };

  it.each(Object.keys(sources))(
    '%s: the test request, the preview, the report, its summary and exports hold none; the table holds the API values',
    async (name) => {
      const api = await echoApi();
      const dir = tempDir();
      const store = openStore(dir, { secretStore: testSecretStore() });
      const table = `http_secrets_${++tables}`;
      const shown: Record<string, string> = {};
      try {
        const source = sources[name as keyof typeof sources](api.url);
        // What the API sees: the token in the header (first source), the key in the URL (both).
        const secrets = name.startsWith('a bearer') ? [token, key] : [key];
        const spec = {
          version: 1,
          source,
          columns: [{ source: 'n', type: 'integer' }],
          target: { connection: url, table, mode: 'append' },
          settings: { maxErrorRate: 0.9 },
        } as JobSpecInput;

        const tested = await testRequest(httpSourceSpecSchema.parse(source), { env });
        expect(tested.recordCount).toBe(3);
        shown.testRequest = JSON.stringify(tested);

        const previewed = await preview(spec, { source: { env } });
        expect(previewed.rows).toHaveLength(3);
        expect(previewed.rejectedRows).toBe(1);
        shown.preview = JSON.stringify(previewed);

        const outcome = await runLoad(spec, {
          store,
          env,
          dryRun: false,
          openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
        });
        expect(outcome.status).toBe('succeeded');
        expect(outcome.counts).toMatchObject({ inserted: 2, rejected: 1 });
        const page = store.reports.page(outcome.runId);
        expect(page.rows).toHaveLength(1);
        shown.page = JSON.stringify(page);
        const summary = store.reports.summary(outcome.runId);
        expect(summary).toHaveLength(1);
        expect(summary[0]!.example).toContain('not a number');
        shown.summary = JSON.stringify(summary);
        for (const format of ['json', 'csv', 'ndjson'] as const) {
          const file = path.join(dir, `report.${format}`);
          await exportReport(store, outcome.runId, format, file);
          shown[`export ${format}`] = fs.readFileSync(file, 'utf8');
        }
        shown.run = JSON.stringify(store.runs.get(outcome.runId));
        shown.events = JSON.stringify(store.runs.events(outcome.runId));
        store.close();
        for (const file of fs.readdirSync(dir)) {
          shown[file] = fs.readFileSync(path.join(dir, file)).toString('latin1');
        }
        expect(leaks(shown, secrets)).toEqual([]);
        // Scrubbed, not dropped: the rest of the record is there.
        expect(shown.testRequest).toContain('"id":2');
        // The records as the form shows them (numbers as written) hold none either, and are there.
        expect((JSON.parse(shown.testRequest) as { recordsJson: string }).recordsJson).toContain('{"id":2,');
        expect(shown.preview).toContain('not a number');
        expect(shown['export csv']).toContain('not a number');

        // The table holds what the API sent: the operator's data, not scrubbed.
        const loaded = await client.query(`SELECT id, n, auth, url, meta FROM ${table} ORDER BY id`);
        const echoed = api.requests.at(-1)!;
        const raw = `${echoed.url.pathname}${echoed.url.search}`;
        expect(loaded.rows).toEqual([
          {
            id: 1,
            n: 5,
            auth: echoed.headers.authorization ?? 'no header',
            url: raw,
            meta: { seen: raw, lower: raw.toLowerCase() },
          },
          { id: 3, n: 7, auth: 'anonymous', url: '/', meta: { seen: '/', lower: '/' } },
        ]);
        expect(raw).toContain(`api_key=${encodeURIComponent(key)}`);
      } finally {
        store.close();
        await api.close();
      }
    },
  );

  it("a preview's column warnings, which quote a sampled value, hold none", async () => {
    const api = await startApi((req, res) =>
      json(
        res,
        Array.from({ length: 50 }, (_, i) => ({
          id: i,
          code: i === 3 ? String(req.headers.authorization) : String(100 + i),
          day: i === 3 ? String(req.headers.authorization) : '2024-01-02',
        })),
      ),
    );
    try {
      const previewed = await preview(
        { version: 1, source: { kind: 'http', url: api.url, auth: { type: 'bearer', token: { env: 'T' } } } },
        { source: { env } },
      );
      const warnings = previewed.columns.flatMap((c) => c.warnings);
      expect(warnings).toEqual([
        expect.stringContaining("for example 'Bearer ***' is not a number"),
        expect.stringContaining("not dates and will be rejected; for example 'Bearer ***'"),
      ]);
      expect(leaks({ preview: JSON.stringify(previewed) }, [token])).toEqual([]);
    } finally {
      await api.close();
    }
  });
});

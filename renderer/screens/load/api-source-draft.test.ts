import { describe, expect, it } from 'vitest';
import { httpSourceSpecSchema } from '../../../core/common/spec/http-source.ts';
import {
  draftOf,
  fieldLabel,
  parseBody,
  parseHeaderLines,
  parseQueryLines,
  specOf,
} from './api-source-draft.ts';

describe('the HTTP API form draft', () => {
  it('reads header and query lines, skipping blank lines and saying which line is wrong', () => {
    expect(parseHeaderLines('Accept: application/json\n\nX-Tenant:  acme \n')).toEqual({
      headers: { Accept: 'application/json', 'X-Tenant': 'acme' },
      issues: [],
    });
    expect(parseHeaderLines('Accept application/json').issues).toEqual([
      { path: 'headers', message: 'line 1: expected "Name: value", found "Accept application/json"' },
    ]);
    expect(parseHeaderLines('Bad Name: x').issues[0]?.message).toContain('line 1');
    // A value may hold colons (a URL); only the first splits.
    expect(parseHeaderLines('Referer: https://x.test/a').headers).toEqual({ Referer: 'https://x.test/a' });
    expect(parseQueryLines('status=open\nsince=2024-01-01T00:00:00Z\nempty=')).toEqual({
      query: { status: 'open', since: '2024-01-01T00:00:00Z', empty: '' },
      issues: [],
    });
    expect(parseQueryLines('ok=1\nno-equals').issues).toEqual([
      { path: 'query', message: 'line 2: expected "name=value", found "no-equals"' },
    ]);
  });

  it('takes a JSON object as the body and says why anything else is refused', () => {
    expect(parseBody('')).toEqual({ body: undefined, issues: [] });
    expect(parseBody('{"filter":{"status":"open"}}').body).toEqual({ filter: { status: 'open' } });
    expect(parseBody('[1]').issues).toEqual([{ path: 'body', message: 'must be a JSON object ({ … })' }]);
    expect(parseBody('{"a":').issues[0]?.message).toMatch(/^not JSON: /);
  });

  it('makes a spec the schema accepts, with every request and stop field, and reads it back', () => {
    const { draft } = draftOf(null);
    const filled = {
      ...draft,
      url: 'https://api.example.test/v1/orders',
      method: 'POST' as const,
      headers: 'Accept: application/json\nX-Tenant: acme',
      query: 'status=open',
      body: '{"filter":{"region":"eu"}}',
      records: 'data.items',
      pagination: 'pageNumber' as const,
      param: 'page',
      pageSizeParam: 'per_page',
      pageSize: '100',
      totalPath: 'meta.total',
      hasMorePath: 'meta.has_more',
      stopOnShortPage: true,
      maxPages: '50',
      timeoutSeconds: '2.5',
      requestsPerSecond: '4',
    };
    const kept = { Authorization: { env: 'API_AUTH' } };
    const made = specOf(filled, undefined, kept);
    expect(made.issues).toEqual([]);
    const parsed = httpSourceSpecSchema.parse(made.spec);
    expect(parsed).toMatchObject({
      method: 'POST',
      headers: { Accept: 'application/json', 'X-Tenant': 'acme', Authorization: { env: 'API_AUTH' } },
      query: { status: 'open' },
      body: { filter: { region: 'eu' } },
      timeoutMs: 2500,
      rateLimit: { requestsPerSecond: 4 },
      pagination: {
        type: 'pageNumber',
        param: 'page',
        pageSizeParam: 'per_page',
        pageSize: 100,
        totalPath: 'meta.total',
        hasMorePath: 'meta.has_more',
        stopOnShortPage: true,
        maxPages: 50,
      },
    });
    // Opened again (a saved job): the same fields, the secret-valued header kept aside, not as text.
    const again = draftOf(parsed);
    expect(again.kept).toEqual(kept);
    expect(again.draft).toEqual({ ...filled, body: JSON.stringify({ filter: { region: 'eu' } }, null, 2) });
    expect(again.draft.headers).not.toContain('API_AUTH');
  });

  it('leaves out what was not filled, and a short page counts only where pages have a size', () => {
    const { draft } = draftOf(null);
    const made = specOf(
      { ...draft, url: 'http://127.0.0.1:1/x', pagination: 'cursor', path: 'next', stopOnShortPage: true },
      undefined,
    );
    expect(made.spec).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:1/x',
      method: 'GET',
      auth: { type: 'none' },
      pagination: { type: 'cursor', cursorPath: 'next' },
    });
  });

  it('reports the free-text fields’ problems besides what the schema finds', () => {
    const { draft } = draftOf(null);
    const made = specOf({ ...draft, url: 'http://127.0.0.1:1/x', headers: 'oops', body: '{' }, undefined);
    expect(made.issues.map((i) => i.path)).toEqual(['headers', 'body']);
    // A body with GET is the schema's to refuse.
    const get = specOf({ ...draft, url: 'http://127.0.0.1:1/x', body: '{"a":1}' }, undefined);
    const result = httpSourceSpecSchema.safeParse(get.spec);
    expect(result.success).toBe(false);
  });

  it('sets every pagination field the spec has: first page, page size parameter, offset and limit names, cursor in the body', () => {
    const { draft } = draftOf(null);
    const url = 'http://127.0.0.1:1/x';
    const page = specOf(
      {
        ...draft,
        url,
        pagination: 'pageNumber',
        param: 'p',
        start: '0',
        pageSizeParam: 'per_page',
        pageSize: '3',
      },
      undefined,
    );
    expect(page.issues).toEqual([]);
    expect(httpSourceSpecSchema.parse(page.spec).pagination).toEqual({
      type: 'pageNumber',
      param: 'p',
      start: 0,
      pageSizeParam: 'per_page',
      pageSize: 3,
    });
    const offset = specOf(
      { ...draft, url, pagination: 'offset', param: 'skip', start: '10', limitParam: 'take', pageSize: '25' },
      undefined,
    );
    expect(httpSourceSpecSchema.parse(offset.spec).pagination).toEqual({
      type: 'offset',
      offsetParam: 'skip',
      limitParam: 'take',
      limit: 25,
      start: 10,
    });
    const cursor = specOf(
      { ...draft, url, method: 'POST', pagination: 'cursor', path: 'next', cursorIn: 'body', param: 'after' },
      undefined,
    );
    expect(httpSourceSpecSchema.parse(cursor.spec).pagination).toEqual({
      type: 'cursor',
      cursorPath: 'next',
      cursorBodyField: 'after',
    });
    // Each reads back into the same fields.
    for (const made of [page, offset, cursor]) {
      const parsed = httpSourceSpecSchema.parse(made.spec);
      expect(httpSourceSpecSchema.parse(specOf(draftOf(parsed).draft, undefined).spec)).toEqual(parsed);
    }
    // A body field without its name is the form's to refuse, not a silent query parameter.
    const unnamed = specOf(
      { ...draft, url, method: 'POST', pagination: 'cursor', path: 'n', cursorIn: 'body' },
      undefined,
    );
    expect(unnamed.issues.map((i) => i.path)).toEqual(['pagination.cursorBodyField']);
  });

  it('refuses a page size without its parameter name, which would silently not be sent', () => {
    const { draft } = draftOf(null);
    const made = specOf(
      {
        ...draft,
        url: 'http://127.0.0.1:1/x',
        pagination: 'pageNumber',
        pageSize: '3',
        stopOnShortPage: true,
      },
      undefined,
    );
    expect(made.issues).toEqual([
      {
        path: 'pagination.pageSizeParam',
        message: 'a page size is sent only under its parameter: fill "Page size parameter" (e.g. per_page)',
      },
    ]);
  });

  it('says in words which number field is wrong, by its control, instead of the schema on a NaN', () => {
    const { draft } = draftOf(null);
    const typed = {
      ...draft,
      url: 'http://127.0.0.1:1/x',
      timeoutSeconds: 'abc',
      requestsPerSecond: '-2',
      pagination: 'pageNumber' as const,
      start: 'one',
      pageSizeParam: 'per_page',
      pageSize: '0',
      maxPages: '1.5',
    };
    const made = specOf(typed, undefined);
    expect(made.issues).toEqual([
      { path: 'pagination.maxPages', message: "'1.5' is not a whole number" },
      { path: 'pagination.start', message: "'one' is not a number" },
      { path: 'pagination.pageSize', message: "'0' must be more than 0" },
      { path: 'timeoutMs', message: "'abc' is not a number" },
      { path: 'rateLimit.requestsPerSecond', message: "'-2' must be more than 0" },
    ]);
    // The fields are left out, so the schema adds nothing of its own ("expected number, received null").
    expect(httpSourceSpecSchema.safeParse(made.spec).success).toBe(true);
    // The form lists each issue by the label of its control.
    expect(made.issues.map((i) => fieldLabel(i.path, typed))).toEqual([
      'Max pages',
      'First page',
      'Page size',
      'Timeout (s)',
      'Requests per second',
    ]);
    const offset = { ...typed, pagination: 'offset' as const, start: '-1', pageSize: '2.5', maxPages: '' };
    expect(specOf(offset, undefined).issues.slice(0, 2)).toEqual([
      { path: 'pagination.limit', message: "'2.5' is not a whole number" },
      { path: 'pagination.start', message: "'-1' must be 0 or more" },
    ]);
    expect(fieldLabel('pagination.start', offset)).toBe('First offset');
    expect(fieldLabel('auth.token', { ...typed, authType: 'bearer' })).toBe('Token');
    // A timeout under a millisecond is still a timeout, not 0 ms (which the schema refuses).
    const tiny = specOf({ ...draft, url: 'http://127.0.0.1:1/x', timeoutSeconds: '0.0001' }, undefined);
    expect(httpSourceSpecSchema.parse(tiny.spec).timeoutMs).toBe(1);
  });

  it('sets the OAuth2 client authentication and keeps the fields the form has no control for', () => {
    const { draft } = draftOf(null);
    const oauth = {
      ...draft,
      url: 'http://127.0.0.1:1/x',
      authType: 'oauth2ClientCredentials' as const,
      tokenUrl: 'http://127.0.0.1:1/token',
      clientId: 'cid',
      clientAuth: 'post' as const,
    };
    const made = specOf(oauth, { secret: 's1' });
    expect(httpSourceSpecSchema.parse(made.spec).auth).toEqual({
      type: 'oauth2ClientCredentials',
      tokenUrl: 'http://127.0.0.1:1/token',
      clientId: 'cid',
      clientSecret: { secret: 's1' },
      clientAuth: 'post',
    });
    // An opened job's retry policy survives an edit of the form.
    const opened = httpSourceSpecSchema.parse({
      kind: 'http',
      url: 'http://127.0.0.1:1/x',
      retry: { maxAttempts: 9, baseDelayMs: 10 },
      maxRetryWaitMs: 5000,
    });
    const back = draftOf(opened);
    const edited = specOf({ ...back.draft, url: 'http://127.0.0.1:1/y' }, undefined, back.kept, back.extra);
    expect(edited.spec).toMatchObject({
      url: 'http://127.0.0.1:1/y',
      retry: { maxAttempts: 9, baseDelayMs: 10 },
      maxRetryWaitMs: 5000,
    });
    // A query parameter from a secret reference is kept aside (not text in the form) and sent back as it was.
    const keyed = httpSourceSpecSchema.parse({
      kind: 'http',
      url: 'http://127.0.0.1:1/x',
      query: { api_key: { env: 'API_KEY' }, region: 'eu' },
    });
    const keyedBack = draftOf(keyed);
    expect(keyedBack.draft.query).toBe('region=eu');
    expect(keyedBack.keptQuery).toEqual({ api_key: { env: 'API_KEY' } });
    const keyedSpec = specOf(
      keyedBack.draft,
      undefined,
      keyedBack.kept,
      keyedBack.extra,
      keyedBack.keptQuery,
    );
    expect(keyedSpec.spec).toMatchObject({ query: { region: 'eu', api_key: { env: 'API_KEY' } } });
  });
});

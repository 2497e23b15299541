// Retry and pagination robustness of the HTTP source against a real local API: odd Retry-After and
// reset headers, hasMorePath values other than a boolean, a cancel mid-body.
import { afterEach, describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import { openSource } from '../open-source.ts';
import type { SourceEvent } from '../types.ts';
import { json, records, startApi, type TestApi } from './test-api-server.ts';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function readAll(
  input: Record<string, unknown>,
  events: SourceEvent[] = [],
  signal?: AbortSignal,
): Promise<number> {
  const spec = httpSourceSpecSchema.parse({
    kind: 'http',
    retry: { maxAttempts: 3, baseDelayMs: 5 },
    ...input,
  });
  const source = await openSource(spec, { env: {}, onEvent: (e) => events.push(e), signal });
  let rows = 0;
  try {
    for await (const batch of source.rows()) rows += batch.length;
  } finally {
    await source.close();
  }
  return rows;
}

async function failure(
  input: Record<string, unknown>,
  events: SourceEvent[] = [],
  signal?: AbortSignal,
): Promise<LoadstoneError> {
  try {
    await readAll(input, events, signal);
  } catch (error) {
    expect(error).toBeInstanceOf(LoadstoneError);
    return error as LoadstoneError;
  }
  throw new Error('expected a failure');
}

describe('HTTP source: odd rate-limit headers', () => {
  it('a huge Retry-After fails saying when to retry, not with an invalid date', async () => {
    api = await startApi((_req, res) => json(res, { e: 1 }, { 'retry-after': '99999999999999' }, 429));
    const error = await failure({ url: api.url });
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(error.message).toContain('more than maxRetryWaitMs (120000 ms); retry after ');
    expect(error.message).toMatch(/retry after \+?\d{4,6}-\d{2}-\d{2}T/);
    expect(api.requests.length).toBe(1);
  });

  it('Retry-After -1 is ignored: the normal backoff, reported as such, not waits of 0 ms', async () => {
    api = await startApi((_req, res) => json(res, { e: 1 }, { 'retry-after': '-1' }, 429));
    const events: SourceEvent[] = [];
    const error = await failure({ url: api.url }, events);
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(error.message).toContain('HTTP 429');
    expect(error.message).toContain('(after 3 attempts)');
    expect(events.map((e) => e.kind)).toEqual(['retry', 'retry']);
    expect(events[0]!.message).toContain('Retry-After "-1" ignored: neither seconds nor an HTTP date');
    expect(events.map((e) => Number(e.data?.waitMs) > 0)).toEqual([true, true]);
    expect(api.requests.length).toBe(3);
  });

  it('a past Retry-After date waits no less than the backoff for the attempt', async () => {
    api = await startApi((_req, res) =>
      json(res, { e: 1 }, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, 429),
    );
    const events: SourceEvent[] = [];
    await failure({ url: api.url, retry: { maxAttempts: 3, baseDelayMs: 20 } }, events);
    expect(events.map((e) => e.kind)).toEqual(['rate_limited', 'rate_limited']);
    // The backoff after attempt n is at least baseDelayMs × 2^(n-1) / 2.
    expect(Number(events[0]!.data?.waitMs)).toBeGreaterThanOrEqual(10);
    expect(Number(events[1]!.data?.waitMs)).toBeGreaterThanOrEqual(20);
    expect(events[0]!.data?.askedMs).toBe(0);
    expect(events[0]!.message).toContain('the API asks to retry at once');
    expect(api.requests.length).toBe(3);
  });

  it('X-RateLimit-Reset in epoch milliseconds is read as such', async () => {
    let calls = 0;
    api = await startApi((_req, res) => {
      calls++;
      if (calls === 1) return json(res, { e: 1 }, { 'x-ratelimit-reset': String(Date.now() + 50) }, 429);
      json(res, records(1, 2));
    });
    const events: SourceEvent[] = [];
    expect(await readAll({ url: api.url }, events)).toBe(2);
    expect(events.map((e) => e.kind)).toEqual(['rate_limited']);
    expect(events[0]!.message).toContain('X-RateLimit-Reset: ');
    expect(Number(events[0]!.data?.askedMs)).toBeLessThanOrEqual(50);
  });

  it('X-RateLimit-Reset in epoch milliseconds beyond maxRetryWaitMs names a time near now', async () => {
    const reset = Date.now() + 3_600_000;
    api = await startApi((_req, res) => json(res, { e: 1 }, { 'x-ratelimit-reset': String(reset) }, 429));
    const error = await failure({ url: api.url, maxRetryWaitMs: 1000 });
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    const when = Date.parse(String(error.details?.retryAfter));
    expect(Math.abs(when - reset)).toBeLessThan(1000);
  });
});

describe('HTTP source: hasMorePath values', () => {
  const pages = (last: unknown) =>
    startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      json(res, { has_more: page < 2 ? 'true' : last, data: records(page, 1) });
    }, 10);

  for (const last of ['false', 'False', 0, '0']) {
    it(`stops on has_more ${JSON.stringify(last)}`, async () => {
      api = await pages(last);
      const rows = await readAll({
        url: api.url,
        records: 'data',
        pagination: { type: 'pageNumber', hasMorePath: 'has_more' },
      });
      expect(rows).toBe(2);
      expect(api.requests.length).toBe(2);
    });
  }

  it('another value is SOURCE_FORMAT naming the path and the value', async () => {
    api = await pages('nope');
    const error = await failure({
      url: api.url,
      records: 'data',
      pagination: { type: 'pageNumber', hasMorePath: 'has_more' },
    });
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain(`pagination.hasMorePath 'has_more' is "nope"`);
    expect(api.requests.length).toBe(2);
  });
});

describe('HTTP source: cancel', () => {
  it('a cancel while a body arrives is not reported as a retry', async () => {
    const ac = new AbortController();
    api = await startApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"id":1,"name":"a"},');
      // The rest never comes: the run is cancelled while it waits for it.
      setTimeout(() => ac.abort(), 50);
    }, 10);
    const events: SourceEvent[] = [];
    const error = await failure({ url: api.url }, events, ac.signal);
    expect(error.code).toBe('LOAD_CANCELLED');
    expect(events.filter((e) => e.kind === 'retry')).toEqual([]);
    expect(api.requests.length).toBe(1);
  });
});

describe('HTTP source: an answer that is not valid HTTP', () => {
  it('headers of 40 KB are read (more than Node’s 16 KB default)', async () => {
    api = await startApi((_req, res) =>
      json(res, records(1, 3), { 'content-security-policy': 'x'.repeat(40_000) }),
    );
    expect(await readAll({ url: api.url })).toBe(3);
  });

  it('headers beyond 64 KB fail at once, naming the limit, without retries', async () => {
    api = await startApi((_req, res) => json(res, records(1, 3), { 'x-huge': 'x'.repeat(70_000) }), 10);
    const events: SourceEvent[] = [];
    const error = await failure({ url: api.url }, events);
    expect(error.code).toBe('SOURCE_HTTP');
    expect(error.message).toBe(`GET ${api.url}/: the response's headers are larger than 64 KB: not read`);
    expect(events.filter((e) => e.kind === 'retry')).toEqual([]);
    expect(api.requests.length).toBe(1);
  });
});

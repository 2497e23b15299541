import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { json, records, startApi, type TestApi } from '../sources/http/test-api-server.ts';
import { storeFileIn } from '../store/data-dir.ts';
import { runCli } from './test-support.ts';

const TOKEN = 'tok-SECRET-c0ffee';
const dir = mkdtempSync(join(tmpdir(), 'loadstone-http-cli-'));
const dataDir = join(dir, 'data');
let url = '';
let client: pg.Client;
let api: TestApi | undefined;

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: dir, env: { LOADSTONE_HOME: dataDir, API_TOKEN: TOKEN, ...env } });
}

function writeSpec(name: string, spec: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(spec));
  return name;
}

/** The pinned spec shape, pointed at the local API. */
function pinned(apiUrl: string, table: string, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    name: `orders-api-${table}`,
    source: {
      kind: 'http',
      url: `${apiUrl}/v1/orders`,
      auth: { type: 'bearer', token: { env: 'API_TOKEN' } },
      records: 'data',
      pagination: { type: 'cursor', cursorPath: 'next_cursor', cursorParam: 'cursor' },
      retry: { maxAttempts: 3, baseDelayMs: 5 },
    },
    target: { connection: url, table, mode: 'append' },
    ...extra,
  };
}

/** A spec with another source URL (one with a key in its query string, typed in clear). */
function withUrl(sourceUrl: string, spec: ReturnType<typeof pinned>) {
  return { ...spec, source: { ...spec.source, url: sourceUrl } };
}

/** A cursor API of `data` pages (bearer auth), answering 401 to any other token. */
async function cursorApi(
  pages: unknown[][],
  onRequest?: (n: number) => number | undefined,
): Promise<TestApi> {
  let n = 0;
  return await startApi((req, res) => {
    n++;
    const status = onRequest?.(n);
    if (status) return json(res, { error: 'try again' }, {}, status);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, { error: 'no' }, {}, 401);
    const page = Number(req.url.searchParams.get('cursor') ?? 0);
    json(res, { data: pages[page] ?? [], next_cursor: page + 1 < pages.length ? String(page + 1) : null });
  });
}

/** Everything the run store holds, as text. */
function storeText(): string {
  const db = new Database(storeFileIn(dataDir), { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join('\n');
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_http');
  client = new pg.Client({ connectionString: url });
  await client.connect();
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});
afterAll(async () => {
  await client?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadstone with an HTTP API source', () => {
  it('preview --spec prints the request (masked), its status and the next page; no secret', async () => {
    api = await cursorApi([records(1, 3), records(4, 3)]);
    const spec = writeSpec('preview.json', pinned(api.url, 'unused'));
    const r = await cli(['preview', '--spec', spec]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `GET ${api.url}/v1/orders → HTTP 200, 3 record(s); next: cursor from next_cursor, sent as cursor (${api.url}/v1/orders?cursor=***)`,
    );
    expect(r.out).toContain('none (no next cursor at next_cursor)');
    expect(r.out).toContain('Format: http');
    expect(r.out).not.toContain(TOKEN);
  });

  it('preview names a rejected record by its page and place in it, as the error report does', async () => {
    const page2 = records(11, 10).map((r, i) => ({ ...r, amount: i === 3 ? 'abc' : `${i}.50` }));
    api = await cursorApi([records(1, 10).map((r, i) => ({ ...r, amount: `${i}.25` })), page2]);
    const r = await cli(['preview', '--spec', writeSpec('preview-placed.json', pinned(api.url, 'unused'))]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      / {2}page 2 record 4 \(http:\/\/127\.0\.0\.1:\d+\/v1\/orders\?cursor=\*\*\*\), amount: invalid_number/,
    );
    const json = JSON.parse((await cli(['preview', '--spec', 'preview-placed.json', '--json'])).out);
    const rejected = json.rows.find((row: { errors: unknown[] }) => row.errors.length > 0);
    expect(rejected).toMatchObject({ line: 14, at: { kind: 'page', page: 2, record: 4 } });
  });

  it('preview fetches only the first pages: what it shows and samples, not the whole API', async () => {
    api = await cursorApi(Array.from({ length: 50 }, (_, p) => records(p * 1000 + 1, 1000)));
    const r = await cli([
      'preview',
      '--spec',
      writeSpec('preview-many.json', pinned(api.url, 'unused')),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.sampleSize).toBe(10_000);
    expect(result.requests[0]).toContain('HTTP 200, 1000 record(s)');
    // 10 pages for the 10,000 sampled records, and at most the next one asked for ahead.
    expect(api.requests.length).toBeLessThanOrEqual(11);
    await api.close();
    // Small pages and a small sample: the pages of 20 records, not of a 1,000-row batch (once 100
    // requests for a 20-row preview).
    api = await cursorApi(Array.from({ length: 300 }, (_, p) => records(p * 10 + 1, 10)));
    const small = await cli([
      'preview',
      '--spec',
      writeSpec('preview-small.json', pinned(api.url, 'unused')),
      '--sample-size',
      '20',
      '--limit',
      '10',
      '--json',
    ]);
    expect(small.code).toBe(0);
    expect(JSON.parse(small.out).sampleSize).toBe(20);
    // 2 pages hold the 20 records; at most one more asked for ahead of them.
    expect(api.requests.length).toBeLessThanOrEqual(3);
  });

  it('load --spec: records loaded exactly, a retry shown and recorded, a rejected record placed by page; no secret stored', async () => {
    const pages = [
      records(1, 3),
      [
        { id: '12345678901234567890', name: 'big', price: 1.1 },
        { id: 'not-a-number', name: 'bad' },
      ],
    ];
    const text = JSON.stringify({ data: pages[1], next_cursor: null }).replace('1.1', '1.10');
    let n = 0;
    api = await startApi((req, res) => {
      n++;
      if (n === 2) return json(res, { error: `boom ${TOKEN}` }, {}, 500);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, {}, {}, 401);
      if (req.url.searchParams.get('cursor') === '1') return json(res, text);
      json(res, { data: pages[0], next_cursor: '1' });
    });
    const spec = writeSpec(
      'load.json',
      withUrl(
        `${api.url}/v1/orders?api_key=${TOKEN}`,
        pinned(api.url, 'api_orders', {
          columns: [
            { source: 'id', type: 'numeric' },
            { source: 'price', type: 'numeric' },
          ],
          settings: { maxErrorRate: 0.5 },
        }),
      ),
    );
    const r = await cli(['load', '--spec', spec, '--table', 'api_orders', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ status: 'succeeded', rowsRead: 5, inserted: 4, rejected: 1 });
    expect(r.err).toContain('source: ');
    const { rows } = await client.query(
      'SELECT id::text, price::text FROM api_orders ORDER BY api_orders.id',
    );
    expect(rows).toEqual([
      { id: '1', price: null },
      { id: '2', price: null },
      { id: '3', price: null },
      { id: '12345678901234567890', price: '1.10' },
    ]);
    const errors = await cli(['errors', out.runId, '--json']);
    expect(errors.code).toBe(0);
    expect(errors.out).toContain('"page":2');
    expect(errors.out).toContain(`${api.url}/v1/orders?api_key=***&cursor=***`);
    expect(errors.out).toContain('not-a-number');
    const stored = storeText();
    expect(stored).toContain('"kind":"retry"');
    expect(stored).toContain('HTTP 500');
    expect(stored).not.toContain(TOKEN);
    expect(`${r.out}${r.err}${errors.out}`).not.toContain(TOKEN);
  });

  it('--url, --records, --header and --bearer-env cover a simple API without a spec file', async () => {
    api = await startApi((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}` || req.headers['x-tenant'] !== 'acme')
        return json(res, {}, {}, 401);
      json(res, { result: { items: records(1, 4) } });
    });
    const r = await cli([
      'load',
      '--url',
      `${api.url}/items`,
      '--records',
      'result.items',
      '--header',
      'X-Tenant: acme',
      '--bearer-env',
      'API_TOKEN',
      '--target',
      url,
      '--table',
      'flag_items',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', inserted: 4 });
    // A header without its colon is --header (a file's header row) and a file name: said so.
    const noColon = await cli(['load', '--url', `${api.url}/items`, '--header', 'X-Tenant', '--table', 't']);
    expect(noColon.code).toBe(2);
    expect(noColon.err).toContain(
      "give either a file or --url, not both ('X-Tenant' after --header is taken for a file: a request header is --header 'Name: value')",
    );
  });

  it('an unreachable API and refused credentials exit 4; a loop fails saying loop; a secret in clear is refused', async () => {
    const gone = await startApi(() => undefined);
    const goneUrl = gone.url;
    await gone.close();
    const unreachable = await cli(['load', '--spec', writeSpec('gone.json', pinned(goneUrl, 'gone'))]);
    expect(unreachable.code).toBe(4);
    expect(unreachable.err).toContain('refused');
    // Failing while it is opened, the source still makes a recorded, failed run: --json prints it
    // (and its alerts would be sent), `runs` lists it.
    const asJson = await cli(['load', '--spec', writeSpec('gone2.json', pinned(goneUrl, 'gone2')), '--json']);
    expect(asJson.code).toBe(4);
    const outcome = JSON.parse(asJson.out.trim().split('\n').at(-1)!) as {
      runId: string;
      status: string;
      error: { code: string };
    };
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'SOURCE_UNREACHABLE' } });
    const runs = await cli(['runs', '--json']);
    expect(runs.out).toContain(outcome.runId);

    api = await cursorApi([records(1, 2)]);
    const refused = await cli(['load', '--spec', writeSpec('refused.json', pinned(api.url, 'refused'))], {
      API_TOKEN: 'wrong-token-value',
    });
    expect(refused.code).toBe(4);
    expect(refused.err).toContain('credentials were refused');
    expect(refused.err).not.toContain('wrong-token-value');
    await api.close();

    api = await startApi((_req, res) => json(res, { data: records(1, 2), next_cursor: 'same' }));
    const loop = await cli(['load', '--spec', writeSpec('loop.json', pinned(api.url, 'looping'))]);
    expect(loop.code).toBe(1);
    expect(loop.err).toContain('loop');

    const clear = pinned(api.url, 'clear');
    (clear.source as Record<string, unknown>).auth = { type: 'bearer', token: 'abc-in-clear' };
    const refusedSpec = await cli(['load', '--spec', writeSpec('clear.json', clear)]);
    expect(refusedSpec.code).toBe(2);
    expect(refusedSpec.err).toContain('source.auth.token');
    expect(refusedSpec.err).toContain('{ "env": "NAME" }');
  });

  it('a page that fails after rows were committed: the run says how many it read, not "before any row"', async () => {
    // Pages of 5 records; page 3 answers 500 (no retry): 10 rows read, both commits kept.
    api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      if (page === 3) return json(res, { error: 'broken' }, {}, 500);
      json(res, { data: records(page * 5 - 4, 5) });
    });
    const spec = pinned(api.url, 'half_failed');
    const source = spec.source as Record<string, unknown>;
    source.pagination = { type: 'pageNumber' };
    source.retry = { maxAttempts: 1 };
    const r = await cli([
      'load',
      '--spec',
      writeSpec('half-failed.json', spec),
      '--sample-size',
      '5',
      '--commit-every',
      '5',
      '--json',
    ]);
    expect(r.code).not.toBe(0);
    const outcome = JSON.parse(r.out.trim().split('\n').at(-1)!) as { runId: string };
    expect(outcome).toMatchObject({ status: 'failed', rowsRead: 10, inserted: 10 });
    const { rows } = await client.query('SELECT count(*)::int AS n FROM half_failed');
    expect(rows[0].n).toBe(10);
    const human = await cli(['runs', outcome.runId]);
    expect(human.out).toContain('failed after reading 10 rows');
    expect(human.out).not.toContain('before any row was read');
    // Not offered as `load --resume`, which would refuse it: why not instead.
    expect(human.out).toContain(
      'Resume  not possible: an HTTP API source cannot be read again from where the run stopped; re-run the load',
    );
  });

  it('incremental twice: the second run asks only for records after the mark; the boundary record is not loaded twice', async () => {
    const rows = [
      { id: 1, updated_at: '2024-05-01T10:00:00Z' },
      { id: 2, updated_at: '2024-05-02T10:00:00Z' },
      { id: 3, updated_at: '2024-05-03T10:00:00Z' },
    ];
    const served: number[] = [];
    api = await startApi((req, res) => {
      const since = req.url.searchParams.get('updated_since');
      const page = Number(req.url.searchParams.get('cursor') ?? 0);
      // The API's filter is inclusive (>=): the boundary record comes back.
      const match = rows.filter((r) => since === null || Date.parse(r.updated_at) >= Date.parse(since));
      const slice = match.slice(page * 2, page * 2 + 2);
      served.push(...slice.map((r) => r.id));
      json(res, { data: slice, next_cursor: page * 2 + 2 < match.length ? String(page + 1) : null });
    });
    const spec = pinned(api.url, 'inc_orders', {
      target: {
        connection: url,
        table: 'inc_orders',
        mode: 'incremental',
        key: ['id'],
        watermark: 'updated_at',
      },
    });
    (spec.source as Record<string, unknown>).incremental = { param: 'updated_since', format: 'iso' };
    const file = writeSpec('inc.json', spec);
    const first = await cli(['load', '--spec', file, '--json']);
    expect(first.err).toBe('');
    expect(JSON.parse(first.out)).toMatchObject({ status: 'succeeded', inserted: 3 });
    expect(api.requests.every((r) => r.url.searchParams.get('updated_since') === null)).toBe(true);

    rows.push({ id: 4, updated_at: '2024-05-04T10:00:00Z' }, { id: 5, updated_at: '2024-05-05T10:00:00Z' });
    served.length = 0;
    const before = api.requests.length;
    const second = await cli(['load', '--spec', file, '--json']);
    expect(second.err).toBe('');
    expect(JSON.parse(second.out)).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(api.requests.slice(before).map((r) => r.url.searchParams.get('updated_since'))).toEqual([
      '2024-05-03T10:00:00.000Z',
      '2024-05-03T10:00:00.000Z',
    ]);
    expect(served).toEqual([3, 4, 5]);
    const { rows: loaded } = await client.query(
      'SELECT id, count(*)::int AS n FROM inc_orders GROUP BY id ORDER BY id',
    );
    expect(loaded).toEqual([1, 2, 3, 4, 5].map((id) => ({ id, n: 1 })));

    // A run that fetches nothing new keeps the mark.
    served.length = 0;
    rows.length = 0;
    const third = await cli(['load', '--spec', file, '--json']);
    expect(third.err).toBe('');
    expect(JSON.parse(third.out)).toMatchObject({ status: 'succeeded', inserted: 0 });
    const fourth = await cli(['load', '--spec', file, '--json']);
    expect(JSON.parse(fourth.out)).toMatchObject({ status: 'succeeded' });
    expect(api.requests.at(-1)!.url.searchParams.get('updated_since')).toBe('2024-05-05T10:00:00.000Z');
  });

  it('a JSON file whose records are nested reads them with --records', async () => {
    writeFileSync(join(dir, 'nested.json'), JSON.stringify({ meta: { n: 2 }, resources: records(1, 2) }));
    const refused = await cli(['preview', 'nested.json']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('source.records');
    const r = await cli(['preview', 'nested.json', '--records', 'resources', '--json']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).rows.map((row: { raw: { id: unknown } }) => row.raw.id)).toEqual([1, 2]);
    expect(readFileSync(join(dir, 'nested.json'), 'utf8')).toContain('resources');
  });
});

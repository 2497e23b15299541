/**
 * `npm run bench -- api`: `loadstone load` from a local paginated API (a separate process serving the
 * bench's orders as JSON, 1,000 per page, cursor pagination, bearer auth) into PostgreSQL, measured
 * against the fetch limit (a plain client fetching every page and discarding the bodies) and `psql
 * \copy` of the same rows as CSV; then an incremental run after 1% new orders (only the new pages
 * may be fetched), and the append again with pages 100× larger. The fetch limit, `\copy`, the append
 * and the 100×-pages append run `BENCH_REPEATS` times (default 3), taking turns, judged on the medians.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createTestDatabase, startTestServer } from '../core/node/pg/test-server.ts';
import { benchRepeats, summary } from './database-bench.ts';
import { generateCsv, generateNdjson } from './generate.ts';
import { settle, TABLE_DDL, timed } from './pipeline-bench.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadstone.mjs');
const TOKEN = 'bench-token-0f1e2d';

/** Starts the API process; resolves with its URL once it listens. */
async function startApiProcess(ndjson: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'api-server.ts'), ndjson, TOKEN],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API process exited (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  return { url, child };
}

const agent = new http.Agent({ keepAlive: true });

/** One GET, body kept or discarded; returns the body's bytes (and its text when kept). */
function get(url: string, keep: boolean): Promise<{ bytes: number; text: string; tail: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        let bytes = 0;
        const parts: Buffer[] = [];
        let tail = '';
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (keep) parts.push(c);
          tail = (tail + c.toString('latin1')).slice(-64);
        });
        res.on('end', () =>
          resolve({ bytes, text: keep ? Buffer.concat(parts).toString('utf8') : '', tail }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The fetch limit: every page fetched in order, each body discarded (the cursor is read from its end). */
async function fetchLimit(
  base: string,
  limit: number,
): Promise<{ wallMs: number; pages: number; bytes: number }> {
  const started = performance.now();
  let cursor: string | null = null;
  let pages = 0;
  let bytes = 0;
  do {
    const r = await get(`${base}/orders?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`, false);
    pages++;
    bytes += r.bytes;
    cursor = /"next_cursor":"(\d+)"\}$/.exec(r.tail)?.[1] ?? null;
  } while (cursor !== null);
  return { wallMs: Math.round(performance.now() - started), pages, bytes };
}

async function admin(
  base: string,
  path: string,
): Promise<{ visible: number; requests: number; bytes: number }> {
  return JSON.parse((await get(`${base}/admin/${path}`, true)).text);
}

/** Runs the API benchmark. */
export async function benchApi(
  opts: { rows?: number; repeats?: number } = {},
): Promise<Record<string, unknown>> {
  const rows = opts.rows ?? 1_000_000;
  const repeats = opts.repeats ?? benchRepeats();
  const clean = await generateCsv('clean', rows);
  const { path: ndjson } = await generateNdjson(rows);
  const server = await startTestServer({ durable: true, env: {} });
  const api = await startApiProcess(ndjson);
  const dataDir = mkdtempSync(join(tmpdir(), 'loadstone-api-bench-'));
  try {
    const url = await createTestDatabase(server.url, 'api_bench');
    const db = new pg.Client({ connectionString: url });
    db.on('error', () => {});
    await db.connect();
    await db.query(
      `${TABLE_DDL('copy_target')}; ${TABLE_DDL('api_append')}; ${TABLE_DDL('api_big')}; ${TABLE_DDL('api_inc')}; CHECKPOINT`,
    );
    const env = { ...process.env, LOADSTONE_HOME: dataDir, API_TOKEN: TOKEN };
    const per = (ms: number) => Math.round(rows / (ms / 1000));

    const spec = (
      name: string,
      table: string,
      extra: Record<string, unknown> = {},
      target: Record<string, unknown> = {},
    ) => {
      const file = join(dataDir, `${name}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          version: 1,
          name,
          source: {
            kind: 'http',
            url: `${api.url}/orders`,
            auth: { type: 'bearer', token: { env: 'API_TOKEN' } },
            records: 'data',
            pagination: { type: 'cursor', cursorPath: 'next_cursor', cursorParam: 'cursor' },
            ...extra,
          },
          target: { connection: url, table, mode: 'append', ...target },
        }),
      );
      return file;
    };
    const run = (file: string) => {
      const r = timed(process.execPath, [BIN, 'load', '--spec', file, '--json'], env);
      const outcome = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
      return {
        wallMs: Math.round(r.wallMs),
        peakRssMb: Math.round(r.peakRssMb),
        outcome: { status: outcome.status, rowsRead: outcome.rowsRead, inserted: outcome.inserted },
      };
    };
    let limitMs = 0;
    const load = (file: string) => {
      const r = run(file);
      return {
        ...r,
        rowsPerSecond: per(r.wallMs),
        ratioToLimit: Number((r.wallMs / limitMs).toFixed(2)),
      };
    };

    // The CLI bundles itself on first use: not part of any figure.
    timed(process.execPath, [BIN, '--help'], env);
    // This machine's speed drifts by up to ±30% from one minute to the next: the fetch limit, `\copy`,
    // the append and the append with 100× pages run `repeats` times, taking turns, and the goals are
    // judged on the medians.
    const fetchRuns: Awaited<ReturnType<typeof fetchLimit>>[] = [];
    const copyRuns: { wallMs: number; peakRssMb: number }[] = [];
    const appendRuns: ReturnType<typeof run>[] = [];
    const bigRuns: ReturnType<typeof run>[] = [];
    let appendPages = 0;
    for (let round = 0; round < repeats; round++) {
      await settle(db);
      fetchRuns.push(await fetchLimit(api.url, 1000));
      await db.query('TRUNCATE copy_target');
      await settle(db);
      const copy = timed('psql', [
        url,
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        '-c',
        `\\copy copy_target FROM '${clean.path}' WITH (FORMAT csv, HEADER true)`,
      ]);
      copyRuns.push({ wallMs: Math.round(copy.wallMs), peakRssMb: Math.round(copy.peakRssMb) });
      await db.query('TRUNCATE api_append');
      await settle(db);
      await admin(api.url, 'reset');
      appendRuns.push(run(spec('api-append', 'api_append')));
      appendPages = (await admin(api.url, 'stats')).requests;
      await db.query('TRUNCATE api_big');
      await settle(db);
      bigRuns.push(run(spec('api-big', 'api_big', { query: { limit: 100_000 } })));
    }
    const fetched = {
      ...summary(fetchRuns.map((f) => ({ ...f, peakRssMb: 0 }))),
      pages: fetchRuns[0]!.pages,
      bytes: fetchRuns[0]!.bytes,
    };
    const copy = summary(copyRuns);
    limitMs = Math.max(fetched.wallMs, copy.wallMs);
    const appendSummary = summary(appendRuns);
    const append = {
      ...appendSummary,
      rowsPerSecond: per(appendSummary.wallMs),
      ratioToLimit: Number((appendSummary.wallMs / limitMs).toFixed(2)),
      outcome: appendRuns.at(-1)!.outcome,
    };
    const bigSummary = summary(bigRuns);
    const bigPages = {
      ...bigSummary,
      rowsPerSecond: per(bigSummary.wallMs),
      ratioToLimit: Number((bigSummary.wallMs / limitMs).toFixed(2)),
      outcome: bigRuns.at(-1)!.outcome,
    };
    await admin(api.url, 'reset');

    // Incremental: 99% of the orders first, then 1% more; the second run asks from the mark on.
    const incremental = { incremental: { param: 'since_id', format: 'raw' } };
    const incTarget = { mode: 'incremental', key: ['id'], watermark: 'id' };
    const seen = Math.floor(rows * 0.99);
    await admin(api.url, `visible?n=${seen}`);
    await settle(db);
    const seed = load(spec('api-inc', 'api_inc', incremental, incTarget));
    await admin(api.url, `visible?n=${rows}`);
    await admin(api.url, 'reset');
    await settle(db);
    const incRun = load(spec('api-inc', 'api_inc', incremental, incTarget));
    const incPages = (await admin(api.url, 'stats')).requests;
    const count = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM api_inc');
    await db.end();
    const newRows = rows - seen;
    return {
      rows,
      repeats,
      fetchLimit: {
        wallMs: fetched.wallMs,
        runsMs: fetched.runsMs,
        pages: fetched.pages,
        bytes: fetched.bytes,
        rowsPerSecond: per(fetched.wallMs),
      },
      copy: { wallMs: copy.wallMs, runsMs: copy.runsMs, rowsPerSecond: per(copy.wallMs) },
      loadAppend: { ...append, pagesFetched: appendPages },
      loadAppendPages100x: bigPages,
      incremental: {
        seed: seed.outcome,
        run: incRun,
        newRows,
        pagesFetched: incPages,
        tableRows: count.rows[0].n,
        distinctIds: count.rows[0].d,
      },
      goals: {
        appendWithin1_5xLimit: append.ratioToLimit <= 1.5,
        incrementalFetchesOnlyNewPages: incPages <= Math.ceil((newRows + 1) / 1000) + 1,
        peakRssUnder250Mb: Math.max(append.peakRssMb, bigPages.peakRssMb, incRun.peakRssMb) < 250,
        pages100xSameTimeAndRss: bigPages.wallMs <= append.wallMs * 1.2 && bigPages.peakRssMb < 250,
      },
    };
  } finally {
    api.child.kill();
    agent.destroy();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

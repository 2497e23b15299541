/**
 * The whole pipeline as an operator runs it: `loadstone load` (source → normalizer → COPY → merge,
 * run store, rejected rows) on the generated 1M-row CSVs, against one embedded PostgreSQL, compared
 * with `psql \copy` of the same clean file (the physical limit) and with pgloader when installed.
 * Each command runs as its own process; wall time and peak RSS come from /usr/bin/time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, startTestServer } from '../core/node/pg/test-server.ts';
import { generateCsv, generateNdjson } from './generate.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadstone.mjs');
export const TABLE_DDL = (t: string) =>
  `CREATE TABLE ${t} (id integer PRIMARY KEY, email text, order_date date, amount numeric, currency text,
                      paid boolean, note text, created_at timestamptz)`;

/**
 * Before a timed command: vacuums and analyzes what earlier commands loaded, then checkpoints.
 * Otherwise autovacuum takes up the table loaded a minute before (1M rows: ~1 s of CPU) in the
 * middle of whichever command runs next, on the same two cores, and that command pays for it
 * (2026-12-07: `\copy` 2.6–2.7 s after a settle, 3.3–4.1 s without).
 */
export async function settle(...databases: pg.Client[]): Promise<void> {
  for (const db of databases) await db.query('VACUUM ANALYZE');
  await databases[0]?.query('CHECKPOINT');
}

/** One measured command. */
export interface CommandFigures {
  wallMs: number;
  rowsPerSecond: number;
  ratioToCopy: number | null;
  peakRssMb: number;
  outcome?: Record<string, unknown>;
}

export function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '__RSS_KB__=%M', command, ...args], {
    encoding: 'utf8',
    env,
    maxBuffer: 64 << 20,
  });
  const wallMs = performance.now() - started;
  const rss = /__RSS_KB__=(\d+)/.exec(result.stderr ?? '');
  if (result.status !== 0 && !result.stdout?.includes('"runId"')) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  return {
    wallMs,
    peakRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    stdout: result.stdout,
    status: result.status,
  };
}

/** Runs the pipeline benchmark. */
export async function benchPipeline(opts: { rows?: number } = {}): Promise<Record<string, unknown>> {
  const rows = opts.rows ?? 1_000_000;
  const clean = await generateCsv('clean', rows);
  const messy = await generateCsv('messy', rows);
  const ndjson = await generateNdjson(rows);
  const server = await startTestServer({ durable: true, env: {} });
  const dataDir = mkdtempSync(join(tmpdir(), 'loadstone-bench-'));
  try {
    const url = await createTestDatabase(server.url, 'pipeline_bench');
    const admin = new pg.Client({ connectionString: url });
    admin.on('error', () => {});
    await admin.connect();
    await admin.query(`${TABLE_DDL('copy_target')}; ${TABLE_DDL('cli_target')}; CHECKPOINT`);
    const env = { ...process.env, LOADSTONE_HOME: dataDir };
    const per = (ms: number) => Math.round(rows / (ms / 1000));

    const copy = timed('psql', [
      url,
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-c',
      `\\copy copy_target FROM '${clean.path}' WITH (FORMAT csv, HEADER true)`,
    ]);
    const copyMs = copy.wallMs;
    const load = (file: string, table: string, extra: string[]): CommandFigures => {
      const r = timed(
        process.execPath,
        [BIN, 'load', file, '--target', url, '--table', table, '--json', ...extra],
        env,
      );
      const outcome = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
      return {
        wallMs: Math.round(r.wallMs),
        rowsPerSecond: per(r.wallMs),
        ratioToCopy: Number((r.wallMs / copyMs).toFixed(2)),
        peakRssMb: Math.round(r.peakRssMb),
        outcome,
      };
    };
    await admin.query('CHECKPOINT');
    const append = load(clean.path, 'cli_target', []);
    await admin.query('VACUUM ANALYZE cli_target');
    await admin.query('CHECKPOINT');
    const upsert = load(clean.path, 'cli_target', ['--mode', 'upsert', '--key', 'id']);
    await admin.query('CHECKPOINT');
    const messyLoad = load(messy.path, 'cli_messy', ['--max-error-rate', '0.01']);
    await admin.query('CHECKPOINT');
    // The same rows as NDJSON (twice the bytes): the JSON path, no goal attached.
    const ndjsonLoad = load(ndjson.path, 'cli_ndjson', []);

    let pgloader: CommandFigures | { skipped: string } = {
      skipped:
        process.env.BENCH_PGLOADER === '0'
          ? 'skipped (BENCH_PGLOADER=0)'
          : 'pgloader is not installed (apt-get install pgloader)',
    };
    if (process.env.BENCH_PGLOADER !== '0' && existsSync('/usr/bin/pgloader')) {
      await admin.query(`${TABLE_DDL('pgloader_target')}; CHECKPOINT`);
      const command = join(dataDir, 'bench.load');
      writeFileSync(
        command,
        `LOAD CSV FROM '${clean.path}'
           (id, email, order_date, amount, currency, paid, note, created_at)
         INTO ${url}
           TARGET TABLE pgloader_target (id, email, order_date, amount, currency, paid, note, created_at)
         WITH skip header = 1, fields optionally enclosed by '"', fields escaped by double-quote,
              fields terminated by ',';\n`,
      );
      const r = timed('pgloader', ['--no-ssl-cert-verification', '--dynamic-space-size', '2048', command]);
      const loaded = await admin.query('SELECT count(*)::int AS n FROM pgloader_target');
      pgloader = {
        wallMs: Math.round(r.wallMs),
        rowsPerSecond: per(r.wallMs),
        ratioToCopy: Number((r.wallMs / copyMs).toFixed(2)),
        peakRssMb: Math.round(r.peakRssMb),
        outcome: { loaded: loaded.rows[0].n },
      };
    }
    await admin.end();
    return {
      rows,
      copy: { wallMs: Math.round(copyMs), rowsPerSecond: per(copyMs), peakRssMb: Math.round(copy.peakRssMb) },
      loadAppendClean: append,
      loadUpsertUnchanged: upsert,
      loadAppendMessy: { ...messyLoad, badRowsGenerated: messy.badRows },
      loadAppendNdjson: ndjsonLoad,
      pgloader,
      goals: {
        appendWithin2xCopy: (append.ratioToCopy ?? 99) <= 2,
        upsertWithin3xCopy: (upsert.ratioToCopy ?? 99) <= 3,
        messyWithin2_5xCopy: (messyLoad.ratioToCopy ?? 99) <= 2.5,
        fiveTimesFasterThanPgloader: 'wallMs' in pgloader ? pgloader.wallMs / append.wallMs >= 5 : null,
        peakRssUnder250Mb: Math.max(append.peakRssMb, upsert.peakRssMb, messyLoad.peakRssMb) < 250,
      },
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const rows = Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 1_000_000);
  console.log(JSON.stringify(await benchPipeline({ rows }), null, 2));
}

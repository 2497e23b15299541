/**
 * Load benchmark: on one embedded PostgreSQL server (durable settings, like the local warehouse),
 * `psql \copy` of the clean 8-column CSV as the physical baseline, then the loader's `append` of the
 * same rows (generated as normalized batches in-process) and an `upsert` of them over the loaded
 * table (all unchanged). Each loader run happens in a child process so its peak RSS is its own.
 * Run alone: `node --import tsx bench/load-bench.ts [rows]`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { NormalizedValue } from '../core/common/types.ts';
import { rawRecord } from '../core/node/load/held-rows.ts';
import { DEFAULT_CHUNK_ROWS, loadIntoPostgres } from '../core/node/load/load-into-postgres.ts';
import type { LoadBatch, LoadColumn, LoadRow } from '../core/node/load/types.ts';
import { createTestDatabase, startTestServer } from '../core/node/pg/test-server.ts';
import { tuneHeapForLoads } from '../core/node/runtime/heap.ts';
import { generateCsv, random } from './generate.ts';

const run = promisify(execFile);

/** What one loader run measured. */
export interface LoaderFigures {
  ms: number;
  rowsPerSecond: number;
  ratioToCopy: number;
  peakRssMb: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

/** The benchmark's result. */
export interface LoadFigures {
  rows: number;
  chunkRows: number;
  copy: { ms: number; rowsPerSecond: number };
  /** Time to only generate the normalized batches (included in the loader figures). */
  generateMs: number;
  append: LoaderFigures;
  upsertUnchanged: LoaderFigures;
  goals: { appendWithin2xCopy: boolean; upsertWithin3xCopy: boolean; peakRssUnder250Mb: boolean };
}

const COLUMNS: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'email', type: 'text' },
  { name: 'order_date', type: 'date' },
  { name: 'amount', type: 'numeric' },
  { name: 'currency', type: 'text' },
  { name: 'paid', type: 'boolean' },
  { name: 'note', type: 'text' },
  { name: 'created_at', type: 'timestamptz' },
];
const DDL = (t: string) =>
  `CREATE TABLE ${t} (id integer PRIMARY KEY, email text, order_date date, amount numeric, currency text,
                      paid boolean, note text, created_at timestamptz)`;

/** Runs the benchmark. */
export async function benchLoad(opts: { rows?: number; chunkRows?: number } = {}): Promise<LoadFigures> {
  const rows = opts.rows ?? 1_000_000;
  const chunkRows = opts.chunkRows ?? Number(process.env.LOAD_BENCH_CHUNK ?? DEFAULT_CHUNK_ROWS);
  const { path: csv } = await generateCsv('clean', rows);
  const server = await startTestServer({ durable: true, env: {} });
  try {
    const url = await createTestDatabase(server.url, 'load_bench');
    const admin = new pg.Client({ connectionString: url });
    admin.on('error', () => {}); // the server stops under it if a step fails
    await admin.connect();
    await admin.query(`${DDL('copy_target')}; ${DDL('loader_target')}; CHECKPOINT`);
    const started = performance.now();
    execFileSync('psql', [
      url,
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-c',
      `\\copy copy_target FROM '${csv}' WITH (FORMAT csv, HEADER true)`,
    ]);
    const copyMs = performance.now() - started;
    const copied = await admin.query('SELECT count(*)::int AS n FROM copy_target');
    if (copied.rows[0].n !== rows)
      throw new Error(`\\copy loaded ${copied.rows[0].n} rows, expected ${rows}`);

    const generateMs = await measureGeneration(rows);
    await admin.query('CHECKPOINT');
    const append = await child('append', url, rows, chunkRows, copyMs);
    await admin.query('VACUUM ANALYZE loader_target');
    await admin.query('CHECKPOINT');
    const upsertUnchanged = await child('upsert', url, rows, chunkRows, copyMs);
    await admin.end();
    return {
      rows,
      chunkRows,
      copy: { ms: Math.round(copyMs), rowsPerSecond: Math.round(rows / (copyMs / 1000)) },
      generateMs: Math.round(generateMs),
      append,
      upsertUnchanged,
      goals: {
        appendWithin2xCopy: append.ratioToCopy <= 2,
        upsertWithin3xCopy: upsertUnchanged.ratioToCopy <= 3,
        peakRssUnder250Mb: Math.max(append.peakRssMb, upsertUnchanged.peakRssMb) < 250,
      },
    };
  } finally {
    await server.stop();
  }
}

async function child(
  mode: 'append' | 'upsert',
  url: string,
  rows: number,
  chunkRows: number,
  copyMs: number,
): Promise<LoaderFigures> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', script, 'child', mode, url, String(rows), String(chunkRows)],
    {
      maxBuffer: 1 << 20,
    },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<
    LoaderFigures,
    'ratioToCopy' | 'rowsPerSecond'
  >;
  return {
    ...r,
    rowsPerSecond: Math.round(rows / (r.ms / 1000)),
    ratioToCopy: Number((r.ms / copyMs).toFixed(2)),
  };
}

const RAW_COLUMNS = ['id', 'email', 'order_date', 'amount', 'currency', 'paid', 'note', 'created_at'];

/** A normalized row with its source cells, shaped like the pipeline's rows. */
class BenchRow implements LoadRow {
  readonly rawColumns = RAW_COLUMNS;
  constructor(
    readonly line: number,
    readonly values: NormalizedValue[],
    readonly cells: string[],
  ) {}

  get raw(): Record<string, string | null> {
    return rawRecord(RAW_COLUMNS, this.cells, undefined) as Record<string, string | null>;
  }
}

/** The clean CSV's rows as the normalizer would hand them over (same seed and formulas as generate.ts). */
export async function* normalizedBatches(rows: number, batchSize = 1000): AsyncGenerator<LoadBatch> {
  const rnd = random(1);
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'CHF'];
  const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
  let batch: LoadRow[] = [];
  for (let i = 1; i <= rows; i++) {
    const r: number[] = [];
    for (let k = 0; k < 12; k++) r.push(rnd());
    const iso = `${2015 + Math.floor(r[0]! * 10)}-${p2(1 + Math.floor(r[1]! * 12))}-${p2(1 + Math.floor(r[2]! * 28))}`;
    const cents = Math.floor(r[3]! * 10_000_000);
    const word = words[Math.floor(r[4]! * words.length)]!;
    const currency = currencies[Math.floor(r[5]! * currencies.length)]!;
    const note =
      r[10]! < 0.1
        ? `said "hello", then left\nsecond line ${i}`
        : r[10]! < 0.3
          ? `${word}, ${currency}`
          : `${word} ${i}`;
    const time = `${p2(Math.floor(r[7]! * 24))}:${p2(Math.floor(r[8]! * 60))}:${p2(Math.floor(r[9]! * 60))}`;
    const email = `${word}.${i}@example.com`;
    const amount = `${Math.floor(cents / 100)}.${p2(cents % 100)}`;
    const paid = r[6]! < 0.5;
    // Raw cells as a source that cannot re-read a record (JSON, XLSX) hands them over: the loader
    // keeps the cells of each row in flight to report refused rows.
    const cells = [String(i), email, iso, amount, currency, paid ? 'true' : 'false', note, `${iso} ${time}`];
    batch.push(new BenchRow(i + 1, [i, email, iso, amount, currency, paid, note, `${iso}T${time}Z`], cells));
    if (batch.length === batchSize || i === rows) {
      yield { rows: batch, rejectedUpstream: [], rowsRead: i };
      batch = [];
    }
  }
}

async function measureGeneration(rows: number): Promise<number> {
  const started = performance.now();
  let n = 0;
  for await (const b of normalizedBatches(rows)) n += b.rows.length;
  if (n !== rows) throw new Error('generator miscounted');
  return performance.now() - started;
}

async function childMain(mode: string, url: string, rows: number, chunkRows: number): Promise<void> {
  tuneHeapForLoads(); // as the CLI, the browser host and the desktop engine do
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  const result = await loadIntoPostgres({
    client,
    table: 'loader_target',
    columns: COLUMNS,
    mode: mode === 'upsert' ? 'upsert' : 'append',
    key: ['id'],
    duplicateKeys: 'last',
    addMissingColumns: false,
    dryRun: false,
    maxErrorRate: 0,
    chunkRows,
    batches: normalizedBatches(rows),
    onRejected: () => {},
  });
  const ms = performance.now() - started;
  await client.end();
  if (result.rejected !== 0) throw new Error(`${result.rejected} rows rejected`);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const { inserted, updated, unchanged } = result;
  process.stdout.write(
    `${JSON.stringify({ ms: Math.round(ms), peakRssMb, inserted, updated, unchanged })}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'child') {
    await childMain(args[0]!, args[1]!, Number(args[2]), Number(args[3]));
  } else {
    const figures = await benchLoad({ rows: cmd ? Number(cmd) : undefined });
    console.log(JSON.stringify(figures, null, 2));
  }
}

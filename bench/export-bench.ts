/**
 * Error-report export benchmark: writes 100,000 rejected rows through the store's reject writer,
 * then streams them to a CSV file. Runs in a child process of its own so peak RSS is its own.
 * `benchExport()` is what `npm run bench` calls; `node --import tsx bench/export-bench.ts --child [N]`
 * is the measurement itself (prints one JSON line).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobSpec } from '../core/common/spec/job-spec.ts';
import type { RejectedRow, RowError } from '../core/common/types.ts';
import { exportReport } from '../core/node/store/export.ts';
import { openStore } from '../core/node/store/open-store.ts';
import { NoSecretStore } from '../core/node/store/secret-store.ts';

/** Figures of one export run. `peakRssMb` is the measuring process's peak (writing included). */
export interface ExportBenchResult {
  rows: number;
  /** Export to CSV, milliseconds. */
  ms: number;
  peakRssMb: number;
  /** Writing the rejected rows through the reject writer (1,000-row transactions), milliseconds. */
  writeMs: number;
  /** RSS growth seen while exporting (sampled every 5 ms): bounded, not proportional to the report. */
  exportRssGrowthMb: number;
  fileMb: number;
}

const DEFAULT_REJECTED = 100_000;

/** Runs the measurement in a fresh Node process and returns its figures. */
export async function benchExport(opts: { rejectedRows?: number } = {}): Promise<ExportBenchResult> {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--child',
      String(opts.rejectedRows ?? DEFAULT_REJECTED),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as ExportBenchResult;
}

/** Rows like a messy CSV's: 8 columns, one or two bad cells, some cells CSV must quote. */
function rejectedRows(from: number, count: number): RejectedRow[] {
  const rows: RejectedRow[] = [];
  for (let i = from; i < from + count; i++) {
    const raw = {
      id: String(i),
      customer: `Customer ${i % 997}, Ltd`,
      email: `c${i}@example.com`,
      amount: i % 3 === 0 ? `-${i % 1000}.10` : `12,3${i % 10}x`,
      ordered_at: i % 2 === 0 ? '2024-02-31' : '2024-01-15',
      status: i % 5 === 0 ? '=HYPERLINK("x")' : 'shipped',
      note: i % 7 === 0 ? 'two\nlines "quoted"' : '',
      country: 'FR',
    };
    const errors: RowError[] = [
      {
        column: 'amount',
        value: raw.amount,
        reason: 'invalid_number',
        message: `'${raw.amount}' is not a number`,
      },
    ];
    if (i % 2 === 0) {
      errors.push({
        column: 'ordered_at',
        value: raw.ordered_at,
        reason: 'impossible_date',
        message: 'February has no 31st',
      });
    }
    rows.push({ line: i + 2, stage: 'normalize', raw, errors });
  }
  return rows;
}

async function child(count: number): Promise<ExportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'loadstone-bench-'));
  try {
    const store = openStore(dir, { secretStore: new NoSecretStore() });
    const runId = store.runs.create({
      spec: parseJobSpec({ source: { path: 'orders.csv' }, target: { table: 'orders' } }),
      sourceColumns: ['id', 'customer', 'email', 'amount', 'ordered_at', 'status', 'note', 'country'],
    });
    const writeStart = performance.now();
    const writer = store.rejects.writer(runId);
    for (let i = 0; i < count; i += 1000) writer.add(rejectedRows(i, Math.min(1000, count - i)));
    writer.flush();
    const writeMs = performance.now() - writeStart;
    store.runs.finish(runId, { status: 'failed' });

    const file = join(dir, 'report.csv');
    const baseRss = process.memoryUsage.rss();
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 5);
    const started = performance.now();
    const result = await exportReport(store, runId, 'csv', file);
    const ms = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const fileMb = statSync(file).size / 2 ** 20;
    store.close();
    return {
      rows: result.rows,
      ms,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      writeMs,
      exportRssGrowthMb: (peakRss - baseRss) / 2 ** 20,
      fileMb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const figures = await child(Number(process.argv[3] ?? DEFAULT_REJECTED));
  console.log(JSON.stringify(figures));
}

/**
 * `npm run bench`: generates the benchmark files once (in .bench/, deterministic) and measures
 * each figure in a child process of its own, so peak RSS belongs to that measurement.
 * Set BENCH_ROWS to change the file size (default 1,000,000).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, generateCsv } from './generate.ts';

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

function measure(script: string, args: string[]): Record<string, unknown> {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, script), ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 << 20,
    },
  );
  const last = output.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(last) as Record<string, unknown>;
}

const results: Record<string, unknown> = { rows, node: process.version, date: new Date().toISOString() };
const fmt = (n: unknown) => (typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : String(n));

if (wanted('normalize')) {
  for (const kind of ['clean', 'messy'] as const) {
    console.log(`generating ${kind} CSV (${fmt(rows)} rows)…`);
    const { path, badRows } = await generateCsv(kind, rows);
    const full = measure('normalize-pass.ts', [path, 'full']);
    const previewRun = measure('normalize-pass.ts', [path, 'preview']);
    results[`normalize_${kind}`] = { ...full, badRowsGenerated: badRows, preview200Ms: previewRun.ms };
    console.log(
      `${kind}: parse+normalize ${fmt(full.rowsPerSecond)} rows/s (${fmt(full.ms)} ms for ${fmt(full.rows)} rows, ` +
        `${fmt(full.rejected)} rejected + ${fmt(full.problems)} unreadable of ${badRows} generated bad), ` +
        `peak RSS ${fmt(full.peakRssMb)} MB; preview of 200 rows ${fmt(previewRun.ms)} ms`,
    );
  }
}

for (const [name, module, fn] of [
  ['export', './export-bench.ts', 'benchExport'],
  ['load', './load-bench.ts', 'benchLoad'],
  ['pipeline', './pipeline-bench.ts', 'benchPipeline'],
  ['hostile', './hostile-bench.ts', 'benchHostile'],
  ['host', './host-bench.ts', 'benchHost'],
  ['mysql', './mysql-bench.ts', 'benchMysql'],
  ['database', './database-bench.ts', 'benchDatabase'],
  ['api', './api-bench.ts', 'benchApi'],
] as const) {
  if (!wanted(name)) continue;
  try {
    const mod = (await import(module)) as Record<string, (opts?: unknown) => Promise<unknown>>;
    const figures = await mod[fn]!({ rows });
    results[name] = figures;
    console.log(`${name}: ${JSON.stringify(figures, null, 2)}`);
  } catch (error) {
    results[name] = { error: String(error) };
    console.error(`${name} benchmark failed: ${error instanceof Error ? error.stack : error}`);
    process.exitCode = 1;
  }
}

writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`figures written to ${join(BENCH_DIR, 'results.json')}`);

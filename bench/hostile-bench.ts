/**
 * Hostile files: each one generated once into .bench/hostile/ (compressed where it expands to
 * gigabytes), then previewed in a Node process of its own, so its time and peak RSS are its own.
 * `benchHostile()` is what `npm run bench -- hostile` calls;
 * `node --import tsx bench/hostile-bench.ts --child <file> [maxLineChars]` is one measurement
 * (prints one JSON line: time, peak RSS and what happened).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preview } from '../core/node/preview/preview.ts';
import {
  HUGE_SHARED_STRING_ROWS,
  hugeInlineStringSheet,
  hugeSharedString,
  manySharedStrings,
  openCommentSheet,
  repeated,
  wideCsv,
  wideNdjson,
  writeGzipMembers,
  writeWorkbook,
} from '../core/node/sources/hostile-fixtures.ts';
import { BENCH_DIR } from './generate.ts';

const MiB = 1024 * 1024;

/** One hostile file: how to make it, and what it is. */
interface Hostile {
  readonly name: string;
  readonly file: string;
  readonly what: string;
  make(path: string): Promise<void> | void;
}

const HOSTILE: readonly Hostile[] = [
  {
    name: 'csv_long_line_bare',
    file: 'long-line-bare.csv',
    what: 'one 100 MiB line, nothing else',
    make: (p) => writeFileSync(p, 'a'.repeat(100 * MiB)),
  },
  {
    name: 'csv_long_line_after_header',
    file: 'long-line-after-header.csv',
    what: 'a header, a 100 MiB line, 1,000 rows',
    make: (p) => writeFileSync(p, `id,text\n1,${'b'.repeat(100 * MiB)}\n${'2,ok\n'.repeat(1000)}`),
  },
  {
    name: 'csv_long_line_open_quote',
    file: 'long-line-open-quote.csv',
    what: 'a header, a quote opened on a 100 MiB line, 1,000 rows',
    make: (p) => writeFileSync(p, `id,text\n1,"${'c'.repeat(100 * MiB)}\n${'2,ok\n'.repeat(1000)}`),
  },
  {
    name: 'csv_long_lines_10_to_60_mib',
    file: 'long-lines.csv',
    what: 'lines of 10, 20, 40 and 60 MiB (under the 64 Mi bound: read whole)',
    make: (p) =>
      writeFileSync(
        p,
        `id,text\n${[10, 20, 40, 60].map((n, i) => `${i},${'d'.repeat(n * MiB)}`).join('\n')}\n`,
      ),
  },
  {
    name: 'gzip_10_gib_one_line',
    file: 'one-line-10g.csv.gz',
    what: 'gzip of one 10 GiB line (about 10 MB on disk)',
    make: (p) => writeGzipMembers(p, [...repeated('e', MiB)], 10 * 1024),
  },
  {
    name: 'xlsx_open_comment_200_mb',
    file: 'open-comment.xlsx',
    what: 'a sheet with a 200 MB comment that never closes',
    make: (p) => writeWorkbook(p, { part: () => openCommentSheet(200 * 1000 * 1000) }),
  },
  {
    name: 'xlsx_240m_shared_strings_declared',
    file: 'shared-strings-declared.xlsx',
    what: 'shared strings declaring 240 million entries (17 million present)',
    make: (p) =>
      writeWorkbook(p, { sheetData: '' }, () => {
        const parts = manySharedStrings(17 * MiB, false);
        const first = parts.next().value as string;
        return [first.replace('<sst ', '<sst uniqueCount="240000000" '), ...parts];
      }),
  },
  {
    name: 'xlsx_17m_shared_strings',
    file: 'shared-strings-many.xlsx',
    what: '17 million empty shared strings, no count declared',
    make: (p) => writeWorkbook(p, { sheetData: '' }, () => manySharedStrings(17 * MiB, false)),
  },
  {
    name: 'xlsx_100_mib_shared_string',
    file: 'shared-string-100m.xlsx',
    what: 'one shared string of 100 MiB used by row 2',
    make: (p) => writeWorkbook(p, { sheetData: HUGE_SHARED_STRING_ROWS }, () => hugeSharedString(100 * MiB)),
  },
  {
    name: 'xlsx_1_gib_shared_string',
    file: 'shared-string-1g.xlsx',
    what: 'one shared string of 1 GiB used by row 2',
    make: (p) => writeWorkbook(p, { sheetData: HUGE_SHARED_STRING_ROWS }, () => hugeSharedString(1024 * MiB)),
  },
  {
    name: 'xlsx_1_gib_inline_string',
    file: 'inline-string-1g.xlsx',
    what: 'one inline string of 1 GiB in row 2',
    make: (p) => writeWorkbook(p, { part: () => hugeInlineStringSheet(1024 * MiB) }),
  },
  {
    name: 'ndjson_100k_keys',
    file: 'keys-100k.ndjson',
    what: 'two records of 100,000 numeric keys',
    make: (p) => writeFileSync(p, wideNdjson(100_000)),
  },
  {
    name: 'csv_20k_columns',
    file: 'columns-20k.csv',
    what: 'a header of 20,000 columns (329 KB) and two rows',
    make: (p) => writeFileSync(p, wideCsv(20_000)),
  },
];

/** Figures of one hostile file. */
export interface HostileResult {
  what: string;
  fileMb: number;
  ms: number;
  peakRssMb: number;
  outcome: string;
}

/** Generates the files (once) and previews each in a child process. */
export async function benchHostile(): Promise<Record<string, HostileResult>> {
  const dir = join(BENCH_DIR, 'hostile');
  mkdirSync(dir, { recursive: true });
  const results: Record<string, HostileResult> = {};
  for (const h of HOSTILE) {
    const path = join(dir, h.file);
    if (!existsSync(path)) {
      console.log(`generating ${h.file} (${h.what})…`);
      try {
        await h.make(path);
      } catch (error) {
        rmSync(path, { force: true });
        throw error;
      }
    }
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', path],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 },
    );
    const figures = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Omit<
      HostileResult,
      'what' | 'fileMb'
    >;
    results[h.name] = { what: h.what, fileMb: Math.round(statSync(path).size / 1e4) / 100, ...figures };
    console.log(
      `${h.name}: ${Math.round(figures.ms).toLocaleString('en-US')} ms, peak RSS ${Math.round(figures.peakRssMb)} MB — ${figures.outcome}`,
    );
  }
  return results;
}

/** The measurement: a preview of `file` (200 rows, the default sample). */
async function child(file: string): Promise<void> {
  const started = performance.now();
  let outcome: string;
  try {
    const result = await preview({ source: { path: file } }, { limit: 200 });
    const reasons = new Map<string, number>();
    for (const row of result.rows) {
      const reason = row.problem?.reason ?? (row.errors.length > 0 ? row.errors[0]!.reason : 'ok');
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const lines = result.rows.filter((r) => r.problem).map((r) => `${r.problem!.reason} at ${r.line}`);
    outcome = `read: ${result.columns.length} columns, rows ${[...reasons].map(([r, n]) => `${r}×${n}`).join(' ')}${lines.length > 0 ? ` (${lines.slice(0, 3).join(', ')})` : ''}`;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    outcome = `refused ${e.code}: ${String(e.message)
      .replace(/^[^:]*: /, '')
      .slice(0, 160)}`;
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, peakRssMb: process.resourceUsage().maxRSS / 1024, outcome }));
}

if (process.argv[2] === '--child') await child(process.argv[3]!);

/**
 * Throughput check for the delimited source, run by hand (not a test, not part of `npm test`):
 *   node --import tsx core/node/sources/delimited/throughput-check.ts [rows]
 * Generates `rows` × 8 columns of CSV in a temp folder (clean LF; every field quoted with
 * CRLF; the clean file gzipped), then times the tokenizer alone on the decoded text and
 * `openSource` + iterating every batch. Prints rows/s; the temp folder is removed at the end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openSource } from '../open-source.ts';
import type { SourceRow } from '../types.ts';
import { DelimitedTokenizer } from './tokenizer.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'loadstone-bench-'));
const cities = ['Paris', 'Berlin', 'New York', 'São Paulo', 'Tokyo'];
const records: string[][] = [['id', 'name', 'email', 'amount', 'created', 'active', 'score', 'city']];
for (let i = 1; i <= rows; i++) {
  records.push([
    String(i),
    `user ${i}`,
    `user${i}@example.com`,
    `${(i * 7) % 10000}.${i % 100}`,
    `2024-0${(i % 9) + 1}-1${i % 10}`,
    String(i % 2 === 0),
    String((i % 1000) / 10),
    cities[i % 5]!,
  ]);
}
const clean = `${records.map((r) => r.join(',')).join('\n')}\n`;
const quoted = `${records.map((r) => r.map((v) => `"${v}"`).join(',')).join('\r\n')}\r\n`;
records.length = 0;
const files = {
  'clean LF': join(dir, 'clean.csv'),
  'all quoted CRLF': join(dir, 'quoted.csv'),
  'clean gzipped': join(dir, 'clean.csv.gz'),
};
writeFileSync(files['clean LF'], clean);
writeFileSync(files['all quoted CRLF'], quoted);
writeFileSync(files['clean gzipped'], gzipSync(clean));

const rate = (n: number, ms: number) => `${Math.round((n * 1000) / ms).toLocaleString('en')} rows/s`;
try {
  for (const [name, file] of Object.entries(files)) {
    const size = readFileSync(file).length / 1e6;
    if (!file.endsWith('.gz')) {
      const text = readFileSync(file, 'utf8');
      const times: number[] = [];
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        const tokenizer = new DelimitedTokenizer({ delimiter: ',', quote: '"' });
        const out: SourceRow[] = [];
        for (let i = 0; i < text.length; i += 256 * 1024) {
          tokenizer.push(text.slice(i, i + 256 * 1024), out);
          out.length = 0;
        }
        tokenizer.finish(out);
        times.push(performance.now() - t0);
      }
      console.log(
        `${name} (${size.toFixed(1)} MB): tokenizer alone, best of 3: ${rate(rows + 1, Math.min(...times))}`,
      );
    }
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const source = await openSource({ path: file });
      let n = 0;
      for await (const batch of source.rows()) n += batch.length;
      if (n !== rows) throw new Error(`read ${n} rows, expected ${rows}`);
      times.push(performance.now() - t0);
    }
    console.log(
      `${name} (${size.toFixed(1)} MB): openSource + all batches, best of 3: ${rate(rows, Math.min(...times))}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

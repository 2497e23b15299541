import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadstone-preview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return runCli(args, { cwd: dir });
}

// Day-first dates, decimal commas with grouping, a quoted multi-line note, Latin-1 bytes and one bad amount.
const latin1 = Buffer.from(
  [
    'Order Date;Amount;Paid?;Note',
    '05/03/2024;1.234,50;yes;café',
    '25/03/2024;(45,10);no;"two\nlines"',
    '2024-04-01;12,3x;Y;plain',
    '01/04/2024;7,25-;off;',
    // enough clean rows that one bad amount is a rejected cell, not a reason to keep the column as text
    ...Array.from({ length: 8 }, (_, i) => `1${i}/05/2024;${i},50;no;filler ${i}`),
  ].join('\r\n'),
  'latin1',
);
writeFileSync(join(dir, 'orders.csv'), latin1);

describe('loadstone preview', () => {
  it('prints exactly one JSON object with format, columns and rows', async () => {
    const c = await cli(['preview', 'orders.csv', '--json']);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    const lines = c.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result.format).toMatchObject({
      kind: 'csv',
      encoding: 'windows-1252',
      delimiter: ';',
      header: true,
    });
    expect(
      result.columns.map((col: { name: string; source: string; type: string }) => [
        col.name,
        col.source,
        col.type,
      ]),
    ).toEqual([
      ['order_date', 'Order Date', 'date'],
      ['amount', 'Amount', 'numeric'],
      ['paid', 'Paid?', 'boolean'],
      ['note', 'Note', 'text'],
    ]);
    expect(result.rows.map((r: { line: number }) => r.line).slice(0, 5)).toEqual([2, 3, 5, 6, 7]);
    expect(result.rows[0]).toEqual({
      line: 2,
      raw: { order_date: '05/03/2024', amount: '1.234,50', paid: 'yes', note: 'café' },
      values: { order_date: '2024-03-05', amount: '1234.50', paid: true, note: 'café' },
      errors: [],
    });
    expect(result.rows[1].values).toEqual({
      order_date: '2024-03-25',
      amount: '-45.10',
      paid: false,
      note: 'two\nlines',
    });
    expect(result.rows[2].errors).toEqual([
      expect.objectContaining({ column: 'amount', value: '12,3x', reason: 'invalid_number' }),
    ]);
    expect(result.rows[3].values).toEqual({
      order_date: '2024-04-01',
      amount: '-7.25',
      paid: false,
      note: null,
    });
  });

  it('prints a readable table marking rejected cells', async () => {
    const c = await cli(['preview', 'orders.csv']);
    expect(c.code).toBe(0);
    expect(c.out).toContain('windows-1252');
    expect(c.out).toContain('✗ 12,3x');
    expect(c.out).toMatch(/line 5, amount: invalid_number/);
    // the same sentence as the preview screen's badge, over the sample
    expect(c.out).toContain('Rejected: 1 of 12 rows (the whole file) would be rejected');
  });

  it('says over what it counts when the file is larger than the sample and the rows shown', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i + 1},${i % 100 === 5 ? '7 pcs' : String(i)}`);
    writeFileSync(join(dir, 'many.csv'), `id,qty\n${rows.join('\n')}\n`);
    const c = await cli(['preview', 'many.csv', '--limit', '10', '--sample-size', '200']);
    expect(c.code).toBe(0);
    expect(c.out).toContain(
      'Rejected: 2 of 200 sampled rows would be rejected; 10 shown, 1 of them rejected',
    );
    expect(c.out).toContain('1 more rejected sampled row beyond the rows shown');
  });

  it('exits 2 with a one-line reason for a missing file or bad usage', async () => {
    const missing = await cli(['preview', 'nope.csv']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^loadstone: .*nope\.csv: no such file\n$/);
    const usage = await cli(['preview', 'orders.csv', '--limit', 'ten']);
    expect(usage.code).toBe(2);
    expect(usage.err.trim().split('\n')).toHaveLength(1);
    const unknown = await cli(['preview', 'orders.csv', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--bogus/);
  });

  it('runs as the `loadstone` bin', async () => {
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'loadstone.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      'preview',
      join(dir, 'orders.csv'),
      '--json',
      '--limit',
      '1',
    ]);
    expect(JSON.parse(stdout).rows).toHaveLength(1);
  });

  it('the bin builds its bundle once, runs from it, and falls back to tsx when it cannot build one', async () => {
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'loadstone.mjs');
    const run = (bundle: string) =>
      promisify(execFile)(process.execPath, [bin, 'runs', '--json'], {
        env: {
          ...process.env,
          LOADSTONE_CLI_BUNDLE: bundle,
          LOADSTONE_HOME: join(dir, `home-${bundle.length}`),
        },
      });
    // Inside node_modules, where the bundle's dependencies resolve from.
    const cache = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      'node_modules',
      '.cache',
      `loadstone-test-${process.pid}`,
    );
    const bundle = join(cache, 'cli.mjs');
    try {
      // A fresh data folder: the store's migrations are found from the bundle too.
      expect(JSON.parse((await run(bundle)).stdout)).toEqual([]);
      const built = statSync(bundle).mtimeMs;
      // pg's Cloudflare check answers false at once (bin/esbuild-plugins.mjs): it no longer loads
      // Node's fetch implementation at every start.
      expect(readFileSync(bundle, 'utf8')).toMatch(/function isCloudflareRuntime\(\) \{\s*return false;/);
      await run(bundle);
      expect(statSync(bundle).mtimeMs).toBe(built); // up to date: not built again
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
    writeFileSync(join(dir, 'not-a-folder'), '');
    const fallback = await run(join(dir, 'not-a-folder', 'cli.mjs'));
    expect(JSON.parse(fallback.stdout)).toEqual([]);
  });

  it('the bundle reads SQLite in its worker thread, and on its own thread when the worker cannot start', async () => {
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'loadstone.mjs');
    const db = new Database(join(dir, 'crm.db'));
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
      INSERT INTO customers VALUES (1, 'Ada'), (2, 'Bob'), (3, 'Cy');`);
    db.close();
    const cache = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      'node_modules',
      '.cache',
      `loadstone-sqlite-${process.pid}`,
    );
    const bundle = join(cache, 'cli.mjs');
    const worker = join(cache, 'sqlite-read-worker.mjs');
    const names = async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [bin, 'preview', join(dir, 'crm.db'), '--source-table', 'customers', '--json'],
        { env: { ...process.env, LOADSTONE_CLI_BUNDLE: bundle, LOADSTONE_HOME: join(dir, 'home-sqlite') } },
      );
      return (JSON.parse(stdout).rows as { values: Record<string, unknown> }[]).map((r) => r.values.name);
    };
    try {
      expect(await names()).toEqual(['Ada', 'Bob', 'Cy']);
      expect(statSync(worker).isFile()).toBe(true); // built next to the bundle
      writeFileSync(worker, "throw new Error('this worker cannot start');\n");
      expect(await names()).toEqual(['Ada', 'Bob', 'Cy']);
      rmSync(worker);
      expect(await names()).toEqual(['Ada', 'Bob', 'Cy']);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

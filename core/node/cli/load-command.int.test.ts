import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { type CliRun, runCli } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadstone-load-cli-'));
const dataDir = join(dir, 'data');
let url = '';
let client: pg.Client;

function cli(args: string[]) {
  return runCli(args, { cwd: dir, env: { LOADSTONE_HOME: dataDir } });
}

/** 200 orders, day-first dates, decimal commas; 3 bad cells (bad date, bad amount, bad boolean). */
function writeOrders(name: string, count: number, shippedBase = 1): string {
  const lines = ['Order ID;Order Date;Amount;Paid?;Shipped At'];
  for (let i = 1; i <= count; i++) {
    const day = 1 + (i % 28);
    const amount = i === 50 ? '12,3x' : `${i},${String(i % 100).padStart(2, '0')}`;
    const date = i === 20 ? '31/04/2024' : `${String(day).padStart(2, '0')}/05/2024`;
    const paid = i === 90 ? 'maybe' : i % 2 ? 'yes' : 'no';
    lines.push(
      `${i};${date};${amount};${paid};2024-06-${String(shippedBase + (i % 20)).padStart(2, '0')} 10:00`,
    );
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_load');
  client = new pg.Client({ connectionString: url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadstone load', () => {
  describe('a load of a file with three bad cells', () => {
    let loaded: CliRun;
    beforeAll(async () => {
      writeOrders('orders.csv', 200);
      loaded = await cli(['load', 'orders.csv', '--target', url, '--table', 'orders', '--json']);
    });

    it('loads the good rows and prints one JSON object', async () => {
      const r = loaded;
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out);
      expect(out).toMatchObject({
        status: 'succeeded',
        mode: 'append',
        dryRun: false,
        table: 'orders',
        rowsRead: 200,
        inserted: 197,
        updated: 0,
        unchanged: 0,
        rejected: 3,
      });
      expect(out.target).not.toContain('@localhost:'); // no credentials leak in the label
      expect(Object.keys(out).sort()).toEqual(
        [
          'dryRun',
          'durationMs',
          'inserted',
          'mode',
          'rejected',
          'rowsRead',
          'runId',
          'status',
          'table',
          'target',
          'unchanged',
          'updated',
          // Added (issue 10): counted apart, the incremental watermark, whether the table was emptied.
          'skipped',
          'superseded',
          'watermarkBefore',
          'watermarkAfter',
          'truncated',
          // Added (fourteenth session): the plan's column warnings, [] when none.
          'warnings',
        ].sort(),
      );
      const count = await client.query('SELECT count(*)::int AS n, sum(amount)::text AS total FROM orders');
      expect(count.rows[0].n).toBe(197);
    });

    it('records the rejected rows: line, column and reason', async () => {
      const errors = await cli(['errors', 'last', '--json']);
      expect(errors.code).toBe(0);
      const report = JSON.parse(errors.out);
      const rows = (report.rows ?? report) as {
        line: number;
        errors: { column: string; reason: string }[];
      }[];
      expect(rows.map((x) => [x.line, x.errors[0]!.column, x.errors[0]!.reason])).toEqual([
        [21, 'order_date', 'impossible_date'],
        [51, 'amount', 'invalid_number'],
        [91, 'paid', 'invalid_boolean'],
      ]);
    });

    it('exports the rejected rows as CSV with their cells as the file has them', async () => {
      const exported = await cli(['errors', JSON.parse(loaded.out).runId, '--export', 'bad.csv']);
      expect(exported.code).toBe(0);
      const csv = readFileSync(join(dir, 'bad.csv'), 'utf8');
      expect(csv.split(/\r?\n/)[0]).toBe(
        'Order ID,Order Date,Amount,Paid?,Shipped At,line,stage,column,reason,message',
      );
      expect(csv).toContain('50,23/05/2024,"12,3x",no,2024-06-11 10:00,51,normalize,amount,invalid_number,');
    });
  });

  it('reports rows the database refuses with their cells exactly as the file has them', async () => {
    // Enough rows for several COPY pieces and two chunks, so refused rows sit far from where the
    // source text they were read from began; their cells are read again from that text.
    await client.query(
      'CREATE TABLE refused (id integer PRIMARY KEY, label text, amount numeric CHECK (amount >= 0))',
    );
    const lines = ['id,label,amount'];
    for (let i = 1; i <= 30_000; i++) {
      const label =
        i === 12_345 ? '"two\nlines, ""quoted"", Zoë ✓"' : i === 29_999 ? '  "blank-padded"  ' : `row ${i}`;
      const amount = i === 12_345 || i === 29_999 ? '-1' : String(i);
      lines.push(`${i},${label},${amount}`);
    }
    writeFileSync(join(dir, 'refused.csv'), `${lines.join('\r\n')}\r\n`);
    const r = await cli(['load', 'refused.csv', '--target', url, '--table', 'refused', '--json']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', inserted: 29_998, rejected: 2 });
    const report = JSON.parse((await cli(['errors', 'last', '--json', '--stage', 'load'])).out);
    const rows = (report.rows ?? report) as {
      line: number;
      raw: Record<string, unknown>;
      errors: unknown[];
    }[];
    expect(rows.map((x) => [x.line, x.raw])).toEqual([
      // The multi-line record starts on line 12,346 (header on line 1).
      [12_346, { id: '12345', label: 'two\nlines, "quoted", Zoë ✓', amount: '-1' }],
      [30_001, { id: '29999', label: 'blank-padded', amount: '-1' }],
    ]);
    expect(rows[0]!.errors).toMatchObject([{ reason: 'database_rejected', sqlstate: '23514' }]);
  });

  it('reports NDJSON lines the database refuses with their fields exactly as the file has them', async () => {
    await client.query(
      'CREATE TABLE refused_nd (id integer PRIMARY KEY, label text, amount numeric CHECK (amount >= 0))',
    );
    const lines: string[] = [];
    for (let i = 1; i <= 30_000; i++) {
      const amount = i === 25_000 ? '-1.50' : `${i}.10`;
      lines.push(`{"id": ${i}, "label": "row \\"${i}\\" é", "amount": ${amount}}`);
    }
    writeFileSync(join(dir, 'refused.ndjson'), `${lines.join('\n')}\n`);
    const r = await cli(['load', 'refused.ndjson', '--target', url, '--table', 'refused_nd', '--json']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', inserted: 29_999, rejected: 1 });
    const printed = (await cli(['errors', 'last', '--json'])).out;
    // The number as the file wrote it: a JSON number of its text, `-1.50`, as the JSON export writes it.
    expect(printed).toContain('"raw":{"id":25000,"label":"row \\"25000\\" é","amount":-1.50}');
    const report = JSON.parse(printed);
    const rows = (report.rows ?? report) as { line: number; raw: Record<string, unknown> }[];
    expect(rows.map((x) => [x.line, x.raw])).toEqual([
      [25_000, { id: 25_000, label: 'row "25000" é', amount: -1.5 }],
    ]);
  });

  it('loads nested JSON exactly: 20-digit ids and scaled decimals keep every digit (NDJSON and JSON)', async () => {
    const doc = '{"id": 12345678901234567890, "price": 1.10, "list": [0.1000, {"n": -7E-2}], "s": "x"}';
    writeFileSync(
      join(dir, 'nested.ndjson'),
      `{"k": 1, "doc": ${doc}}\n{"k": 2, "doc": {"plain": [1, 2.5]}}\n`,
    );
    writeFileSync(
      join(dir, 'nested.json'),
      `[{"k": 1, "doc": ${doc}}, {"k": 2, "doc": {"plain": [1, 2.5]}}]`,
    );
    for (const file of ['nested.ndjson', 'nested.json']) {
      const table = file.replace('.', '_');
      const r = await cli(['load', file, '--target', url, '--table', table, '--json']);
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', inserted: 2, rejected: 0 });
      const rows = await client.query(`SELECT k, doc::text AS doc FROM ${table} ORDER BY k`);
      expect(rows.rows).toEqual([
        {
          k: 1,
          doc: '{"s": "x", "id": 12345678901234567890, "list": [0.1000, {"n": -0.07}], "price": 1.10}',
        },
        { k: 2, doc: '{"plain": [1, 2.5]}' },
      ]);
    }
  });

  it('upserts by key, counting unchanged rows, and a dry run changes nothing', async () => {
    writeOrders('orders2.csv', 200);
    const first = JSON.parse(
      (
        await cli([
          'load',
          'orders2.csv',
          '--target',
          url,
          '--table',
          'o2',
          '--mode',
          'upsert',
          '--key',
          'order_id',
          '--json',
        ])
      ).out,
    );
    expect(first).toMatchObject({ inserted: 197, updated: 0, unchanged: 0, rejected: 3 });
    const again = JSON.parse(
      (
        await cli([
          'load',
          'orders2.csv',
          '--target',
          url,
          '--table',
          'o2',
          '--mode',
          'upsert',
          '--key',
          'order_id',
          '--json',
        ])
      ).out,
    );
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 197, rejected: 3 });
    await client.query('UPDATE o2 SET amount = 0 WHERE order_id <= 10');
    const dry = await cli([
      'load',
      'orders2.csv',
      '--target',
      url,
      '--table',
      'o2',
      '--mode',
      'upsert',
      '--key',
      'order_id',
      '--dry-run',
      '--json',
    ]);
    expect(JSON.parse(dry.out)).toMatchObject({ dryRun: true, inserted: 0, updated: 10, unchanged: 187 });
    const zeroes = await client.query('SELECT count(*)::int AS n FROM o2 WHERE amount = 0');
    expect(zeroes.rows[0].n).toBe(10);
  });

  it('loads incrementally above the stored watermark, and 0 rows when nothing is new', async () => {
    writeOrders('inc.csv', 200);
    const args = [
      'load',
      'inc.csv',
      '--target',
      url,
      '--table',
      'inc',
      '--mode',
      'incremental',
      '--key',
      'order_id',
      '--watermark',
      'shipped_at',
      '--json',
    ];
    const first = JSON.parse((await cli(args)).out);
    expect(first).toMatchObject({
      status: 'succeeded',
      inserted: 197,
      skipped: 0,
      watermarkBefore: null,
      watermarkAfter: '2024-06-20 10:00:00+00',
    });
    // Nothing new: the rows below the watermark are skipped, not "unchanged"; the 10 rows at it
    // (shipped 2024-06-20 10:00, orders 19, 39, … 199) are compared by key: unchanged.
    const again = JSON.parse((await cli(args)).out);
    expect(again).toMatchObject({
      status: 'succeeded',
      inserted: 0,
      updated: 0,
      unchanged: 10,
      skipped: 187,
      rejected: 3,
      watermarkBefore: '2024-06-20 10:00:00+00',
      watermarkAfter: '2024-06-20 10:00:00+00',
    });
    const shown = await cli(['runs', again.runId]);
    expect(shown.out).toContain('skipped 187, superseded 0, rejected 3');
    expect(shown.out).toContain(
      'Of 200 rows read, 10 were loaded; 3 rows were rejected; 187 rows were skipped',
    );
    expect(shown.out).toContain('Watermark 2024-06-20 10:00:00+00, unchanged (no row above it)');
    const json = JSON.parse((await cli(['runs', again.runId, '--json'])).out);
    expect(json).toMatchObject({
      counts: { unchanged: 10, skipped: 187, superseded: 0 },
      watermark: { before: '2024-06-20 10:00:00+00', after: '2024-06-20 10:00:00+00' },
      durationMs: again.durationMs,
    });
    const human = await cli(args.filter((a) => a !== '--json'));
    expect(human.out).toContain('skipped     187  (below the watermark)');
    expect(human.out).toContain('watermark   2024-06-20 10:00:00+00 (unchanged: no row above it)');
  });

  it('exits 3 when the error threshold is exceeded, leaving the table unchanged', async () => {
    writeOrders('small.csv', 40);
    const r = await cli([
      'load',
      'small.csv',
      '--target',
      url,
      '--table',
      'small',
      '--max-errors',
      '0',
      '--json',
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'failed', error: { code: 'LOAD_ABORTED_ERROR_RATE' } });
    const exists = await client.query("SELECT to_regclass('public.small') AS t");
    expect(exists.rows[0].t).toBeNull();
  });

  it('exits 4 when the target cannot be reached, 2 on bad usage', async () => {
    writeOrders('x.csv', 20);
    const unreachable = await cli([
      'load',
      'x.csv',
      '--target',
      'postgresql://nobody:secret@127.0.0.1:1/db',
      '--table',
      't',
    ]);
    expect(unreachable.code).toBe(4);
    expect(unreachable.out + unreachable.err).not.toContain('secret');
    expect((await cli(['load', 'x.csv'])).code).toBe(2);
    expect((await cli(['load', 'x.csv', '--table', 't', '--mode', 'merge'])).code).toBe(2);
    expect((await cli(['load', 'missing.csv', '--table', 't', '--target', url])).code).toBe(2);
  });

  it('exits 2, one line on stderr, for an unknown saved connection or a flag out of its choices', async () => {
    writeOrders('y.csv', 5);
    const unknown = await cli(['load', 'y.csv', '--table', 't', '--target', 'no_such_connection']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^loadstone: .*no_such_connection.*\n$/);
    const format = await cli(['load', 'y.csv', '--table', 't', '--format', 'parquet']);
    expect(format).toMatchObject({
      code: 2,
      err: "loadstone: --format must be one of csv, tsv, json, ndjson, xlsx, got 'parquet'\n",
    });
    const duplicates = await cli(['load', 'y.csv', '--table', 't', '--duplicate-keys', 'first']);
    expect(duplicates.code).toBe(2);
    expect(duplicates.err).toBe("loadstone: --duplicate-keys must be one of last, reject, got 'first'\n");
  });

  it('loads 150,000 rows sent as runs of COPY text without a Node warning on the terminal', async () => {
    // ~12 MB of NDJSON records that go as COPY text: runs of them fill PostgreSQL's socket while
    // more pieces wait, which once added a drain listener per piece (MaxListenersExceededWarning,
    // 49 times in the bench's 1M-row API load).
    const note = 'a note long enough to make each record about eighty bytes';
    let text = '';
    for (let i = 1; i <= 150_000; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      text += `{"id":${i},"email":"user${i}@example.com","day":"2024-05-${day}","amount":${i % 1000}.25,"note":"${note}"}\n`;
    }
    writeFileSync(join(dir, 'many.ndjson'), text);
    const r = await cli(['load', 'many.ndjson', '--target', url, '--table', 'many_rows', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', inserted: 150_000, rejected: 0 });
    expect(r.warnings).toEqual([]);
    const { rows } = await client.query('SELECT count(*)::int AS n, sum(id)::text AS ids FROM many_rows');
    expect(rows[0]).toEqual({ n: 150_000, ids: String((150_000 * 150_001) / 2) });
  });
});

describe('loadstone load into an existing table', () => {
  it('says which columns the table typed against the sample', async () => {
    await client.query('CREATE TABLE cli_shipped (id integer, shipped date)');
    writeFileSync(join(dir, 'shipped.csv'), 'id,shipped\n1,2024-03-01\n2,soon\n3,later\n4,2024-03-04\n');
    const r = await cli([
      'load',
      'shipped.csv',
      '--target',
      url,
      '--table',
      'cli_shipped',
      '--max-error-rate',
      '0.6',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      '  typed by the existing table cli_shipped: shipped as date (its column is date; the sample alone read text); ' +
        'values that are not dates are rejected cell by cell\n',
    );
    expect(r.out).toMatch(/rejected\s+2/);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../common/types.ts';
import { exportReport } from './export.ts';
import { openStore, type RunStore } from './open-store.ts';
import {
  makeRejects,
  NOTES,
  parseCsv,
  sampleSpec,
  tempDir,
  testSecretStore,
} from './test-fixtures/support.ts';

const N = 100_000;
const COLUMNS = ['id', 'amount', 'date', 'note'];

/** What makeRejects(i) holds, as the CSV report must show it. */
function expectedCsvRecord(i: number): string[] {
  const line = String(i + 2);
  if (i % 10 === 9)
    return [String(i), '1', '', '', line, 'parse', '', 'too_few_fields', 'expected 4 fields, found 2'];
  const note = NOTES[i % NOTES.length]!;
  const neutral = /^[=@]/.test(note) ? `'${note}` : note;
  const two = i % 2 === 0;
  return [
    String(i),
    `x${i}`,
    '2024-02-31',
    neutral,
    line,
    'normalize',
    two ? 'amount; date' : 'amount',
    two ? 'invalid_number; impossible_date' : 'invalid_number',
    two ? `'x${i}' is not a number; February has no 31st` : `'x${i}' is not a number`,
  ];
}

describe('100,000 rejected rows', () => {
  let dir: string;
  let store: RunStore;
  let runId: string;

  beforeAll(() => {
    dir = tempDir();
    store = openStore(dir, { secretStore: testSecretStore() });
    runId = store.runs.create({ spec: sampleSpec(), sourceColumns: COLUMNS });
    const writer = store.rejects.writer(runId, { batchSize: 1000 });
    // Batches are buffered, then written 1,000 at a time.
    writer.add(makeRejects(0, 999));
    expect(writer.written).toBe(0);
    expect(store.reports.count(runId)).toBe(0);
    writer.add(makeRejects(999, 1));
    expect(writer.written).toBe(1000);
    for (let i = 1000; i < N; i += 700) writer.add(makeRejects(i, Math.min(700, N - i)));
    writer.flush();
    expect(writer.written).toBe(N);
    store.runs.finish(runId, { status: 'failed', counts: { read: N } });
    return () => store.close();
  });

  it('counts and filters through the indexes', () => {
    expect(store.runs.get(runId)?.counts.rejected).toBe(N);
    expect(store.reports.count(runId)).toBe(N);
    expect(store.reports.count(runId, { stage: 'parse' })).toBe(N / 10);
    expect(store.reports.count(runId, { column: 'date' })).toBe(N / 2);
    expect(store.reports.count(runId, { column: null })).toBe(N / 10);
    expect(
      store.reports.count(runId, { reason: 'invalid_number', column: 'amount', stage: 'normalize' }),
    ).toBe(0.9 * N);
    expect(store.reports.count(runId, { reason: 'impossible_date', stage: 'parse' })).toBe(0);
    const plan = (sql: string) =>
      (store.context.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' | ');
    expect(
      plan(
        "SELECT COUNT(DISTINCT row_id) FROM reject_errors WHERE run_seq = 1 AND reason = 'x' AND column_name = 'y'",
      ),
    ).toMatch(/USING COVERING INDEX reject_errors_by_reason/);
    expect(
      plan("SELECT COUNT(DISTINCT row_id) FROM reject_errors WHERE run_seq = 1 AND column_name = 'y'"),
    ).toMatch(/USING COVERING INDEX reject_errors_by_column/);
    expect(
      plan(
        'SELECT reason, column_name, COUNT(*) FROM reject_errors WHERE run_seq = 1 GROUP BY reason, column_name',
      ),
    ).toMatch(/USING COVERING INDEX reject_errors_by_reason/);
    expect(plan("SELECT id FROM rejected_rows WHERE run_seq = 1 AND stage = 'parse' ORDER BY id")).toMatch(
      /INDEX rejected_rows_by_stage/,
    );
  });

  it('pages in record order, filtered', () => {
    const first = store.reports.page(runId, { limit: 3 });
    expect(first.total).toBe(N);
    expect(first.sourceColumns).toEqual(COLUMNS);
    expect(first.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(first.rows[0]).toEqual({
      id: expect.any(Number),
      line: 2,
      at: null,
      stage: 'normalize',
      raw: { id: '0', amount: 'x0', date: '2024-02-31', note: 'plain' },
      rawText: null,
      errors: [
        {
          column: 'amount',
          value: 'x0',
          reason: 'invalid_number',
          message: "'x0' is not a number",
          sqlstate: null,
        },
        {
          column: 'date',
          value: '2024-02-31',
          reason: 'impossible_date',
          message: 'February has no 31st',
          sqlstate: null,
        },
      ],
    });
    const dates = store.reports.page(runId, {
      column: 'date',
      reason: 'impossible_date',
      offset: 40_000,
      limit: 2,
    });
    expect(dates.total).toBe(N / 2);
    expect(dates.rows.map((r) => r.line)).toEqual([80_002, 80_004]);
    const parse = store.reports.page(runId, { stage: 'parse', offset: 10, limit: 2 });
    expect(parse.rows.map((r) => r.line)).toEqual([111, 121]);
    expect(store.reports.page(runId, { column: null, limit: 1 }).rows[0]?.errors[0]?.reason).toBe(
      'too_few_fields',
    );
    expect(store.reports.page(runId, { offset: N, limit: 5 }).rows).toEqual([]);
  });

  it('summarises by reason × column with the first example', () => {
    expect(store.reports.summary(runId)).toEqual([
      { reason: 'invalid_number', column: 'amount', stage: 'normalize', count: 0.9 * N, example: 'x0' },
      { reason: 'impossible_date', column: 'date', stage: 'normalize', count: N / 2, example: '2024-02-31' },
      { reason: 'too_few_fields', column: null, stage: 'parse', count: N / 10, example: null },
    ]);
  });

  it('exports CSV: one line per record, original columns first, escaping and neutralisation', async () => {
    const file = path.join(dir, 'report.csv');
    expect(await exportReport(store, runId, 'csv', file)).toEqual({ rows: N, path: file });
    const records = parseCsv(fs.readFileSync(file, 'utf8'));
    expect(records[0]).toEqual([...COLUMNS, 'line', 'stage', 'column', 'reason', 'message']);
    expect(records.length).toBe(N + 1);
    for (let i = 0; i < N; i++) {
      const got = records[i + 1];
      const want = expectedCsvRecord(i);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
    }
    // The cases the issue names, explicitly.
    expect(records[1 + 1]![3]).toBe('a,b');
    expect(records[1 + 2]![3]).toBe('say "hi"');
    expect(records[1 + 3]![3]).toBe('two\nlines');
    expect(records[1 + 4]![3]).toBe("'=cmd|/C calc");
    expect(records[1 + 5]![3]).toBe('-45.10');
    expect(records[1 + 6]![3]).toBe("'@SUM(A1)");
    expect(fs.readdirSync(dir).filter((n) => n.includes('.partial'))).toEqual([]);
  });

  it('exports JSON and NDJSON with the errors as arrays', async () => {
    const json = path.join(dir, 'report.json');
    const ndjson = path.join(dir, 'report.ndjson');
    await exportReport(store, runId, 'json', json);
    await exportReport(store, runId, 'ndjson', ndjson);
    const all = JSON.parse(fs.readFileSync(json, 'utf8')) as Array<Record<string, unknown>>;
    const lines = fs.readFileSync(ndjson, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(all.length).toBe(N);
    expect(lines.length).toBe(N);
    const page = store.reports.page(runId, { offset: 0, limit: 1000 }).rows;
    for (let i = 0; i < N; i++) {
      const fromLine = JSON.parse(lines[i]!);
      if (JSON.stringify(fromLine) !== JSON.stringify(all[i])) expect(fromLine).toEqual(all[i]);
      if (i < 1000) {
        const { id: _id, ...row } = page[i]!;
        expect(all[i]).toEqual(row);
      }
    }
  });

  it('exports only the filtered rows', async () => {
    const file = path.join(dir, 'dates.ndjson');
    expect(
      (await exportReport(store, runId, 'ndjson', file, { filter: { reason: 'impossible_date' } })).rows,
    ).toBe(N / 2);
    const lines = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.every((r) => r.errors.some((e: { reason: string }) => e.reason === 'impossible_date'))).toBe(
      true,
    );
    expect(lines.map((r) => r.line)).toEqual([...lines.map((r) => r.line)].sort((a, b) => a - b));
    expect(
      (await exportReport(store, runId, 'csv', path.join(dir, 'rowlevel.csv'), { filter: { column: null } }))
        .rows,
    ).toBe(N / 10);
    // Temporary id tables are dropped.
    expect(
      store.context.db.prepare("SELECT COUNT(*) FROM temp.sqlite_master WHERE type = 'table'").pluck().get(),
    ).toBe(0);
  });

  it('writes with backpressure: the output stream never holds more than about one batch', async () => {
    let maxBuffered = 0;
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        setImmediate(done);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: unknown, ...rest: unknown[]) => {
      const ok = (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    const result = await exportReport(store, runId, 'csv', slow, { batchSize: 200 });
    expect(result).toEqual({ rows: N, path: null });
    expect(slow.writableEnded).toBe(false);
    expect(bytes).toBeGreaterThan(5_000_000);
    // One batch of 200 rows is < 64 KiB; without backpressure the whole ~10 MB would queue up.
    expect(maxBuffered).toBeLessThan(16 * 1024 + 64 * 1024);
  });

  it('a cancelled export leaves no file behind', async () => {
    const controller = new AbortController();
    controller.abort();
    const file = path.join(dir, 'cancelled.csv');
    await expect(
      exportReport(store, runId, 'csv', file, { signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'LOAD_CANCELLED',
    });
    // Cancelled after a few batches were written (a signal that turns aborted at its 5th check).
    let checks = 0;
    const later = {
      get aborted() {
        return ++checks >= 5;
      },
    } as AbortSignal;
    await expect(
      exportReport(store, runId, 'csv', file, { signal: later, batchSize: 100 }),
    ).rejects.toMatchObject({
      code: 'LOAD_CANCELLED',
    });
    expect(checks).toBe(5);
    expect(fs.readdirSync(dir).filter((n) => n.includes('cancelled'))).toEqual([]);
    await expect(
      exportReport(store, runId, 'csv', path.join(dir, 'no/such/dir/x.csv')),
    ).rejects.toMatchObject({
      code: 'BAD_USAGE',
    });
    await expect(exportReport(store, 'r_unknown', 'csv', path.join(dir, 'x.csv'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('report columns', () => {
  it('suffixes report columns that collide with source columns, keeps exact numbers, adds raw_text and new keys', async () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    const runId = store.runs.create({
      spec: sampleSpec(),
      sourceColumns: ['line', 'Reason', 'message', 'message_2', 'price'],
    });
    const writer = store.rejects.writer(runId);
    writer.add([
      {
        line: 3,
        stage: 'load',
        raw: {
          line: 'L1',
          Reason: 'r',
          message: 'm',
          message_2: 'm2',
          price: new JsonNumber('12.50'),
          extra: new JsonNumber('12345678901234567890'),
        },
        errors: [
          {
            column: 'price',
            value: '12.50',
            reason: 'database_rejected',
            message: 'violates check constraint',
            sqlstate: '23514',
          },
        ],
      },
      {
        line: 4,
        stage: 'parse',
        raw: {},
        rawText: '{"line": oops',
        errors: [{ column: null, value: null, reason: 'invalid_json_line', message: 'bad JSON' }],
      },
    ]);
    writer.flush();
    const csv = path.join(dir, 'r.csv');
    await exportReport(store, runId, 'csv', csv, { bom: true });
    const text = fs.readFileSync(csv, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, first, second] = parseCsv(text.slice(1));
    expect(header).toEqual([
      'line',
      'Reason',
      'message',
      'message_2',
      'price',
      'extra',
      'line_2',
      'stage',
      'column',
      'reason_2',
      'message_3',
      'raw_text',
    ]);
    expect(first).toEqual([
      'L1',
      'r',
      'm',
      'm2',
      '12.50',
      '12345678901234567890',
      '3',
      'load',
      'price',
      'database_rejected',
      'violates check constraint (SQLSTATE 23514)',
      '',
    ]);
    expect(second).toEqual([
      '',
      '',
      '',
      '',
      '',
      '',
      '4',
      'parse',
      '',
      'invalid_json_line',
      'bad JSON',
      '{"line": oops',
    ]);
    const json = path.join(dir, 'r.json');
    await exportReport(store, runId, 'json', json);
    const jsonText = fs.readFileSync(json, 'utf8');
    expect(jsonText).toContain('"price":12.50');
    expect(jsonText).toContain('"extra":12345678901234567890');
    expect(JSON.parse(jsonText)[1]).toEqual({
      line: 4,
      at: null,
      stage: 'parse',
      raw: {},
      rawText: '{"line": oops',
      errors: [
        { column: null, value: null, reason: 'invalid_json_line', message: 'bad JSON', sqlstate: null },
      ],
    });
    expect(store.reports.page(runId).rows[0]?.raw.price).toEqual(new JsonNumber('12.50'));
    expect(store.runs.get(runId)?.sourceColumns).toEqual([
      'line',
      'Reason',
      'message',
      'message_2',
      'price',
      'extra',
    ]);
    // An empty report is still a valid file.
    const empty = store.runs.create({ spec: sampleSpec() });
    await exportReport(store, empty, 'json', json);
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual([]);
    store.close();
  });
});

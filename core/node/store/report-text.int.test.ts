import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonNumber, type RejectedRow, type RowError } from '../../common/types.ts';
import { deleteRejectsPast } from './committed.ts';
import { exportReport } from './export.ts';
import { openStore, type RunStore } from './open-store.ts';
import { likeContains } from './reports.ts';
import { captureStream, sampleSpec, tempDir, testSecretStore } from './test-fixtures/support.ts';

// The error report's text filter: "the rejected row of order 12345", "the one with this email".

const N = 3000;
const COLUMNS = ['order_id', 'email', 'amount', 'note'];

/** Row i (line i + 2): order 10000 + i, a bad amount; a few rows are special, see below. */
function row(i: number): RejectedRow {
  const raw: Record<string, string | null | JsonNumber> = {
    order_id: String(10_000 + i),
    email: `user${i}@Example.com`,
    amount: `${i}x`,
    note: i % 2 === 0 ? 'even' : null,
  };
  const errors: RowError[] = [
    { column: 'amount', value: `${i}x`, reason: 'invalid_number', message: `'${i}x' is not a number` },
  ];
  if (i === 7) raw.note = '100% off_sale';
  if (i === 8) raw.note = '100 percent offXsale';
  if (i === 9) raw.amount = new JsonNumber('12.50');
  if (i === 11) raw.note = 'says "hi" \\ back';
  if (i === 14) raw.note = 'Jürgen Müller';
  if (i === 15) raw.note = 'Jurgen Muller';
  if (i === 17)
    errors.push({ column: 'note', value: 'x', reason: 'invalid_text', message: 'Ligne de ÉTÉ 2024' });
  if (i === 12)
    errors.push({ column: 'note', value: 'x', reason: 'cell_too_long', message: 'Kept 40 CHARACTERS' });
  if (i % 500 === 3) errors.push({ column: 'email', value: 'x', reason: 'invalid_uuid', message: 'flagged' });
  if (i === 13) {
    return {
      line: i + 2,
      stage: 'parse',
      raw: {},
      rawText: 'Unterminated "quote in 10013 text',
      errors: [{ column: null, value: null, reason: 'unterminated_quote', message: 'quote never closed' }],
    };
  }
  return { line: i + 2, stage: 'normalize', raw, errors };
}

describe('the report text filter', () => {
  let store: RunStore;
  let runId: string;
  const lines = (rows: Array<{ line: number }>) => rows.map((r) => r.line);

  beforeAll(() => {
    store = openStore(tempDir(), { secretStore: testSecretStore() });
    runId = store.runs.create({ spec: sampleSpec(), sourceColumns: COLUMNS });
    const writer = store.rejects.writer(runId, { batchSize: 500 });
    writer.add(Array.from({ length: N }, (_, i) => row(i)));
    writer.flush();
    store.runs.finish(runId, { status: 'failed', counts: { read: N } });
  });
  afterAll(() => store.close());

  it('finds a raw value in any column, ignoring case', () => {
    expect(lines(store.reports.page(runId, { text: '12345' }).rows)).toEqual([2347]);
    const byEmail = store.reports.page(runId, { text: 'USER42@example.COM' });
    expect(byEmail.total).toBe(1);
    expect(byEmail.rows[0]?.raw.email).toBe('user42@Example.com');
    // A number in its source text, as the report shows it (12.5 would lose the 0).
    expect(lines(store.reports.page(runId, { text: '12.50' }).rows)).toEqual([11]);
  });

  it('finds a message and the source text of a record that could not be split', () => {
    expect(lines(store.reports.page(runId, { text: 'kept 40 characters' }).rows)).toEqual([14]);
    expect(lines(store.reports.page(runId, { text: "'2999x' is NOT" }).rows)).toEqual([3001]);
    expect(lines(store.reports.page(runId, { text: '"quote in 10013' }).rows)).toEqual([15]);
    expect(store.reports.page(runId, { text: '10013' }).total).toBe(1);
  });

  it('never matches a column name, the JSON around the values, a null or a reason code', () => {
    for (const text of ['order_id', 'email', '":"', '","', 'null', 'invalid_uuid', 'invalid_number']) {
      expect(store.reports.count(runId, { text }), text).toBe(0);
    }
    // A value's quotes and backslash are its own, not JSON's escapes.
    expect(lines(store.reports.page(runId, { text: 'says "hi" \\ back' }).rows)).toEqual([13]);
    expect(store.reports.count(runId, { text: '\\"hi' })).toBe(0);
  });

  it('ignores the case of letters beyond ASCII too, in values and messages', () => {
    for (const text of ['MÜLLER', 'müller', 'jürgen MÜLLER', 'ürgen']) {
      expect(lines(store.reports.page(runId, { text }).rows), text).toEqual([16]);
    }
    expect(lines(store.reports.page(runId, { text: 'MULLER' }).rows)).toEqual([17]);
    expect(lines(store.reports.page(runId, { text: 'de été' }).rows)).toEqual([19]);
    expect(store.reports.count(runId, { text: 'été', column: 'note' })).toBe(1);
    expect(store.reports.count(runId, { text: 'xüx' })).toBe(0);
  });

  it('takes % and _ literally', () => {
    expect(likeContains('100%_a\\b')).toBe('%100\\%\\_a\\\\b%');
    expect(lines(store.reports.page(runId, { text: '100% off_sale' }).rows)).toEqual([9]);
    expect(lines(store.reports.page(runId, { text: '% off' }).rows)).toEqual([9]);
    expect(store.reports.count(runId, { text: '_' })).toBe(1);
    expect(store.reports.count(runId, { text: '%' })).toBe(1);
  });

  it('pages in record order, with the other filters, and the export holds the same rows', async () => {
    // '@example.com' is in every row but 13 (the unsplit record).
    const all = store.reports.page(runId, { text: '@example.com', offset: 1000, limit: 3 });
    expect(all.total).toBe(N - 1);
    expect(lines(all.rows)).toEqual([1003, 1004, 1005]);
    expect(store.reports.page(runId, { text: '@example.com', offset: N - 2, limit: 5 }).rows).toHaveLength(1);

    // 'user1' starts user1, user10–19, user100–199, user1000–1999 (13 is the unsplit record).
    const ones = Array.from({ length: N }, (_, i) => i).filter((i) => String(i).startsWith('1') && i !== 13);
    expect(store.reports.count(runId, { text: 'user1@' })).toBe(1);
    const page = store.reports.page(runId, { text: 'USER1', offset: 5, limit: 4 });
    expect(page.total).toBe(ones.length);
    expect(lines(page.rows)).toEqual(ones.slice(5, 9).map((i) => i + 2));

    // With a column, a reason and a stage filter: the rows both select.
    expect(store.reports.count(runId, { text: 'user1', column: 'email' })).toBe(
      ones.filter((i) => i % 500 === 3).length,
    );
    const flagged = store.reports.page(runId, {
      text: 'USER1',
      reason: 'invalid_uuid',
      stage: 'normalize',
      limit: 10,
    });
    expect(lines(flagged.rows)).toEqual([1005, 1505]);
    expect(store.reports.count(runId, { text: 'user1', stage: 'parse' })).toBe(0);
    expect(store.reports.count(runId, { text: 'quote', stage: 'parse' })).toBe(1);

    // The export reads in batches (3 rows each here), with and without the errors' filters.
    for (const filter of [{ text: 'user1' }, { text: 'user1', reason: 'invalid_number' }]) {
      const out = captureStream();
      const result = await exportReport(store, runId, 'ndjson', out, { filter, batchSize: 3 });
      expect(result.rows).toBe(ones.length);
      const exported = out
        .text()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { line: number }).line);
      expect(exported).toEqual(ones.map((i) => i + 2));
    }
  });

  it('pages without sorting the matches: rows are read in id order until the page is full', () => {
    const plan = (sql: string, params: unknown[]) =>
      (store.context.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' | ');
    const raw =
      "SELECT id FROM rejected_rows r WHERE r.run_seq = ? AND r.raw LIKE ? ESCAPE '\\' ORDER BY r.id LIMIT 10";
    expect(plan(raw, [1, '%x%'])).not.toMatch(/TEMP B-TREE/);
    const viaErrors = `SELECT id FROM rejected_rows r WHERE r.id IN (SELECT row_id FROM reject_errors
      WHERE run_seq = ? AND reason = ?) AND r.raw LIKE ? ESCAPE '\\' ORDER BY r.id LIMIT 10`;
    expect(plan(viaErrors, [1, 'x', '%x%'])).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });

  it("keeps an ended run's totals page after page, and counts a running run's rows afresh", () => {
    const id = store.runs.create({ spec: sampleSpec(), sourceColumns: COLUMNS });
    const writer = store.rejects.writer(id, { batchSize: 10 });
    writer.add(Array.from({ length: 20 }, (_, i) => row(i)));
    writer.flush();
    const page = (offset: number) => store.reports.page(id, { text: 'example.com', offset, limit: 5 });
    expect(page(0).total).toBe(19); // row 13 is a parse error without the email
    // Running: rows added since are in the next page's total.
    writer.add(Array.from({ length: 10 }, (_, i) => row(20 + i)));
    writer.flush();
    expect(page(5).total).toBe(29);
    store.runs.finish(id, { status: 'failed', counts: { read: 30 } });
    expect(page(10).total).toBe(29);
    expect(page(25).rows).toHaveLength(4);
    expect(page(25).total).toBe(29);
    // Another filter of the same run has its own total.
    expect(store.reports.page(id, { text: 'user2', limit: 5 }).total).toBe(11);
    // An ended run's rows can still go (a resume prunes those past the committed prefix): the total follows.
    deleteRejectsPast(store.context, id, 11);
    expect(page(0).total).toBe(10); // lines 2–11: rows 0–9
    expect(store.reports.page(id, { text: 'user2', limit: 5 }).total).toBe(1);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import type { PreviewResultDto } from '../../common/contract/shared-schemas.ts';
import { previewResultSchema } from '../../common/contract/shared-schemas.ts';
import { MORE_REJECTED_LIMIT, preview } from './preview.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-preview-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** The column counts the headers show must be the columns' own `nonFitting`: one truth. */
function expectOneTruth(result: PreviewResultDto): void {
  expect(previewResultSchema.parse(result)).toEqual(result);
  for (const column of result.columns) {
    expect(result.counts.sample.columns[column.name] ?? 0, column.name).toBe(column.nonFitting);
  }
  expect(result.rejectedRows).toBe(result.counts.shown.rejected);
  expect(result.sampleSize).toBe(result.counts.sample.rows);
  const shownRejected = result.rows.filter((r) => r.problem || r.errors.length > 0);
  expect(shownRejected).toHaveLength(result.counts.shown.rejected);
}

/**
 * 12,000 rows (a header, then lines 2–12,001): every bad row lies beyond the 200 shown, some in the
 * 10,000-row sample (14 bad amounts, 33 bad days, 3 stray quotes), some after it (never counted).
 */
const BAD_AMOUNT = new Set(Array.from({ length: 14 }, (_, i) => 300 + i * 500));
const BAD_DAY = new Set(Array.from({ length: 33 }, (_, i) => 260 + i * 250));
const STRAY = new Set([4_000, 6_000, 9_000]);
const AFTER_SAMPLE = new Set([10_500, 11_000]);

function bigFile(): string {
  const lines = ['id,amount,day'];
  for (let line = 2; line <= 12_001; line++) {
    const id = line - 1;
    if (STRAY.has(line)) lines.push(`${id},12"5,2024-01-01`);
    else if (BAD_AMOUNT.has(line) || AFTER_SAMPLE.has(line)) lines.push(`${id},12.5x,2024-01-01`);
    else if (BAD_DAY.has(line)) lines.push(`${id},3.25,2024-02-31`);
    else lines.push(`${id},${(id % 1000) / 4},2024-${String((id % 12) + 1).padStart(2, '0')}-15`);
  }
  return write('big.csv', `${lines.join('\n')}\n`);
}

describe('preview counts: one truth over the sample and over the rows shown', () => {
  it('counts every rejected row of the 10,000-row sample, beyond the 200 shown, unreadable rows included', async () => {
    const result = await preview({ source: { path: bigFile() } });
    expectOneTruth(result);
    expect(result.columns.map((c) => [c.name, c.type, c.nonFitting])).toEqual([
      ['id', 'integer', 0],
      ['amount', 'numeric', 14],
      ['day', 'date', 33],
    ]);
    expect(result.counts.sample).toEqual({
      rows: 10_000,
      rejected: 14 + 33 + 3,
      unreadable: 3,
      unreadableByReason: { stray_quote: 3 },
      columns: { amount: 14, day: 33 },
    });
    expect(result.counts.shown).toEqual({
      rows: 200,
      rejected: 0,
      unreadable: 0,
      unreadableByReason: {},
      columns: {},
    });
    expect(result.counts.wholeFile).toBe(false);
    // Every rejected sampled row can be looked at, in file order; none from after the sample.
    const lines = result.moreRejected.map((r) => r.line);
    const expected = [...BAD_AMOUNT, ...BAD_DAY, ...STRAY].filter((l) => l <= 10_001).sort((a, b) => a - b);
    expect(lines).toEqual(expected);
    const stray = result.moreRejected.find((r) => r.line === 4_000);
    expect(stray?.problem).toMatchObject({ reason: 'stray_quote', rawText: '3999,12"5,2024-01-01' });
    expect(result.moreRejected.find((r) => r.line === 300)?.errors).toEqual([
      expect.objectContaining({ column: 'amount', value: '12.5x', reason: 'invalid_number' }),
    ]);
    // The stray quotes are in a warning, counted over the same sample.
    expect(result.warnings).toEqual([
      `3 of 10,000 sampled rows could not be read and would be rejected: 3 stray_quote (first: line 4000: ${stray?.problem?.message.replace(/^line \d+: /, '')})`,
    ]);
  });

  it('shows 10,000 rows: shown and sampled counts are the same rows', async () => {
    const result = await preview({ source: { path: path.join(dir, 'big.csv') } }, { limit: 10_000 });
    expectOneTruth(result);
    expect(result.counts.shown).toEqual(result.counts.sample);
    expect(result.moreRejected).toEqual([]);
    expect(result.rejectedRows).toBe(50);
  });

  it('counts the sample and the rows shown separately when more rows are shown than sampled', async () => {
    const lines = ['id,amount'];
    for (let i = 1; i <= 300; i++) lines.push(`${i},${i === 50 || i === 250 ? 'oops' : `${i}.5`}`);
    const file = write('small-sample.csv', `${lines.join('\n')}\n`);
    const result = await preview({ source: { path: file }, settings: { sampleSize: 100 } }, { limit: 200 });
    expectOneTruth(result);
    expect(result.counts.sample).toMatchObject({ rows: 100, rejected: 1, columns: { amount: 1 } });
    expect(result.counts.shown).toMatchObject({ rows: 200, rejected: 1 });
    expect(result.sampleSize).toBe(100);
  });

  it('says when the sample is the whole file', async () => {
    const file = write('whole.csv', 'id,amount\n1,2.5\n2,x\n3,4\n');
    const result = await preview({ source: { path: file } });
    expect(result.counts.wholeFile).toBe(true);
    expect(result.counts.sample).toMatchObject({ rows: 3 });
  });

  it('caps the rejected rows sent beyond the rows shown', async () => {
    // A column that is all bad: declared integer on words, 3,000 rejected rows in the sample.
    const lines = ['word'];
    for (let i = 0; i < 3_000; i++) lines.push(`w${i}`);
    const file = write('all-bad.csv', `${lines.join('\n')}\n`);
    const result = await preview(
      { source: { path: file }, columns: [{ source: 'word', type: 'integer' }] },
      { limit: 10 },
    );
    expectOneTruth(result);
    expect(result.counts.sample.rejected).toBe(3_000);
    expect(result.moreRejected).toHaveLength(MORE_REJECTED_LIMIT);
    expect(result.moreRejected[0]?.line).toBe(12);
  });
});

describe('preview rows the reader could not split carry their raw text', () => {
  it('delimited: a stray quote, an unterminated quote and a ragged row, as written', async () => {
    const file = write(
      'broken.csv',
      ['id,name,note', '1,"ab"c,x', '2,ok', '3,fine,"never closed', '4,next,row'].join('\n'),
    );
    const result = await preview({ source: { path: file } });
    expectOneTruth(result);
    expect(result.rows.map((r) => [r.line, r.problem?.reason ?? null, r.problem?.rawText ?? null])).toEqual([
      [2, 'stray_quote', '1,"ab"c,x'],
      [3, 'too_few_fields', '2,ok'],
      [4, 'unterminated_quote', '3,fine,"never closed'],
      [5, null, null],
    ]);
    expect(result.counts.sample).toMatchObject({
      rows: 4,
      rejected: 3,
      unreadable: 3,
      unreadableByReason: { stray_quote: 1, too_few_fields: 1, unterminated_quote: 1 },
    });
    expect(result.warnings[0]).toMatch(/^3 of 4 rows could not be read and would be rejected: /);
  });

  it('cuts a very long raw text, saying how long it was', async () => {
    const long = `1,"${'y'.repeat(5_000)}`;
    const file = write('long.csv', `id,note\n${long}\n2,ok\n`);
    const result = await preview({ source: { path: file } });
    const problem = result.rows[0]?.problem;
    expect(problem?.reason).toBe('unterminated_quote');
    expect(problem?.rawText).toBe(`${long.slice(0, 2000)}…`);
    expect(problem?.rawTextLength).toBe(long.length);
  });

  it('NDJSON: a broken line', async () => {
    const file = write('lines.ndjson', '{"a": 1}\n{"a": 2,}\n{"a": 3}\n');
    const result = await preview({ source: { path: file } });
    expectOneTruth(result);
    expect(result.rows[1]?.problem).toMatchObject({ reason: 'invalid_json_line', rawText: '{"a": 2,}' });
    expect(result.counts.sample).toMatchObject({ rows: 3, rejected: 1, unreadable: 1 });
  });

  it('XLSX: an error cell, with the row cells as read (tab-separated)', async () => {
    const file = path.join(dir, 'errors.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Data');
    sheet.addRow(['id', 'ratio', 'label']);
    sheet.addRow([1, 0.5, 'ok']);
    sheet.addRow([2, { formula: '1/0', result: { error: '#DIV/0!' } }, 'bad']);
    await workbook.xlsx.writeFile(file);
    const result = await preview({ source: { path: file } });
    expectOneTruth(result);
    expect(result.rows[1]?.problem).toEqual({
      reason: 'excel_error',
      message: 'B3: #DIV/0!',
      rawText: '2\t#DIV/0!\tbad',
    });
    expect(result.counts.sample).toMatchObject({ rows: 2, rejected: 1, unreadable: 1 });
  });
});

describe('preview with a format override that contradicts the values', () => {
  it('keeps the date type, shows the rejected cells and counts them', async () => {
    const days = ['25/03/2024', '01/02/2024', '13/01/2024', '03/04/2024', '30/04/2024', '11/12/2024'];
    const file = write('days.csv', `id;day\n${days.map((d, i) => `${i + 1};${d}`).join('\n')}\n`);
    const result = await preview({
      source: { path: file },
      columns: [{ source: 'day', dateOrder: 'MDY' }],
    });
    expectOneTruth(result);
    const day = result.columns.find((c) => c.name === 'day');
    expect(day).toMatchObject({ type: 'date', declared: false, nonFitting: 3 });
    expect(day?.format.dateOrder).toBe('MDY');
    expect(day?.warnings[0]).toMatch(/^these values cannot be read as MDY dates .*: 3 of 6 sampled values/);
    expect(result.rows.map((r) => r.errors[0]?.reason ?? r.values.day)).toEqual([
      'impossible_date',
      '2024-01-02',
      'impossible_date',
      '2024-03-04',
      'impossible_date',
      '2024-11-12',
    ]);
    expect(result.counts.sample).toMatchObject({ rows: 6, rejected: 3, columns: { day: 3 } });
  });
});

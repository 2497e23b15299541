import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import type { OpenedSource, SourceRow } from '../types.ts';
import { openXlsxSource } from './xlsx-source.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function readAll(source: OpenedSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of source.rows()) rows.push(...batch);
  return rows;
}

async function failure(promise: Promise<unknown>): Promise<LoadstoneError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LoadstoneError);
    return error as LoadstoneError;
  }
  throw new Error('expected a LoadstoneError');
}

/** Two sheets: "Orders" with every kind of cell, "Notes" with plain text. */
async function writeTypesWorkbook(file: string, date1904: boolean): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.properties.date1904 = date1904;
  const orders = workbook.addWorksheet('Orders');
  orders.addRow(['id', 'customer', 'amount', 'paid', 'ordered', 'shipped', 'total', 'label', 'ratio']);
  orders.addRow([
    1,
    'Ada',
    12.5,
    true,
    new Date(Date.UTC(2024, 0, 15)),
    new Date(Date.UTC(2024, 0, 15, 13, 45, 30, 250)),
    { formula: 'C2*2', result: 25 },
    { formula: 'B2&"!"', result: 'Ada!' },
    { formula: 'C2/0', result: { error: '#DIV/0!' } },
  ]);
  orders.addRow([
    2,
    { richText: [{ text: 'Bo' }, { font: { bold: true }, text: 'b' }] },
    0.1,
    false,
    new Date(Date.UTC(1999, 11, 31)),
    null,
    { formula: 'C3*2', result: 0.2 },
    null,
    0.5,
  ]);
  orders.addRow([]); // an empty row: skipped
  orders.addRow([3, null, -7, null, null, null, null, null, { error: '#N/A' }]);
  orders.getCell('J6').value = 'stray';
  orders.getColumn(5).numFmt = 'yyyy-mm-dd';
  orders.getColumn(6).numFmt = 'yyyy-mm-dd hh:mm:ss.000';
  const notes = workbook.addWorksheet('Notes');
  notes.addRow(['note', 'note', '']);
  notes.addRow(['first', 'second', 'third']);
  notes.mergeCells('A3:B3');
  notes.getCell('A3').value = 'merged';
  await workbook.xlsx.writeFile(file);
}

const book1900 = path.join(dir, 'types-1900.xlsx');
const book1904 = path.join(dir, 'types-1904.xlsx');
beforeAll(async () => {
  await writeTypesWorkbook(book1900, false);
  await writeTypesWorkbook(book1904, true);
});

describe('openXlsxSource', () => {
  it('reads the first sheet with its header and typed cells', async () => {
    const source = await openXlsxSource(book1900, { path: book1900 }, {});
    expect(source.format).toEqual({
      kind: 'xlsx',
      encoding: 'utf-8',
      compression: 'none',
      header: true,
      sheet: 'Orders',
      sheets: ['Orders', 'Notes'],
    });
    expect(source.columns).toEqual([
      'id',
      'customer',
      'amount',
      'paid',
      'ordered',
      'shipped',
      'total',
      'label',
      'ratio',
    ]);
    const rows = await readAll(source);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 5, 6]);
    expect(rows[0]?.values).toEqual([
      1,
      'Ada',
      12.5,
      true,
      '2024-01-15',
      '2024-01-15T13:45:30.250',
      25,
      'Ada!',
      '#DIV/0!',
    ]);
    expect(rows[0]?.problem).toEqual({ reason: 'excel_error', message: 'I2: #DIV/0!' });
    expect(rows[1]).toEqual({ line: 3, values: [2, 'Bob', 0.1, false, '1999-12-31', null, 0.2, null, 0.5] });
    expect(rows[2]?.problem).toEqual({ reason: 'excel_error', message: 'I5: #N/A' });
    expect(rows[2]?.values).toEqual([3, null, -7, null, null, null, null, null, '#N/A']);
    expect(rows[3]).toEqual({
      line: 6,
      values: [null, null, null, null, null, null, null, null, null],
      extra: ['stray'],
      problem: { reason: 'too_many_fields', message: 'row 6 has values beyond the last column (I), from J6' },
    });
    expect(source.bytesRead()).toBeGreaterThan(0);
    expect(source.bytesRead()).toBeLessThanOrEqual(source.totalBytes ?? 0);
  });

  it('reads dates of a 1904-system workbook as the same calendar dates', async () => {
    const rows = await readAll(await openXlsxSource(book1904, { path: book1904 }, {}));
    expect(rows[0]?.values.slice(4, 6)).toEqual(['2024-01-15', '2024-01-15T13:45:30.250']);
    expect(rows[1]?.values[4]).toBe('1999-12-31');
  });

  it('selects a sheet by name (ignoring case); repeated and empty header cells get distinct names', async () => {
    const source = await openXlsxSource(book1900, { path: book1900, sheet: 'notes' }, {});
    expect(source.format.sheet).toBe('Notes');
    expect(source.columns).toEqual(['note', 'note_2', 'column_3']);
    const rows = await readAll(source);
    expect(rows).toEqual([
      { line: 2, values: ['first', 'second', 'third'] },
      { line: 3, values: ['merged', null, null] },
    ]);
  });

  it('reads without a header: column_N, the spreadsheet row as line', async () => {
    const source = await openXlsxSource(book1900, { path: book1900, sheet: 'Notes', header: false }, {});
    expect(source.format.header).toBe(false);
    expect(source.columns).toEqual(['column_1', 'column_2', 'column_3']);
    const rows = await readAll(source);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, 'note', 'note', ''],
      [2, 'first', 'second', 'third'],
      [3, 'merged', null, null],
    ]);
  });

  it('reads a sheet whose first row is data (numbers, dates) without a header, unless told', async () => {
    const file = path.join(dir, 'no-header.xlsx');
    const workbook = new ExcelJS.Workbook();
    const readings = workbook.addWorksheet('Readings');
    readings.addRow([7, new Date(Date.UTC(2024, 0, 1)), true]);
    readings.addRow([8, new Date(Date.UTC(2024, 0, 2)), false]);
    readings.getColumn(2).numFmt = 'yyyy-mm-dd';
    workbook.addWorksheet('Years').addRows([
      ['Region', 2021, 2022],
      ['North', 100, 200],
    ]);
    workbook.addWorksheet('Numbered').addRows([
      [1, 2],
      ['a', 'b'],
    ]);
    await workbook.xlsx.writeFile(file);

    // The first row was taken as the header: its values became column names, and the row was lost.
    const readingsSource = await openXlsxSource(file, { path: file }, {});
    expect(readingsSource.format.header).toBe(false);
    expect(readingsSource.columns).toEqual(['column_1', 'column_2', 'column_3']);
    expect(await readAll(readingsSource)).toEqual([
      { line: 1, values: [7, '2024-01-01', true] },
      { line: 2, values: [8, '2024-01-02', false] },
    ]);
    const told = await openXlsxSource(file, { path: file, header: true }, {});
    expect(told.columns).toEqual(['7', '2024-01-01', 'TRUE']);
    expect((await readAll(told)).map((r) => r.line)).toEqual([2]);

    // A header of years beside a label, and numbers over text, stay headers.
    const years = await openXlsxSource(file, { path: file, sheet: 'Years' }, {});
    expect(years.columns).toEqual(['Region', '2021', '2022']);
    expect(await readAll(years)).toEqual([{ line: 2, values: ['North', 100, 200] }]);
    const numbered = await openXlsxSource(file, { path: file, sheet: 'Numbered' }, {});
    expect(numbered.columns).toEqual(['1', '2']);
    expect(await readAll(numbered)).toEqual([{ line: 2, values: ['a', 'b'] }]);
  });

  it('reports title rows above the header as rejected rows, and reads the header below them', async () => {
    const file = path.join(dir, 'titled.xlsx');
    const workbook = new ExcelJS.Workbook();
    workbook
      .addWorksheet('Report')
      .addRows([
        ['Sales report 2024'],
        [],
        ['Exported by the shop'],
        ['region', 'q1', 'q2'],
        ['North', 10, 20],
      ]);
    workbook.addWorksheet('Names').addRows([['name'], ['Ada'], ['Bo']]);
    await workbook.xlsx.writeFile(file);

    // The title was the only column, and every row below it was too_many_fields.
    const source = await openXlsxSource(file, { path: file }, {});
    expect(source.format.header).toBe(true);
    expect(source.columns).toEqual(['region', 'q1', 'q2']);
    expect(await readAll(source)).toEqual([
      {
        line: 1,
        values: ['Sales report 2024', null, null],
        problem: {
          reason: 'too_few_fields',
          message:
            "row 1 holds one cell (A1 'Sales report 2024') above the header in row 4: a title, not a record",
        },
      },
      {
        line: 3,
        values: ['Exported by the shop', null, null],
        problem: {
          reason: 'too_few_fields',
          message:
            "row 3 holds one cell (A3 'Exported by the shop') above the header in row 4: a title, not a record",
        },
      },
      { line: 5, values: ['North', 10, 20] },
    ]);

    // A sheet of one column keeps its header; a header the spec gives is the first row, titles or not.
    const names = await openXlsxSource(file, { path: file, sheet: 'Names' }, {});
    expect(names.columns).toEqual(['name']);
    expect((await readAll(names)).map((r) => r.values)).toEqual([['Ada'], ['Bo']]);
    const told = await openXlsxSource(file, { path: file, header: true }, {});
    expect(told.columns).toEqual(['Sales report 2024']);
  });

  it('names the sheets when the wanted one does not exist', async () => {
    const error = await failure(openXlsxSource(book1900, { path: book1900, sheet: 'Invoices' }, {}));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toBe(`${book1900}: no sheet named "Invoices"; the sheets are "Orders", "Notes"`);
    expect(error.details).toMatchObject({ sheets: ['Orders', 'Notes'] });
  });

  it('refuses what is not a workbook, and a damaged one', async () => {
    const missing = await failure(openXlsxSource(path.join(dir, 'nope.xlsx'), { path: 'nope.xlsx' }, {}));
    expect(missing.code).toBe('SOURCE_NOT_FOUND');
    const text = path.join(dir, 'text.xlsx');
    fs.writeFileSync(text, 'a,b\n1,2\n');
    const notZip = await failure(openXlsxSource(text, { path: text }, {}));
    expect(notZip.code).toBe('SOURCE_FORMAT');
    expect(notZip.message).toContain('not an XLSX workbook');
    const ole = path.join(dir, 'old.xls');
    fs.writeFileSync(ole, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]));
    expect((await failure(openXlsxSource(ole, { path: ole }, {}))).message).toContain('old binary .xls');

    // Flip bytes inside the compressed worksheet: inflate or the CRC check must notice.
    const bytes = fs.readFileSync(book1900);
    const at = bytes.indexOf('xl/worksheets/sheet1.xml');
    const damaged = Buffer.from(bytes);
    for (let i = at + 60; i < at + 90; i++) damaged[i] = damaged[i]! ^ 0x5a;
    const file = path.join(dir, 'damaged.xlsx');
    fs.writeFileSync(file, damaged);
    const error = await failure(openXlsxSource(file, { path: file }, {}).then(readAll));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toMatch(/damaged|corrupt/);
  });

  it('streams a large sheet in batches, stops at an abort and at a break', async () => {
    const file = path.join(dir, 'large.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const sheet = writer.addWorksheet('big');
    sheet.addRow(['n', 'text']).commit();
    for (let i = 1; i <= 5_000; i++) sheet.addRow([i, `row ${i}`]).commit();
    await writer.commit();

    const all = await readAll(await openXlsxSource(file, { path: file }, {}));
    expect(all).toHaveLength(5_000);
    expect(all[4_999]).toEqual({ line: 5_001, values: [5_000, 'row 5000'] });

    const controller = new AbortController();
    const aborted = await openXlsxSource(file, { path: file }, { signal: controller.signal });
    let seen = 0;
    for await (const batch of aborted.rows()) {
      seen += batch.length;
      controller.abort();
    }
    expect(seen).toBeGreaterThanOrEqual(1_000);
    expect(seen).toBeLessThan(5_000);

    const broken = await openXlsxSource(file, { path: file }, {});
    for await (const batch of broken.rows()) {
      expect(batch.length).toBeGreaterThanOrEqual(1_000);
      break;
    }
    await broken.close();
  });
});

import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { NumberShape } from './excel-date.ts';
import { SharedStrings } from './shared-strings.ts';
import { columnIndex, columnName, type SheetContext, SheetHandler, type SheetRow } from './sheet-reader.ts';
import { XmlScanner } from './xml-scanner.ts';

const strings = new SharedStrings('book.xlsx');
strings.add('zero');
strings.add('one');

const context: SheetContext = {
  path: 'book.xlsx',
  sharedStrings: strings,
  maxChars: 1000,
  // style 0: general, 1: a date format, 2: a duration format
  shapes: Uint8Array.from([NumberShape.Number, NumberShape.DateTime, NumberShape.Duration]),
  date1904: false,
};

function rowsOf(sheetData: string, ctx: SheetContext = context): SheetRow[] {
  const handler = new SheetHandler(ctx);
  new XmlScanner(handler).write(`<worksheet><sheetData>${sheetData}</sheetData><mergeCells/></worksheet>`);
  return handler.rows;
}

describe('SheetHandler', () => {
  it('reads every cell type', () => {
    const rows = rowsOf(
      '<row r="3">' +
        '<c r="A3" t="s"><v>1</v></c>' +
        '<c r="B3"><v>12.5</v></c>' +
        '<c r="C3" s="1"><v>45306.5</v></c>' +
        '<c r="D3" s="2"><v>1.5</v></c>' +
        '<c r="E3" t="b"><v>1</v></c>' +
        '<c r="F3" t="str"><f>A1&amp;"x"</f><v>a_x000D_b</v></c>' +
        '<c r="G3" t="inlineStr"><is><r><t>Hel</t></r><r><rPr/><t xml:space="preserve">lo </t></r><rPh><t>ハ</t></rPh></is></c>' +
        '<c r="H3" t="d"><v>2014-02-14T08:27:48.765Z</v></c>' +
        '<c r="I3" s="1"/>' +
        '<c r="K3"><f>SUM(B3)</f><v>12.5</v></c>' +
        '</row>',
    );
    expect(rows).toEqual([
      {
        line: 3,
        cells: [
          'one',
          12.5,
          '2024-01-15T12:00:00',
          1.5,
          true,
          'a\rb',
          'Hello ',
          '2014-02-14T08:27:48.765',
          null,
          null,
          12.5,
        ],
        errors: undefined,
        tooLong: undefined,
      },
    ]);
  });

  it('reports error cells and formulas without a cached value, and keeps the error text', () => {
    const rows = rowsOf(
      '<row r="7"><c r="A7"><v>1</v></c><c r="C7" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D7"><f>A7+1</f></c></row>',
    );
    expect(rows[0]?.cells).toEqual([1, null, '#DIV/0!']);
    expect(rows[0]?.errors).toEqual(['C7: #DIV/0!', 'D7: formula has no cached value']);
  });

  it('reads an inline string written without t="inlineStr"', () => {
    expect(rowsOf('<row r="1"><c r="A1"><is><t>plain</t></is></c></row>')[0]?.cells).toEqual(['plain']);
  });

  it('skips empty rows and numbers cells and rows that have no reference', () => {
    const rows = rowsOf(
      '<row r="1"><c s="1"/></row><row><c><v>1</v></c><c><v>2</v></c></row><row r="5"><c t="s"><v>0</v></c></row>',
    );
    expect(rows.map((r) => [r.line, ...r.cells])).toEqual([
      [2, 1, 2],
      [5, 'zero'],
    ]);
  });

  it('fails on a shared string index that does not exist', () => {
    expect(() => rowsOf('<row r="1"><c r="B1" t="s"><v>9</v></c></row>')).toThrow(LoadstoneError);
    expect(() => rowsOf('<row r="1"><c r="B1" t="s"><v>9</v></c></row>')).toThrow(
      /cell B1 refers to shared string 9/,
    );
  });

  it('uses the 1904 date system when the workbook does', () => {
    const rows = rowsOf('<row r="1"><c r="A1" s="1"><v>0</v></c></row>', { ...context, date1904: true });
    expect(rows[0]?.cells).toEqual(['1904-01-01']);
  });
});

describe('column references', () => {
  it('converts letters and indexes both ways', () => {
    expect(columnIndex('A1')).toBe(0);
    expect(columnIndex('Z9')).toBe(25);
    expect(columnIndex('AA10')).toBe(26);
    expect(columnIndex('XFD1048576')).toBe(16383);
    expect(columnIndex('12')).toBe(-1);
    for (const n of [0, 25, 26, 701, 702, 16383]) expect(columnIndex(`${columnName(n)}1`)).toBe(n);
  });
});

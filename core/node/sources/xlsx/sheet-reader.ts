import { LoadstoneError } from '../../../common/errors.ts';
import type { RawValue } from '../../../common/types.ts';
import { excelSerialToIso, isoCellToNaive, NumberShape } from './excel-date.ts';
import { runawayText, type SharedStrings, TOO_LONG } from './shared-strings.ts';
import { unescapeOoxml } from './workbook-parts.ts';
import { decodeEntities, readAttributes, type XmlHandler } from './xml-scanner.ts';

/** A non-empty spreadsheet row, cells by 0-based column (dense, null where empty). */
export interface SheetRow {
  /** The spreadsheet row number. */
  readonly line: number;
  readonly cells: RawValue[];
  /** Cells that hold an error or no usable value, as "C7: #DIV/0!". */
  readonly errors: string[] | undefined;
  /** Cells whose text is longer than the bound (not kept), as "C7" or "C7 (shared string 12)". */
  readonly tooLong: string[] | undefined;
}

/** What cell values are read with. */
export interface SheetContext {
  readonly path: string;
  readonly sharedStrings: SharedStrings;
  /** Longest cell text kept, in characters; a longer cell makes its row `cell_too_long`. */
  readonly maxChars: number;
  /** Number shape per cell style index. */
  readonly shapes: Uint8Array;
  readonly date1904: boolean;
}

/** Cell types (`t` attribute), as small numbers to switch on. */
const T_NUMBER = 0;
const T_SHARED = 1;
const T_FORMULA_STRING = 2;
const T_INLINE = 3;
const T_BOOLEAN = 4;
const T_ERROR = 5;
const T_DATE = 6;
const T_UNKNOWN = 7;
const ROW_ATTRIBUTES = ['r'];

/** Where the text of the current cell goes. */
const NONE = 0;
const VALUE = 1;
const INLINE = 2;

/**
 * Turns the XML of one worksheet into rows. Completed rows pile up in `rows` until the caller
 * takes them (after each chunk). Empty rows (no cell with a value) are left out.
 */
export class SheetHandler implements XmlHandler {
  /** Rows completed since the caller last emptied this list. */
  rows: SheetRow[] = [];
  wantText = false;
  /** True once `</sheetData>` is seen: the rest of the part holds no cells. */
  done = false;

  private readonly rowAttributes: (string | undefined)[] = [undefined];
  private inData = false;
  private line = 0;
  private cells: RawValue[] = [];
  private filled = false;
  private errors: string[] | undefined;
  private tooLong: string[] | undefined;
  private nextColumn = 0;
  // current cell
  private column = 0;
  private type = T_NUMBER;
  private unknownType = '';
  private style = 0;
  private value: string | undefined;
  private inline = '';
  private hasInline = false;
  private formula = false;
  /** The current cell's text went past the bound: it is no longer kept. */
  private over = false;
  private overChars = 0;
  private target = NONE;
  private phonetic = 0;

  constructor(private readonly context: SheetContext) {}

  open(name: string, source: string, start: number, end: number): void {
    if (name === 'c') {
      this.column = this.nextColumn;
      this.type = T_NUMBER;
      this.style = 0;
      this.readCellAttributes(source, start, end);
      this.value = undefined;
      this.hasInline = false;
      this.formula = false;
      this.over = false;
    } else if (name === 'v') {
      this.value = '';
      this.target = VALUE;
      this.wantText = true;
    } else if (name === 'f') {
      this.formula = true;
    } else if (name === 'row') {
      readAttributes(source, start, end, ROW_ATTRIBUTES, this.rowAttributes);
      const r = Number(this.rowAttributes[0] ?? Number.NaN);
      this.line = r >= 1 ? r : this.line + 1;
      this.cells = [];
      this.filled = false;
      this.errors = undefined;
      this.tooLong = undefined;
      this.nextColumn = 0;
    } else if (name === 'is') {
      this.hasInline = true;
      this.inline = '';
    } else if (name === 't') {
      if (this.hasInline && this.phonetic === 0) {
        this.target = INLINE;
        this.wantText = true;
      }
    } else if (name === 'rPh') {
      this.phonetic++;
    } else if (name === 'sheetData') {
      this.inData = true;
    }
  }

  close(name: string): void {
    if (name === 'c') {
      if (this.inData) this.finishCell();
    } else if (name === 'v' || name === 't') {
      this.target = NONE;
      this.wantText = false;
    } else if (name === 'row') {
      if (this.inData && this.filled) {
        this.rows.push({ line: this.line, cells: this.cells, errors: this.errors, tooLong: this.tooLong });
      }
    } else if (name === 'rPh') {
      this.phonetic--;
    } else if (name === 'sheetData') {
      this.inData = false;
      this.done = true;
    }
  }

  text(text: string): void {
    const max = this.context.maxChars;
    if (this.over) {
      // Counted, not kept: a cell that runs on for twice the bound stops the read, like a line.
      this.overChars += text.length;
      if (this.overChars > max) throw runawayText(this.context.path, `cell ${this.where()}`, max);
      return;
    }
    let length = 0;
    if (this.target === VALUE) length = (this.value += text).length;
    else if (this.target === INLINE) length = (this.inline += text).length;
    if (length > max) {
      // Let go of the text: the row is rejected, and the rest of the sheet is read.
      this.over = true;
      this.overChars = length - max;
      this.value = '';
      this.inline = '';
    }
  }

  private finishCell(): void {
    const value = this.over ? this.tooLongCell(this.where()) : this.cellValue();
    const cells = this.cells;
    const column = this.column;
    this.nextColumn = column + 1;
    if (value === null) return;
    while (cells.length < column) cells.push(null);
    cells[column] = value;
    this.filled = true;
  }

  /** The cell's value; error cells also go to `errors`. */
  private cellValue(): RawValue {
    const text = this.value;
    switch (this.type) {
      case T_NUMBER: {
        // Some writers put an inline string without t="inlineStr".
        if (text === undefined && this.hasInline) return unescapeOoxml(this.inline);
        if (text === undefined || text === '')
          return this.formula ? this.fail('formula has no cached value') : null;
        const n = Number(text);
        if (!Number.isFinite(n) || !plainNumberText(text))
          return this.fail(`not a number: ${JSON.stringify(text)}`);
        const shape = this.context.shapes[this.style] ?? NumberShape.Number;
        if (shape !== NumberShape.DateTime) return n;
        return excelSerialToIso(n, this.context.date1904) ?? n;
      }
      case T_SHARED: {
        if (text === undefined || text === '') return null;
        const s = this.context.sharedStrings.get(Number(text));
        if (s === TOO_LONG) return this.tooLongCell(`${this.where()} (shared string ${text})`);
        if (s === undefined) {
          throw new LoadstoneError(
            'SOURCE_FORMAT',
            `${this.context.path}: cell ${this.where()} refers to shared string ${text}, which does not exist (the workbook is damaged)`,
            { details: { path: this.context.path, cell: this.where() } },
          );
        }
        return s;
      }
      case T_FORMULA_STRING:
        if (text === undefined) return this.formula ? this.fail('formula has no cached value') : null;
        return unescapeOoxml(text);
      case T_INLINE:
        if (this.hasInline) return unescapeOoxml(this.inline);
        return text === undefined ? null : unescapeOoxml(text);
      case T_BOOLEAN:
        if (text === '1' || text === 'true') return true;
        if (text === '0' || text === 'false') return false;
        if (text === undefined || text === '')
          return this.formula ? this.fail('formula has no cached value') : null;
        return this.fail(`not a boolean: ${JSON.stringify(text)}`);
      case T_ERROR:
        return this.fail(text ?? '#N/A', text ?? '#N/A');
      case T_DATE:
        if (text === undefined || text === '') return null;
        return isoCellToNaive(text);
      default:
        return this.fail(`unknown cell type ${JSON.stringify(this.unknownType)}`);
    }
  }

  /** Records a cell whose text is over the bound: no value, and the row is rejected. */
  private tooLongCell(where: string): null {
    (this.tooLong ??= []).push(where);
    this.filled = true;
    return null;
  }

  /** Records a cell that cannot be loaded as a value; keeps `shown` (its text) for the report. */
  private fail(message: string, shown: string | null = this.value ?? null): RawValue {
    (this.errors ??= []).push(`${this.where()}: ${message}`);
    this.filled = true;
    return shown;
  }

  /** The cell's reference, e.g. "C7". */
  private where(): string {
    return `${columnName(this.column)}${this.line}`;
  }

  /**
   * Reads `r`, `t` and `s` of a `<c>` tag straight from the text: this runs for every cell,
   * so it makes no strings on the common path.
   */
  private readCellAttributes(source: string, start: number, end: number): void {
    let i = start;
    while (i < end) {
      let c = source.charCodeAt(i);
      if (c <= 0x20) {
        i++;
        continue;
      }
      const nameFrom = i;
      while (i < end && (c = source.charCodeAt(i)) !== 0x3d && c > 0x20) i++;
      const nameTo = i;
      while (i < end && source.charCodeAt(i) !== 0x3d) i++;
      i++;
      while (i < end && source.charCodeAt(i) <= 0x20) i++;
      const quote = source.charCodeAt(i);
      if (quote !== 0x22 && quote !== 0x27) return;
      const from = i + 1;
      const to = source.indexOf(quote === 0x22 ? '"' : "'", from);
      if (to < 0 || to >= end) return;
      i = to + 1;
      if (nameTo - nameFrom !== 1) continue;
      const attr = source.charCodeAt(nameFrom);
      if (attr === 0x72) {
        // r="C7": the column letters
        const column = columnIndex(source, from, to);
        if (column >= 0) this.column = column;
      } else if (attr === 0x74) {
        this.type = cellType(source, from, to);
        if (this.type === T_UNKNOWN) this.unknownType = decodeEntities(source.slice(from, to));
      } else if (attr === 0x73) {
        let style = 0;
        for (let k = from; k < to; k++) {
          const digit = source.charCodeAt(k) - 0x30;
          if (digit < 0 || digit > 9) {
            style = 0; // not a style index: read the cell as unformatted
            break;
          }
          style = style * 10 + digit;
        }
        this.style = style;
      }
    }
  }
}

/**
 * Whether text that `Number()` accepted is a plain decimal number, as Excel writes them
 * (`Number()` also takes blanks around it and 0x/0o/0b prefixes).
 */
function plainNumberText(text: string): boolean {
  if (text.charCodeAt(0) <= 0x20 || text.charCodeAt(text.length - 1) <= 0x20) return false;
  const second = text.charCodeAt(1) | 0x20;
  return !(second === 0x78 || second === 0x6f || second === 0x62); // x, o, b
}

/** 0-based column of the cell reference in `text[start, end)` ("AB12"), or -1 without letters. */
export function columnIndex(text: string, start = 0, end = text.length): number {
  let column = 0;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) column = column * 26 + (c - 0x40);
    else if (c >= 0x61 && c <= 0x7a) column = column * 26 + (c - 0x60);
    else break;
  }
  return i === start ? -1 : column - 1;
}

/** The cell type code of a `t` attribute value in `text[from, to)`. */
function cellType(text: string, from: number, to: number): number {
  const length = to - from;
  const c = text.charCodeAt(from);
  if (length === 1) {
    if (c === 0x73) return T_SHARED; // s
    if (c === 0x6e) return T_NUMBER; // n
    if (c === 0x62) return T_BOOLEAN; // b
    if (c === 0x65) return T_ERROR; // e
    if (c === 0x64) return T_DATE; // d
  } else if (length === 3 && text.startsWith('str', from)) {
    return T_FORMULA_STRING;
  } else if (length === 9 && text.startsWith('inlineStr', from)) {
    return T_INLINE;
  }
  return T_UNKNOWN;
}

/** Spreadsheet letters of a 0-based column: 0 → "A", 27 → "AB". */
export function columnName(column: number): string {
  let name = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(0x41 + ((n - 1) % 26)) + name;
  }
  return name;
}

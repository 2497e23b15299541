import type { RawValue } from '../../../common/types.ts';
import { type CellKind, kindOf } from '../delimited/header.ts';
import type { SourceRow } from '../types.ts';
import { columnName, type SheetRow } from './sheet-reader.ts';

/**
 * A sheet row as a source row `width` columns wide. Cells past the last column are kept in
 * `extra` and make the row a `too_many_fields` problem; error cells make it `excel_error`, and a
 * cell longer than `maxChars` (not kept) makes it `cell_too_long`.
 */
export function sourceRowOf(row: SheetRow, width: number, maxChars: number): SourceRow {
  const values = row.cells;
  let extra: RawValue[] | undefined;
  // Rows end at their last non-empty cell, so anything past `width` holds a value.
  if (values.length > width) {
    extra = values.slice(width);
    values.length = width;
  } else {
    while (values.length < width) values.push(null);
  }
  if (row.tooLong) {
    const cells = row.tooLong.join(', ');
    const also = row.errors ? `; also ${row.errors.join('; ')}` : '';
    const result: SourceRow = {
      line: row.line,
      values,
      problem: {
        reason: 'cell_too_long',
        message: `row ${row.line}: cell ${cells} holds more than ${maxChars.toLocaleString('en-US')} characters (the limit, maxLineChars), so it is not read and the row is rejected${also}`,
      },
    };
    if (extra) result.extra = extra;
    return result;
  }
  if (row.errors) {
    const result: SourceRow = {
      line: row.line,
      values,
      problem: { reason: 'excel_error', message: row.errors.join('; ') },
    };
    if (extra) result.extra = extra;
    return result;
  }
  if (!extra) return { line: row.line, values };
  const first = columnName(width + extra.findIndex((v) => v !== null));
  return {
    line: row.line,
    values,
    extra,
    problem: {
      reason: 'too_many_fields',
      message:
        width === 0
          ? `row ${row.line} has values but the sheet has no columns`
          : `row ${row.line} has values beyond the last column (${columnName(width - 1)}), from ${first}${row.line}`,
    },
  };
}

/** Column names from the header row: text as is, `column_N` for empty cells, repeats made unique. */
export function headerNames(row: SheetRow | undefined): string[] {
  if (!row) return [];
  return uniqueNames(
    row.cells.map((value, i) => {
      const text = headerText(value);
      return text.trim() === '' ? `column_${i + 1}` : text;
    }),
  );
}

function headerText(value: RawValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}

/** Most title rows taken above the header, as the delimited source allows. */
const MAX_TITLE_ROWS = 5;

/**
 * How many rows at the top of a sheet are titles (`Sales report 2024` in A1, a date line): rows of one
 * text cell in column A, followed by a row of two cells or more. At most five; 0 when there are none.
 * Without this the title was the only column and every row below was too_many_fields.
 */
export function titleRowCount(rows: readonly SheetRow[]): number {
  let count = 0;
  while (count < rows.length && count < MAX_TITLE_ROWS && isTitle(rows[count]!)) count++;
  const next = rows[count];
  if (count === 0 || !next) return 0;
  return next.cells.filter((value) => value !== null && value !== '').length >= 2 ? count : 0;
}

function isTitle(row: SheetRow): boolean {
  return row.cells.length === 1 && typeof row.cells[0] === 'string' && !row.errors && !row.tooLong;
}

/** A title row above the header as a rejected row: reported, never dropped without a word. */
export function titleRowOf(row: SheetRow, width: number, firstLine: number | undefined): SourceRow {
  const values: RawValue[] = [row.cells[0] ?? null];
  while (values.length < width) values.push(null);
  const text = String(row.cells[0]);
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  const below = firstLine === undefined ? '' : ` above the header in row ${firstLine}`;
  return {
    line: row.line,
    values,
    problem: {
      reason: 'too_few_fields',
      message: `row ${row.line} holds one cell (A${row.line} '${shown}')${below}: a title, not a record`,
    },
  };
}

/**
 * Whether the first row read is data rather than a header, for a sheet whose spec does not say: it
 * holds no text a header would (every non-empty cell is a number, a date or a boolean, typed or
 * written so), and no column says otherwise: a column votes "header" when the cells below are all
 * of one kind other than the first row's (text under a number), "data" when they are of its kind. A header of years over
 * a label (`Region | 2021 | 2022`) has text, so it stays a header.
 */
export function firstRowIsData(rows: readonly SheetRow[]): boolean {
  const first = rows[0];
  if (!first) return false;
  const heads = first.cells.map(cellKind);
  if (heads.includes('text') || heads.every((kind) => kind === 'empty')) return false;
  let votes = 0;
  heads.forEach((head, i) => {
    if (head === 'empty') return;
    let below: CellKind | undefined;
    for (let r = 1; r < rows.length; r++) {
      const kind = cellKind(rows[r]?.cells[i] ?? null);
      if (kind === 'empty') continue;
      if (below !== undefined && kind !== below) return;
      below = kind;
    }
    if (below !== undefined) votes += below === head ? -1 : 1;
  });
  return votes <= 0;
}

function cellKind(value: RawValue): CellKind {
  return kindOf(headerText(value));
}

/** `column_1`… for a sheet without a header: as wide as the widest row read ahead. */
export function numberedNames(rows: readonly SheetRow[]): string[] {
  let width = 0;
  for (const row of rows) width = Math.max(width, row.cells.length);
  return Array.from({ length: width }, (_, i) => `column_${i + 1}`);
}

/** Makes names unique by suffixing repeats: `a`, `a_2`, `a_3`. */
function uniqueNames(names: string[]): string[] {
  const seen = new Set(names);
  const used = new Set<string>();
  return names.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    let n = 2;
    while (seen.has(`${name}_${n}`) || used.has(`${name}_${n}`)) n++;
    const unique = `${name}_${n}`;
    used.add(unique);
    return unique;
  });
}

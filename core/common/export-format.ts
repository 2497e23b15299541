/**
 * How Loadstone's own CSV exports look, so that a reload can recognise one and undo exactly what
 * the export did to its cells, and nothing else.
 *
 * Spreadsheet formula guard: a cell a spreadsheet could run as a formula gets a leading `'` (Excel,
 * LibreOffice and Sheets then show it as text). A cell is formula-like when its first character is
 * `=`, `+`, `-`, `@`, tab or CR, or one of the full-width and small forms that spreadsheets in some
 * locales also take for them (`＝ ＋ － ＠ ﹦ ﹢ ﹣`), UNLESS the whole cell is a plain ASCII number:
 * optional sign, digits with `.`/`,` separators, optional exponent, optional `%` (one space allowed
 * before it), trailing blanks allowed (`-45.10`, `+3`, `-1,234.50`, `-2.5e3`, `-12%`, `-43 %`). Such a
 * cell cannot be a formula and must stay loadable as the number it is.
 *
 * The guard is reversible: a cell is guarded when, after any `'` it already starts with, it is
 * formula-like; so a cell that was `'=1` in the data is written `''=1`, and unguarding (drop one
 * `'` from a guarded cell) gives back exactly what was exported. Only files recognised as
 * Loadstone's exports (`exportLayout`) are unguarded: an ordinary file's `'=1` is data.
 */

/** The prefix that makes a spreadsheet show a cell as text. */
export const FORMULA_GUARD = "'";

/** Columns an error-report CSV adds after the source columns, in order (`raw_text` only when needed). */
export const REPORT_COLUMNS = ['line', 'stage', 'column', 'reason', 'message'] as const;
/** The optional last report column: a record's text when it could not be split into fields. */
export const REPORT_RAW_TEXT_COLUMN = 'raw_text';
/**
 * The one column an export for fixing adds after the source columns; a reload ignores it. (Its
 * writer is issue 10 point 11; the name is fixed here so that reading recognises it.)
 */
export const FIXING_ERROR_COLUMN = 'loadstone_error';

const PLAIN_NUMBER_RE = /^[+-]?[.,]?\d[\d.,]*(?:[eE][+-]?\d+)?(?: ?%)? *$/;
/** = + - @ TAB CR, full-width ＝ ＋ － ＠, small ﹦ ﹢ ﹣. */
const FORMULA_STARTS = new Set([
  0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d, 0xff1d, 0xff0b, 0xff0d, 0xff20, 0xfe66, 0xfe62, 0xfe63,
]);

/** Whether a spreadsheet could read `text` as a formula. */
export function isFormulaLike(text: string): boolean {
  if (text === '') return false;
  const c = text.charCodeAt(0);
  if (!FORMULA_STARTS.has(c)) return false;
  // Only ASCII signs can start a plain number.
  return c > 0x7f || !PLAIN_NUMBER_RE.test(text);
}

/** Whether `text` gets a guard when exported: formula-like once any leading `'` are set aside. */
function needsGuard(text: string): boolean {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) === 0x27) i++;
  return isFormulaLike(i === 0 ? text : text.slice(i));
}

/** `text` as an exported cell: with a leading `'` when a spreadsheet could run it (see above). */
export function guardCell(text: string): string {
  return needsGuard(text) ? FORMULA_GUARD + text : text;
}

/** Undoes `guardCell`: `unguardCell(guardCell(x)) === x` for every `x`. */
export function unguardCell(text: string): string {
  return text.charCodeAt(0) === 0x27 && needsGuard(text.slice(1)) ? text.slice(1) : text;
}

/** What kind of Loadstone export a header row is, and how many leading columns are the source's. */
export interface ExportLayout {
  readonly kind: 'report' | 'fixing';
  /** The first `sourceColumns` columns are the exported source columns; the rest are Loadstone's. */
  readonly sourceColumns: number;
}

const suffixed = (base: string) => new RegExp(`^${base}(?:_\\d+)?$`);
const REPORT_COLUMN_RES = REPORT_COLUMNS.map(suffixed);
const RAW_TEXT_RE = suffixed(REPORT_RAW_TEXT_COLUMN);

/**
 * Recognises a header written by a Loadstone CSV export: an error report (its trailing `line, stage,
 * column, reason, message[, raw_text]`, each possibly suffixed `_2`… where a source column had the
 * name) or an export for fixing (a trailing `loadstone_error`). Null for any other file.
 */
export function exportLayout(columns: readonly string[]): ExportLayout | null {
  const n = columns.length;
  if (n >= 1 && columns[n - 1] === FIXING_ERROR_COLUMN) return { kind: 'fixing', sourceColumns: n - 1 };
  const withRaw = n >= 1 && RAW_TEXT_RE.test(columns[n - 1]!);
  const end = withRaw ? n - 1 : n;
  const start = end - REPORT_COLUMNS.length;
  if (start < 0) return null;
  for (let i = 0; i < REPORT_COLUMNS.length; i++) {
    if (!REPORT_COLUMN_RES[i]!.test(columns[start + i]!)) return null;
  }
  return { kind: 'report', sourceColumns: start };
}

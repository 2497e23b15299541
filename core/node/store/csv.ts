/**
 * CSV writing for error reports (RFC 4180, CRLF line ends) with spreadsheet formula-injection
 * neutralisation.
 *
 * The rule: a cell whose first character is `=`, `+`, `-`, `@`, tab or CR gets a leading `'`
 * (so Excel, LibreOffice and Sheets show it as text instead of evaluating it), UNLESS the whole
 * cell is a plain number: optional sign, digits with `.`/`,` separators, optional exponent,
 * optional `%` (one space allowed before it), trailing blanks allowed (`-45.10`, `+3`, `-1,234.50`,
 * `-1.234,50`, `-2.5e3`, `-12%`, `-43 %`, `-152.837068   ` as padded fixed-width exports have it).
 * Such a cell cannot be a formula, and must stay loadable as the number it is. Anything else
 * after a sign (a currency sign, a space, letters, an operator) is neutralised.
 * A neutralised cell keeps its `'` when the file is loaded back: remove it when fixing the file.
 */

const PLAIN_NUMBER_RE = /^[+-]?[.,]?\d[\d.,]*(?:[eE][+-]?\d+)?(?: ?%)? *$/;
const NEEDS_QUOTES_RE = /[",\r\n]/;
const QUOTE_RE = /"/g;

/** Whether a spreadsheet could read `text` as a formula. */
export function isFormulaLike(text: string): boolean {
  if (text === '') return false;
  const c = text.charCodeAt(0);
  // = + - @ TAB CR
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13) return false;
  return !PLAIN_NUMBER_RE.test(text);
}

/** One CSV field: neutralised, then quoted when it holds a comma, quote or line break. */
export function csvField(text: string): string {
  const safe = isFormulaLike(text) ? `'${text}` : text;
  return NEEDS_QUOTES_RE.test(safe) ? `"${safe.replace(QUOTE_RE, '""')}"` : safe;
}

/** One CSV record, CRLF-terminated. */
export function csvRecord(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : ',') + csvField(fields[i] ?? '');
  return `${line}\r\n`;
}

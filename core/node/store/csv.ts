/**
 * CSV writing for error reports (RFC 4180, CRLF line ends) with spreadsheet formula-injection
 * neutralisation: every cell goes through `guardCell` (core/common/export-format.ts), which puts a
 * `'` before a cell a spreadsheet could run as a formula (`=`, `+`, `-`, `@`, tab, CR, and their
 * full-width and small forms `＝ ＋ － ＠ ﹦ ﹢ ﹣`), plain numbers excepted. Loading the file back
 * removes exactly those guards (the reader recognises a Loadstone export by its trailing columns).
 */
import { guardCell } from '../../common/export-format.ts';

export { isFormulaLike } from '../../common/export-format.ts';

const NEEDS_QUOTES_RE = /[",\r\n]/;
const QUOTE_RE = /"/g;

/** One CSV field: neutralised, then quoted when it holds a comma, quote or line break. */
export function csvField(text: string): string {
  const safe = guardCell(text);
  return NEEDS_QUOTES_RE.test(safe) ? `"${safe.replace(QUOTE_RE, '""')}"` : safe;
}

/** One CSV record, CRLF-terminated. */
export function csvRecord(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : ',') + csvField(fields[i] ?? '');
  return `${line}\r\n`;
}

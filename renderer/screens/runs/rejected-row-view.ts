import type { RejectedRowDto } from '../../../core/common/contract/index.ts';
import { REPORT_RAW_TEXT_COLUMN } from '../../../core/common/export-format.ts';

/** One raw value as the row inspector shows it: whole, with what kind of value it is. */
export interface InspectedValue {
  /** The source column. */
  readonly column: string;
  /**
   * `null`: the source gave NULL (shown as a NULL marker, never as empty text); `empty`: an empty
   * string; `missing`: the record had no such field; `text`: a string or number as read; `json`: a
   * nested object or array, laid out on lines.
   */
  readonly kind: 'null' | 'empty' | 'missing' | 'text' | 'json';
  /** The whole value as text ('' for null, empty and missing). */
  readonly text: string;
  /** Whether an error of the row names this column (by its source name or the name it became). */
  readonly rejected: boolean;
}

/**
 * Every raw value of a rejected row, in the source's column order (then any other field the record
 * had), each whole. A record the reader could not split into fields has its source text instead,
 * under `raw_text` as the CSV export names it.
 */
export function inspectedValues(
  row: RejectedRowDto,
  sourceColumns: readonly string[],
  columnNames: ReadonlyArray<string | null> | null,
): InspectedValue[] {
  const bad = rejectedSourceColumns(row, sourceColumns, columnNames);
  if (Object.keys(row.raw).length === 0 && row.rawText !== null) {
    return [{ column: REPORT_RAW_TEXT_COLUMN, ...valueView(row.rawText), rejected: true }];
  }
  const columns = [...sourceColumns, ...Object.keys(row.raw).filter((k) => !sourceColumns.includes(k))];
  return columns.map((column) => ({
    column,
    ...(Object.hasOwn(row.raw, column) ? valueView(row.raw[column]) : { kind: 'missing', text: '' }),
    rejected: bad.has(column),
  }));
}

function valueView(value: unknown): Pick<InspectedValue, 'kind' | 'text'> {
  if (value === null) return { kind: 'null', text: '' };
  if (value === undefined) return { kind: 'missing', text: '' };
  if (value === '') return { kind: 'empty', text: '' };
  if (typeof value === 'string') return { kind: 'text', text: value };
  if (typeof value === 'number' || typeof value === 'boolean') return { kind: 'text', text: String(value) };
  return { kind: 'json', text: JSON.stringify(value, null, 2) };
}

/**
 * The source columns an error of the row names. Errors name target columns; a renamed column's
 * cell is found by the name it became (`columnNames[i]` is the target name of `sourceColumns[i]`).
 */
export function rejectedSourceColumns(
  row: RejectedRowDto,
  sourceColumns: readonly string[],
  columnNames: ReadonlyArray<string | null> | null,
): Set<string> {
  const named = new Set(row.errors.map((e) => e.column).filter((c): c is string => c !== null));
  const out = new Set<string>();
  sourceColumns.forEach((c, i) => {
    const target = columnNames?.[i];
    if (named.has(c) || (target !== null && target !== undefined && named.has(target))) out.add(c);
  });
  return out;
}

/**
 * What the inspector's Copy button puts on the clipboard: the raw values as JSON, exactly as the
 * row holds them (NULL as null, numbers a JS number would change as their text), two-space indented;
 * a record that could not be split as `{ "raw_text": … }`.
 */
export function rawValuesJson(row: RejectedRowDto): string {
  const raw =
    Object.keys(row.raw).length === 0 && row.rawText !== null
      ? { [REPORT_RAW_TEXT_COLUMN]: row.rawText }
      : row.raw;
  return JSON.stringify(raw, null, 2);
}

/** "12 characters", "2 lines, 2,048 characters": how big a value is, said once beside it. */
export function sizeText(text: string): string {
  const chars = [...text].length;
  const lines = text.split(/\r\n|\r|\n/).length;
  const count = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  return lines > 1 ? `${count(lines, 'line')}, ${count(chars, 'character')}` : count(chars, 'character');
}

/**
 * A text cut into its lines, each with the line break that ends it (`''` for the last), so the
 * inspector can mark every break while the text it holds stays the value's own.
 */
export function splitLines(text: string): Array<{ text: string; br: string }> {
  const out: Array<{ text: string; br: string }> = [];
  const re = /\r\n|\r|\n/g;
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ text: text.slice(from, m.index), br: m[0] });
    from = m.index + m[0].length;
  }
  out.push({ text: text.slice(from), br: '' });
  return out;
}

/**
 * Where the row came from, as label and value pairs: a file's line; an API's page, record and URL
 * (masked as the run recorded it); a database row's key or place among the rows read.
 */
export function placeFacts(row: Pick<RejectedRowDto, 'line' | 'at'>): Array<[string, string]> {
  const at = row.at;
  if (!at) return [['Line', String(row.line)]];
  switch (at.kind) {
    case 'page':
      return [
        ['Page', String(at.page)],
        ['Record', String(at.record)],
        ['URL', at.url],
      ];
    case 'key':
      return [
        [
          'Key',
          Object.entries(at.key)
            .map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`)
            .join(', '),
        ],
      ];
    case 'row':
      return [['Row', String(at.row)]];
  }
}

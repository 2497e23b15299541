import type { ColumnType } from '../../common/types.ts';
import { unescapeCopyField } from '../pg/copy-escapes.ts';

// The keys of rows sent as their COPY text (`LoadRow.verbatim`) into an upsert's staging table. A
// staged load spots keys repeated inside a chunk and keys an earlier chunk applied by the key of
// each row's normalized values (`keyFunction`); a verbatim row has no values, but its fields are
// the text encoding its normalized values would have written (see pipeline/verbatim.ts), so the key
// is read back from them, for the types whose normalized value that text gives exactly.

/** Key column types whose value is read back from COPY text as `keyFunction` sees it. */
const KEY_TYPES: ReadonlySet<ColumnType> = new Set(['integer', 'bigint', 'numeric', 'text', 'date', 'uuid']);

/** Reads the key of one line of COPY text (`text` from `start` to `end`, no newline). */
export type LineKey = (text: string | Buffer, start: number, end: number) => unknown;

/**
 * The key of a verbatim line, as `keyFunction(key)` gives it for the row's normalized values
 * (undefined when a key field is NULL), or null when a key column's type is not one read back.
 */
export function verbatimKeyFunction(key: readonly number[], types: readonly ColumnType[]): LineKey | null {
  if (key.length === 0 || !key.every((k) => KEY_TYPES.has(types[k]!))) return null;
  const integer = key.map((k) => types[k] === 'integer' || types[k] === 'bigint');
  const read = (text: string | Buffer, start: number, end: number, at: number): unknown => {
    const field = fieldText(text, start, end, key[at]!);
    if (field === null) return undefined;
    if (!integer[at]) return field;
    const n = Number(field);
    // Beyond 2^53 an integer's normalized value is its digits.
    return Number.isSafeInteger(n) ? n : field;
  };
  if (key.length === 1) return (text, start, end) => read(text, start, end, 0);
  return (text, start, end) => {
    let out = '';
    for (let at = 0; at < key.length; at++) {
      const v = read(text, start, end, at);
      if (v === undefined) return undefined;
      out += `${String(v)}\u0000`;
    }
    return out;
  };
}

/**
 * Calls `each` with the start and end of every line of a run of `rows` lines of COPY text from
 * `start` to `end` (the last line's end; lines end at a newline, which a value never holds unescaped).
 */
export function forEachLine(
  text: string | Buffer,
  start: number,
  end: number,
  rows: number,
  each: (start: number, end: number) => void,
): void {
  let from = start;
  for (let i = 0; i < rows; i++) {
    let to =
      i === rows - 1 ? end : typeof text === 'string' ? text.indexOf('\n', from) : text.indexOf(0x0a, from);
    if (to < 0 || to > end) to = end;
    each(from, to);
    from = to + 1;
  }
}

/** Field `index` of a COPY text line, unescaped; null for `\N`. */
function fieldText(text: string | Buffer, start: number, end: number, index: number): string | null {
  let from = start;
  for (let i = 0; i < index; i++) {
    const tab = typeof text === 'string' ? text.indexOf('\t', from) : text.indexOf(9, from);
    from = tab < 0 || tab >= end ? end : tab + 1;
  }
  let to = typeof text === 'string' ? text.indexOf('\t', from) : text.indexOf(9, from);
  if (to < 0 || to > end) to = end;
  const raw = typeof text === 'string' ? text.slice(from, to) : text.toString('utf8', from, to);
  if (raw === '\\N') return null;
  return raw.indexOf('\\') === -1 ? raw : unescapeCopyField(raw, 0, raw.length);
}

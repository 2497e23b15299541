import type { RawValue } from '../../../common/types.ts';
import { unescapeCopyField } from '../../pg/copy-escapes.ts';

/** A column's value parser: the field's text as the server wrote it → its value (see pg-types.ts). */
export type FieldParser = (text: string) => unknown;

/**
 * Reads one row of PostgreSQL's COPY text format (`COPY … TO STDOUT`, the default format: fields
 * separated by tabs, `\N` for NULL, backslash escapes) from `text.slice(start, end)` (without its
 * newline), each field through its column's parser. A field that is missing (a short row) is NULL;
 * the server never writes one, so that only matters for a damaged stream, which fails elsewhere.
 */
export function parseCopyRow(
  text: string,
  start: number,
  end: number,
  parsers: readonly FieldParser[],
): RawValue[] {
  const n = parsers.length;
  const values: RawValue[] = new Array(n);
  let at = start;
  for (let i = 0; i < n; i++) {
    if (at > end) {
      values[i] = null;
      continue;
    }
    let stop = text.indexOf('\t', at);
    if (stop === -1 || stop > end) stop = end;
    // A field with a backslash is `\N` (NULL) or escaped; most fields have none.
    const slash = text.indexOf('\\', at);
    let field: string;
    if (slash === -1 || slash >= stop) {
      field = text.slice(at, stop);
    } else if (stop - at === 2 && text.charCodeAt(at + 1) === 78 /* N */) {
      values[i] = null;
      at = stop + 1;
      continue;
    } else {
      field = unescapeCopyField(text, at, stop);
    }
    values[i] = parsers[i]!(field) as RawValue;
    at = stop + 1;
  }
  return values;
}

import { LoadstoneError } from '../../common/errors.ts';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1); longer names would be truncated silently. */
export const MAX_IDENTIFIER_BYTES = 63;

/** A table name as typed, split and case-folded; `schema` null means "the current schema". */
export interface TableName {
  readonly schema: string | null;
  readonly name: string;
}

/** A table whose schema has been resolved against the server. */
export interface QualifiedTable {
  readonly schema: string;
  readonly name: string;
}

/**
 * Quotes an identifier for SQL text: always double-quoted, `"` doubled, so no name can end the
 * identifier early (`x"; drop table y; --` stays one name). Names are never interpolated any other way.
 * @throws LoadstoneError SPEC_INVALID for a NUL character (PostgreSQL cannot store one).
 */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) {
    throw new LoadstoneError('SPEC_INVALID', `identifier ${JSON.stringify(name)} contains a NUL character`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualify(table: QualifiedTable): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** `[schema.]table` as typed (see `parseTableName`), quoted for SQL text: `"schema"."table"` or `"table"`. */
export function quoteTableName(text: string, what?: string): string {
  const name = parseTableName(text, what);
  return name.schema === null ? quoteIdent(name.name) : qualify({ schema: name.schema, name: name.name });
}

/** A standard SQL string literal (`'` doubled), for the few places where parameters are not allowed. */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new LoadstoneError('SPEC_INVALID', 'text contains a NUL character');
  // E'' with doubled backslashes is safe whatever standard_conforming_strings says.
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** Human form of a table for messages: `schema.table`, parts quoted only when needed. */
export function displayTable(table: TableName): string {
  const part = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : quoteIdent(s));
  return table.schema === null ? part(table.name) : `${part(table.schema)}.${part(table.name)}`;
}

/**
 * Parses `[schema.]table` the way PostgreSQL reads a qualified name: a part in double quotes is
 * taken exactly (`""` is a quote); an unquoted part is trimmed and its ASCII letters folded to
 * lower case (`Sales` → `sales`), any other character kept as is. The result is only ever used
 * through `quoteIdent`.
 * @throws LoadstoneError SPEC_INVALID for an empty part, more than two parts, an unclosed quote,
 *   or a part longer than 63 bytes.
 */
export function parseTableName(text: string, what = 'target table'): TableName {
  const fail = (why: string): never => {
    throw new LoadstoneError('SPEC_INVALID', `${what} ${JSON.stringify(text)}: ${why}`);
  };
  const parts: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && isSpace(text[i]!)) i++;
    let part: string;
    if (text[i] === '"') {
      let out = '';
      i++;
      for (;;) {
        if (i >= n) fail('unclosed double quote');
        const ch = text[i]!;
        if (ch === '"') {
          if (text[i + 1] === '"') {
            out += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        out += ch;
        i++;
      }
      while (i < n && isSpace(text[i]!)) i++;
      if (i < n && text[i] !== '.') fail('unexpected text after a quoted name');
      part = out;
    } else {
      const start = i;
      while (i < n && text[i] !== '.') i++;
      part = text
        .slice(start, i)
        .trim()
        .replace(/[A-Z]+/g, (s) => s.toLowerCase());
    }
    if (part === '') fail('a name part is empty');
    if (Buffer.byteLength(part, 'utf8') > MAX_IDENTIFIER_BYTES) {
      fail(`'${part}' is longer than ${MAX_IDENTIFIER_BYTES} bytes, which PostgreSQL would truncate`);
    }
    if (part.includes('\0')) fail('a name contains a NUL character');
    parts.push(part);
    if (i >= n) break;
    i++; // the '.'
  }
  if (parts.length > 2) fail('expected [schema.]table (a database name cannot be given here)');
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: null, name: parts[0]! };
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

import { LoadstoneError } from '../../../common/errors.ts';
import type { SourceEvent } from '../types.ts';
import type { MysqlField } from './mysql-values.ts';

/** The name the user's query goes by inside the statement Loadstone sends. */
export const QUERY_ALIAS = 'loadstone_source';

/**
 * The statement a user's `query` is sent as: `SELECT * FROM (<query>) AS loadstone_source`, never the
 * query alone. The server's own parser then refuses anything that is not one query expression (a
 * SELECT, a WITH … SELECT, VALUES, a UNION of them): DDL (which would commit the read-only
 * transaction), SET GLOBAL, SELECT … INTO OUTFILE / DUMPFILE / @var, CALL, DO, SHOW, a second
 * statement (mysql2's `multipleStatements` stays off). A trailing `;` is dropped; the closing
 * parenthesis goes on a line of its own, so a query ending in a `-- comment` or `# comment` still
 * closes; an unclosed `/*` comment or quote leaves the statement unclosed, which the server refuses.
 */
export function wrapQuery(query: string): string {
  let end = query.length;
  while (end > 0 && /[\s;]/.test(query[end - 1]!)) end--;
  const body = query.slice(0, end);
  return `SELECT * FROM (${body}\n) AS ${QUERY_ALIAS}`;
}

/** Server error names of a query that cannot be read as a derived table. */
const NOT_A_QUERY = new Set(['ER_PARSE_ERROR', 'ER_DUP_FIELDNAME']);

/**
 * A failure of the wrapped query → SOURCE_FORMAT saying what a query must be, with the server's own
 * message, when the server refused it as a derived table (a statement that is not one SELECT, or two
 * result columns of one name); any other error as it is.
 */
export function queryRefusal(error: unknown, label: string): unknown {
  if (!(error instanceof LoadstoneError)) return error;
  const code = error.details?.code;
  if (typeof code !== 'string' || !NOT_A_QUERY.has(code)) return error;
  const server = serverMessage(error, label);
  const why =
    code === 'ER_DUP_FIELDNAME'
      ? 'the query returns two columns of the same name: give each result column its own name (… AS name)'
      : 'the query must be a single SELECT (WITH … SELECT, VALUES and UNION too): it is read as ' +
        `SELECT * FROM (<query>) AS ${QUERY_ALIAS}, so DDL, SET, CALL, DO, SHOW, SELECT … INTO and a ` +
        'second statement are refused by the server';
  return new LoadstoneError('SOURCE_FORMAT', `${label}: ${why} (server: ${server})`, {
    details: { code },
    cause: error,
  });
}

function serverMessage(error: LoadstoneError, label: string): string {
  const prefix = `${label}: the server refused the statement: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** Protocol type numbers of the columns a UNION may hide an ENUM, a SET or a TINYINT(1) in. */
const TINY = 0x01;
const STRINGS = new Set([0x0f, 0xfd, 0xfe]); // VARCHAR, VAR_STRING, STRING
const BINARY_CHARSET = 63;

/**
 * What the run is told when a UNION query's result hides column types. MySQL and MariaDB send a
 * UNION's result columns without the metadata of the columns they came from (no ENUM or SET flag, a
 * TINYINT(1) as a TINYINT of width 4: measured on MariaDB 10.11, every column then has no origin
 * table), so nothing in it tells an ENUM or SET from a VARCHAR, or a TINYINT(1) from a TINYINT: such
 * columns are typed from their values (an ENUM of digits as integer, a SET's `1,2` possibly as a
 * number) and a TINYINT(1) loads its numbers as integer. The columns the spec types or leaves out
 * (`declared`) are known all the same: they are not named, and the warning is undefined when no other
 * column is. Undefined for any other result.
 */
export function unionMetadataWarning(
  query: string,
  fields: readonly MysqlField[],
  label: string,
  declared?: ReadonlySet<string>,
): SourceEvent | undefined {
  if (!/\bunion\b/i.test(query) || fields.length === 0) return undefined;
  if (!fields.every((f) => !f.orgTable)) return undefined;
  const unknown = declared ? fields.filter((f) => !declared.has(f.name)) : fields;
  const text = unknown.filter((f) => STRINGS.has(f.columnType) && f.characterSet !== BINARY_CHARSET);
  const tiny = unknown.filter((f) => f.columnType === TINY);
  if (text.length === 0 && tiny.length === 0) return undefined;
  const names = (list: readonly MysqlField[]) => list.map((f) => `'${f.name}'`).join(', ');
  const said: string[] = [];
  if (text.length > 0) {
    said.push(
      `${names(text)} typed from ${text.length === 1 ? 'its' : 'their'} values (an ENUM or SET is not told ` +
        "from a VARCHAR: an ENUM of digits loads as integer, a SET's 1,2 may read as the number 1.2); " +
        'give an ENUM or SET column "type": "text"',
    );
  }
  if (tiny.length > 0) {
    said.push(
      `${names(tiny)} loaded as integer (a TINYINT(1) is not told from a TINYINT); ` +
        'give a TINYINT(1) flag "type": "boolean"',
    );
  }
  return {
    kind: 'source_metadata_lost',
    message:
      `${label}: MySQL sends a UNION's result columns without the ENUM, SET and TINYINT(1) types of the ` +
      `columns they came from: ${said.join('; ')} in the spec's columns`,
    data: { text: text.map((f) => f.name), tinyint: tiny.map((f) => f.name) },
    warning: true,
  };
}

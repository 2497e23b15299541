import { LoadstoneError } from '../../../common/errors.ts';

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

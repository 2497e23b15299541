import type mysql from 'mysql2';
import { LoadstoneError } from '../../../common/errors.ts';
import { explainMysqlConnectError } from './mysql-connect-errors.ts';
import type { MysqlConnectionConfig } from './mysql-url.ts';
import { typeCastField } from './mysql-values.ts';

const CONNECT_TIMEOUT_MS = 15_000;
/** How long the server waits on a paused read (the largest value MySQL and MariaDB take: a year). */
const NET_WRITE_TIMEOUT_S = 31_536_000;

/** Server error numbers of a refused login or an unknown database (the source cannot be reached). */
const REFUSED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR']);
/** Client codes of a connection that could not be made or was cut. */
const CUT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);

/**
 * Connects and prepares the session: utf8mb4, exact values (see `columnReader`), UTC, no
 * `net_write_timeout` to speak of (the read waits on the loader), the statement timeout
 * (`max_statement_time` on MariaDB, `max_execution_time` on MySQL), then
 * `START TRANSACTION READ ONLY`, so the server itself refuses any write.
 * @throws LoadstoneError SOURCE_UNREACHABLE naming the source (never the password).
 */
export async function connectMysql(
  config: MysqlConnectionConfig,
  label: string,
  statementTimeoutMs: number | undefined,
): Promise<mysql.Connection> {
  // Loaded on first use: mysql2 takes ~90 ms to load, which every load from another source would pay.
  const { createConnection } = (await import('mysql2')).default;
  const conn = createConnection({
    host: config.host,
    port: config.port,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.database ? { database: config.database } : {}),
    ...(config.sslMode === 'disable'
      ? {}
      : { ssl: { rejectUnauthorized: config.sslMode === 'verify-full' } }),
    charset: 'UTF8MB4_UNICODE_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    rowsAsArray: true,
    typeCast: typeCastField as never,
    timezone: 'Z',
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Must stay off: a user's query is sent inside a derived table, so the server refuses anything
    // that is not one SELECT (see mysql-query.ts); a second statement must not be possible either.
    multipleStatements: false,
  });
  // A connection error after the handshake (the server going away between queries) must not crash.
  conn.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => conn.connect((e) => (e ? reject(e) : resolve())));
  } catch (error) {
    conn.destroy();
    throw unreachable(error, config, label);
  }
  try {
    await queryRows(conn, "SET time_zone = '+00:00'", [], label);
    // The read pauses the socket while the loader is behind (bounded memory); a loader that stalls
    // longer than the server's net_write_timeout (60 s by default: a lock on the target, a long
    // commit) would have the server drop the connection mid-read. A dead client is still noticed
    // by TCP. A server that refuses the setting reads as before.
    const patient = `SET SESSION net_write_timeout = ${NET_WRITE_TIMEOUT_S}`;
    await queryRows(conn, patient, [], label).catch(() => {});
    if (statementTimeoutMs !== undefined) {
      const [row] = (await queryRows(conn, 'SELECT VERSION() AS v', [], label)) as { v: string }[];
      const mariadb = /mariadb/i.test(row?.v ?? '');
      await queryRows(
        conn,
        mariadb
          ? `SET SESSION max_statement_time = ${statementTimeoutMs / 1000}`
          : `SET SESSION max_execution_time = ${statementTimeoutMs}`,
        [],
        label,
      );
    }
    await queryRows(conn, 'START TRANSACTION READ ONLY', [], label);
    return conn;
  } catch (error) {
    conn.destroy();
    throw error;
  }
}

/** Runs a small statement and returns its rows as objects. */
export function queryRows(
  conn: mysql.Connection,
  sql: string,
  values: unknown[],
  label: string,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    conn.query({ sql, values, rowsAsArray: false }, (error, rows) => {
      if (error) reject(lostConnection(error, label, 0, true));
      else resolve(Array.isArray(rows) ? rows : []);
    });
  });
}

/**
 * A connection that could not be made → SOURCE_UNREACHABLE naming the source: what went wrong in
 * words (`explainMysqlConnectError`), then the driver's or server's own message (a password scrubbed
 * should one ever be echoed).
 */
function unreachable(error: unknown, config: MysqlConnectionConfig, label: string): LoadstoneError {
  const e = error as { code?: string; message?: string };
  let own = e.message || e.code || 'unknown error';
  // A short password would mask letters of ordinary words, showing what it is.
  if (config.password !== undefined && config.password.length >= 4) {
    own = own.replaceAll(config.password, '***');
  }
  const explained = explainMysqlConnectError(error, config);
  const why = explained
    ? `${explained} (${own})`
    : REFUSED.has(e.code ?? '')
      ? `the server refused the login or database (${own})`
      : `cannot connect (${own})`;
  return new LoadstoneError('SOURCE_UNREACHABLE', `${label}: ${why}`, {
    details: { code: e.code ?? null },
  });
}

/**
 * A failure while reading → a LoadstoneError naming the source: SOURCE_UNREACHABLE when the
 * connection was cut (killed, server gone, network) or the query killed on the server (`KILL QUERY`),
 * SOURCE_UNREADABLE when the server refused the statement (syntax, a write in the read-only
 * transaction, the statement timeout).
 */
export function lostConnection(
  error: unknown,
  label: string,
  rowsRead: number,
  atStart = false,
): LoadstoneError {
  if (error instanceof LoadstoneError) return error;
  const e = error as { code?: string; message?: string; fatal?: boolean };
  const code = e.code ?? '';
  // `KILL QUERY` (an administrator, a monitoring tool killing long queries): the connection stays,
  // the read is over. Not a statement the server refused: said as what happened, a failure mid-read.
  if (code === 'ER_QUERY_INTERRUPTED') {
    const when = atStart ? ' before its first row' : ` after ${rowsRead} rows`;
    return new LoadstoneError(
      'SOURCE_UNREACHABLE',
      `${label}: the query was killed on the server${when} (KILL QUERY; the server said: ${e.message ?? code})`,
      { details: { code, rowsRead } },
    );
  }
  if (CUT.has(code) || e.fatal) {
    const when = atStart ? '' : ` after ${rowsRead} rows`;
    return new LoadstoneError(
      'SOURCE_UNREACHABLE',
      `${label}: the source connection was lost${when} (${code || e.message || 'closed'})`,
      { details: { code: code || null, rowsRead } },
    );
  }
  return new LoadstoneError(
    'SOURCE_UNREADABLE',
    `${label}: the server refused the statement: ${e.message ?? code}`,
    {
      details: { code: code || null },
    },
  );
}

/**
 * Connects and returns the server's name and version (`MariaDB 10.11.19`, `MySQL 8.4.0`).
 * @throws LoadstoneError SOURCE_UNREACHABLE
 */
export async function mysqlServerVersion(config: MysqlConnectionConfig): Promise<string> {
  const conn = await connectMysql(config, config.label, undefined);
  try {
    const [row] = (await queryRows(conn, 'SELECT VERSION() AS v', [], config.label)) as { v: string }[];
    const v = row?.v ?? '';
    const number = /^[\d.]+/.exec(v)?.[0] ?? v;
    return `${/mariadb/i.test(v) ? 'MariaDB' : 'MySQL'} ${number}`;
  } finally {
    conn.destroy();
  }
}

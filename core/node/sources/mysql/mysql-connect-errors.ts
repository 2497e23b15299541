import { explainNetworkFailure } from '../../runtime/network-failure.ts';
import type { MysqlConnectionConfig } from './mysql-url.ts';

/** The driver's error as it comes from a failed connection (mysql2 or Node's socket). */
interface ConnectError {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/**
 * A failed MySQL / MariaDB connection in words, with what to check, as a PostgreSQL connection's
 * failure reads (`pg/connect.ts`): nothing listening, a host name DNS does not know, no answer in
 * time, a refused password (or none given: `MYSQL_PWD`), an unknown database, a server without
 * TLS, a certificate not trusted. Null when the server's own message is the best there is.
 */
export function explainMysqlConnectError(error: unknown, config: MysqlConnectionConfig): string | null {
  const e = (error ?? {}) as ConnectError;
  const where = `${e.address ?? config.host}:${e.port ?? config.port}`;
  const user = `'${config.user}'`;
  const network = explainNetworkFailure(e.code, where, e.hostname ?? config.host);
  if (network !== null) return network;
  switch (e.code) {
    case 'ECONNRESET':
    case 'PROTOCOL_CONNECTION_LOST':
      return `${where} closed the connection at once — is it a MySQL or MariaDB server, and does it let this host in?`;
    case 'ER_ACCESS_DENIED_ERROR':
      return /using password: NO/.test(e.message ?? '')
        ? `the server refused the login of user ${user} without a password — set MYSQL_PWD (the CLI) or save the password with the connection (the app)`
        : `the server refused the login of user ${user} — check the password (saved, or MYSQL_PWD), and that this user may connect from this host`;
    case 'ER_HOST_NOT_PRIVILEGED':
    case 'ER_HOST_IS_BLOCKED':
      return `the server refused the login: it does not let this host connect (no user ${user} for this host, or the host is blocked)`;
    case 'ER_BAD_DB_ERROR':
      return `the server refused the login or database: it has no database '${config.database}' — check the database name`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `the server refused the login or database: user ${user} may not use database '${config.database}'`;
    case 'ER_CON_COUNT_ERROR':
      return `the server at ${where} has no connection slots left (too many connections)`;
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return `the server at ${where} does not offer TLS, and the connection asks for it (ssl-mode) — enable TLS on the server, or use ssl-mode=DISABLED`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the server's certificate does not name the host '${config.host}' — connect by a name in the certificate, or use ssl-mode=REQUIRED (encrypted, not verified)`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
      return `the server's certificate is not trusted (${e.code}) — with ssl-mode=VERIFY_IDENTITY it must be valid and signed by a CA this machine trusts; ssl-mode=REQUIRED encrypts without checking it`;
  }
  if (/connect ETIMEDOUT|timeout/i.test(e.message ?? '')) {
    return `no answer from ${where} in time — a firewall may drop the connection, or the host is not the right one`;
  }
  return null;
}

import pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';
import { explainNetworkFailure } from '../runtime/network-failure.ts';

/** A `pg` client config plus a label that is safe to show (the store passes a redacted URL or a saved name). */
export type TargetConfig = pg.ClientConfig & { label?: string };

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/**
 * A description of a target that never contains the password: the given `label`, else
 * `postgresql://user@host:port/database` built from the config.
 */
export function describeTarget(config: TargetConfig): string {
  if (config.label) return config.label;
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      url.password = '';
      return url.toString();
    } catch {
      return 'the PostgreSQL connection string';
    }
  }
  const user = config.user ? `${config.user}@` : '';
  return `postgresql://${user}${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}

/**
 * Opens a connection to a target.
 * The client gets an `error` listener: `pg` emits `error` when an idle connection drops, which
 * would otherwise crash the process; the next query on it fails and is reported there.
 * @throws LoadstoneError TARGET_UNREACHABLE with the server's (or network's) message and the redacted target.
 */
export async function connectTarget(config: TargetConfig): Promise<pg.Client> {
  return startTargetConnection(config).ready;
}

/** A connection being made: `ready` as `connectTarget`; `abandon` ends it without waiting. */
export interface PendingConnection {
  readonly ready: Promise<pg.Client>;
  /** Whether the connection ended after it was made (the server restarted, the network dropped it). */
  readonly lost: boolean;
  /**
   * Ends the client, connected or not: a connection still being made is cut at once (its socket
   * destroyed), so an unreachable server's connect timeout does not keep the process alive after
   * the work it was for has failed; a connected one says goodbye as usual.
   */
  abandon(): void;
}

/** `connectTarget`, which can be given up while it connects (see `PendingConnection`). */
export function startTargetConnection(config: TargetConfig): PendingConnection {
  const { label: _label, ...clientConfig } = config;
  const client = new pg.Client({
    ...clientConfig,
    connectionTimeoutMillis: clientConfig.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => {});
  let connected = false;
  let lost = false;
  const ready = client.connect().then(
    () => {
      connected = true;
      client.once('end', () => {
        lost = true;
      });
      return client;
    },
    async (error: unknown) => {
      await client.end().catch(() => {});
      throw unreachable(error, config);
    },
  );
  return {
    ready,
    get lost() {
      return lost;
    },
    abandon: () => {
      client.end().catch(() => {});
      // `pg` ends a connecting client only once its socket connects or times out.
      if (!connected)
        (
          client as unknown as { connection?: { stream?: { destroy?: () => void } } }
        ).connection?.stream?.destroy?.();
    },
  };
}

/** What a connection test shows: the server's version and whether the connection is encrypted. */
export interface ServerFacts {
  readonly serverVersion: string;
  /** `TLSv1.3` etc. when the connection is encrypted, else null. */
  readonly tls: string | null;
}

/** Asks the server its version and whether this connection uses TLS (`pg_stat_ssl`, PostgreSQL 9.5+). */
export async function serverFacts(client: pg.Client): Promise<ServerFacts> {
  const result = await client.query<{ server_version: string; ssl: boolean | null; tls: string | null }>(
    `SELECT current_setting('server_version') AS server_version, s.ssl, s.version AS tls
       FROM (SELECT 1) one LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid()`,
  );
  const row = result.rows[0];
  return {
    serverVersion: row?.server_version ?? '(unknown version)',
    tls: row?.ssl ? (row.tls ?? 'TLS') : null,
  };
}

/** Wraps a connection failure as TARGET_UNREACHABLE, scrubbing the password should a message echo it. */
export function unreachable(
  error: unknown,
  config: TargetConfig,
  doing = 'cannot connect to',
): LoadstoneError {
  const e = error as { message?: string; code?: string };
  let message = e.message || String(error);
  const password = typeof config.password === 'string' ? config.password : '';
  // A short password would mask letters of ordinary words ('a' in 'getaddrinfo'), showing what it is.
  if (password.length >= 4) message = message.replaceAll(password, '***');
  if (config.connectionString) message = message.replaceAll(config.connectionString, describeTarget(config));
  message += tlsHint(e.code, message);
  const explained = explainConnectError(error, config);
  if (explained) message = `${explained} (${message})`;
  return new LoadstoneError('TARGET_UNREACHABLE', `${doing} ${describeTarget(config)}: ${message}`, {
    details: { target: describeTarget(config), ...(e.code ? { code: e.code } : {}) },
    cause: error,
  });
}

/**
 * A connection failure in words, with what to check: nothing listening, a host name DNS does not
 * know, no answer in time, a refused password or user, a missing database. Null when the server's
 * own message is the best there is.
 */
export function explainConnectError(error: unknown, config: TargetConfig): string | null {
  const e = error as { code?: string; message?: string; address?: string; port?: number; hostname?: string };
  const where = endpoint(config, e);
  const message = e.message ?? '';
  const network = explainNetworkFailure(e.code, String(where), e.hostname ?? where.host);
  if (network !== null) return network;
  switch (e.code) {
    case 'ECONNRESET':
      return `${where} closed the connection at once — is it a PostgreSQL server, and does it accept this client (TLS setting)?`;
    case '28P01':
      return `the server refused the password for user '${config.user ?? ''}' — check the password (saved, PGPASSWORD or ~/.pgpass)`;
    case '28000':
      return `the server does not let user '${config.user ?? ''}' in from here (no pg_hba.conf entry, or no such user)`;
    case '3D000':
      return `the server has no database '${config.database ?? ''}' — check the database name`;
    case '57P03':
      return `the server at ${where} is starting up or shutting down — try again in a moment`;
    case '53300':
      return `the server at ${where} has no connection slots left (too many clients)`;
  }
  // pg's SCRAM step when the server asks for a password and none was given.
  if (/client password must be a string/.test(message)) {
    return `the server asks user '${config.user ?? ''}' for a password and none was given — save one with the connection, or set PGPASSWORD or ~/.pgpass`;
  }
  if (/timeout/i.test(message) && /connect/i.test(message)) {
    const seconds = Math.round((config.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000);
    return `no answer from ${where} within ${seconds} s — a firewall may drop the connection, or the host is not the right one`;
  }
  return null;
}

/** `host:port` a connection went to, from the error when it says, else from the config. */
function endpoint(
  config: TargetConfig,
  e: { address?: string; port?: number },
): { host: string; toString(): string } {
  let host = config.host;
  let port = config.port;
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      host ??= decodeURIComponent(url.hostname);
      port ??= url.port ? Number(url.port) : undefined;
    } catch {
      // An unparsable string: the error's own address, if any, is all there is.
    }
  }
  const h = e.address ?? host ?? 'localhost';
  const p = e.port ?? port ?? 5432;
  return { host: host ?? h, toString: () => `${h}:${p}` };
}

/** Node's codes for a server certificate that does not chain to a trusted CA. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** What to do about a TLS failure, in the connection's own terms (sslmode, sslrootcert); '' otherwise. */
function tlsHint(code: string | undefined, message: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return ' (sslmode=verify-full: connect by a host name the certificate lists, or use sslmode=verify-ca to check the chain only)';
  }
  if (code !== undefined && UNTRUSTED_CERTIFICATE.has(code)) {
    return " (the server's certificate is not signed by the CA in sslrootcert, or by the system's CAs when sslrootcert is not set)";
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return " (the server's certificate is not valid now)";
  if (message.includes('does not support SSL')) {
    return ' (this server accepts only unencrypted connections: use sslmode=disable or prefer, or turn ssl on in its configuration)';
  }
  return '';
}

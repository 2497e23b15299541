import os from 'node:os';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import { LoadstoneError } from '../../common/errors.ts';
import { defaultPgpassPath, lookupPgpass } from './pgpass.ts';
import {
  isPostgresUrl,
  parsePostgresUrl,
  redactUrl,
  SSL_MODES,
  type SslMode,
  sslOptionFor,
} from './postgres-url.ts';
import type { SecretStore } from './secret-store.ts';
import type { ConnectionOptions } from './types.ts';

/** The saved connection as the resolver needs it, encrypted secret included. Internal to the store. */
export interface SavedConnectionRecord {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: SslMode;
  options: ConnectionOptions;
  secret: Buffer | null;
}

/** Where a resolved password came from (for messages; never the password itself). */
export type PasswordSource = 'saved' | 'url' | 'PGPASSWORD' | 'pgpass' | 'none';

/**
 * A `pg` ClientConfig-compatible object. It holds the password: pass it to `pg`, never log it
 * (`JSON.stringify` and `util.inspect` show it redacted as a second line of defence).
 */
export interface ResolvedConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl: false | TlsOptions;
  application_name?: string;
  connectionTimeoutMillis?: number;
  /** Safe to show: the saved name, or the URL with its password redacted. */
  label: string;
  passwordSource: PasswordSource;
}

export interface ResolveConnectionOptions {
  env: NodeJS.ProcessEnv;
  secretStore: SecretStore;
  /** Defaults to `PGPASSFILE` or `~/.pgpass`. */
  pgpassPath?: string;
  home?: string;
  platform?: NodeJS.Platform;
  /** Finds a saved connection by name (the store passes its own). Without it only URLs resolve. */
  lookup?: (name: string) => SavedConnectionRecord | undefined;
  /** Told about things worth a warning (an ignored ~/.pgpass). */
  onWarning?: (message: string) => void;
}

/** The reserved name of the embedded warehouse. */
export const LOCAL_CONNECTION = 'local';

/**
 * Turns a target (a postgres:// URL or a saved connection name) into a `pg` client config.
 * Missing parts come from PGHOST/PGPORT/PGUSER/PGDATABASE/PGSSLMODE/PGSSLROOTCERT, then libpq's
 * defaults. Password order: saved encrypted secret > URL password > PGPASSWORD > pgpass file.
 * @throws LoadstoneError NOT_FOUND for an unknown name, BAD_USAGE for a bad URL or `local`,
 *   SECRET_UNAVAILABLE when only an undecryptable saved secret could have supplied the password.
 */
export function resolveConnection(nameOrUrl: string, opts: ResolveConnectionOptions): ResolvedConnection {
  const target = nameOrUrl.trim();
  const env = opts.env;
  if (target.toLowerCase() === LOCAL_CONNECTION) {
    throw new LoadstoneError(
      'BAD_USAGE',
      "'local' is the embedded warehouse; the loader starts and resolves it",
    );
  }

  let parts: {
    host?: string | undefined;
    port?: number | undefined;
    database?: string | undefined;
    user?: string | undefined;
    password?: string | undefined;
    sslMode?: SslMode | undefined;
    sslRootCert?: string | undefined;
    applicationName?: string | undefined;
    connectTimeoutSeconds?: number | undefined;
  };
  let label: string;
  let secret: Buffer | null = null;
  if (isPostgresUrl(target)) {
    parts = parsePostgresUrl(target);
    label = redactUrl(target);
  } else {
    const saved = opts.lookup?.(target);
    if (!saved) {
      throw new LoadstoneError(
        'NOT_FOUND',
        `no saved connection named '${redactUrl(target)}'; a connection (a target's or a source's) is a saved connection's name (see 'loadstone connections list') or a URL: postgres:// (a source's may also be mysql://)`,
      );
    }
    parts = {
      host: saved.host || undefined,
      port: saved.port,
      database: saved.database || undefined,
      user: saved.user || undefined,
      sslMode: saved.sslMode,
      ...saved.options,
    };
    label = saved.name;
    secret = saved.secret;
  }

  const user = parts.user ?? nonEmpty(env.PGUSER) ?? nonEmpty(env.USER) ?? nonEmpty(env.USERNAME) ?? osUser();
  const host = parts.host ?? nonEmpty(env.PGHOST) ?? 'localhost';
  const port = parts.port ?? envPort(env.PGPORT) ?? 5432;
  const database = parts.database ?? nonEmpty(env.PGDATABASE) ?? user;
  const envSsl = nonEmpty(env.PGSSLMODE);
  const sslMode =
    parts.sslMode ??
    (envSsl && (SSL_MODES as readonly string[]).includes(envSsl) ? (envSsl as SslMode) : undefined);
  const ssl = sslOptionFor(sslMode, parts.sslRootCert ?? nonEmpty(env.PGSSLROOTCERT));

  let password: string | undefined;
  let passwordSource: PasswordSource = 'none';
  let secretProblem: string | undefined;
  if (secret) {
    if (!opts.secretStore.isAvailable()) {
      secretProblem = 'it was saved by the desktop app and this process has no OS encryption to read it';
    } else {
      try {
        password = opts.secretStore.decrypt(secret);
        passwordSource = 'saved';
      } catch {
        secretProblem =
          'it cannot be decrypted (saved by another user or machine?); save the connection again';
      }
    }
  }
  if (password === undefined && parts.password !== undefined) {
    password = parts.password;
    passwordSource = 'url';
  }
  if (password === undefined && env.PGPASSWORD !== undefined) {
    password = env.PGPASSWORD;
    passwordSource = 'PGPASSWORD';
  }
  if (password === undefined) {
    const file = opts.pgpassPath ?? defaultPgpassPath(env, opts.home ?? os.homedir(), opts.platform);
    const warn = opts.onWarning ? { onWarning: opts.onWarning } : {};
    password = lookupPgpass(
      file,
      { host, port, database, user },
      { ...warn, platform: opts.platform ?? process.platform },
    );
    if (password !== undefined) passwordSource = 'pgpass';
  }
  if (password === undefined && secretProblem) {
    throw new LoadstoneError(
      'SECRET_UNAVAILABLE',
      `the saved password of connection '${label}' is unusable: ${secretProblem}. Set PGPASSWORD or add it to ~/.pgpass`,
    );
  }

  const resolved: ResolvedConnection = { host, port, database, user, ssl, label, passwordSource };
  if (password !== undefined) resolved.password = password;
  if (parts.applicationName !== undefined) resolved.application_name = parts.applicationName;
  if (parts.connectTimeoutSeconds !== undefined && parts.connectTimeoutSeconds > 0) {
    resolved.connectionTimeoutMillis = parts.connectTimeoutSeconds * 1000;
  }
  return hidePassword(resolved);
}

/** Non-enumerable `toJSON` / inspect hooks so an accidental log shows `***`, not the password. */
function hidePassword(config: ResolvedConnection): ResolvedConnection {
  const redacted = () => ({ ...config, ...(config.password === undefined ? {} : { password: '***' }) });
  Object.defineProperty(config, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: () => redacted(), enumerable: false });
  return config;
}

function envPort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'postgres';
  }
}

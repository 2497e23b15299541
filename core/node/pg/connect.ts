import pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';

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
  const { label: _label, ...clientConfig } = config;
  const client = new pg.Client({
    ...clientConfig,
    connectionTimeoutMillis: clientConfig.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw unreachable(error, config);
  }
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
  if (password.length > 0) message = message.replaceAll(password, '***');
  if (config.connectionString) message = message.replaceAll(config.connectionString, describeTarget(config));
  return new LoadstoneError('TARGET_UNREACHABLE', `${doing} ${describeTarget(config)}: ${message}`, {
    details: { target: describeTarget(config), ...(e.code ? { code: e.code } : {}) },
    cause: error,
  });
}

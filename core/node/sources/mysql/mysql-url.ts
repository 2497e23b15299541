import { inspect } from 'node:util';
import { LoadstoneError } from '../../../common/errors.ts';
import { redactUrl } from '../../../common/spec/source-label.ts';

/** How a MySQL connection uses TLS: off, encrypted without checking the certificate, or verified. */
export const MYSQL_SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type MysqlSslMode = (typeof MYSQL_SSL_MODES)[number];

/** The parts of a `mysql://` / `mariadb://` URL; absent parts are `undefined`. */
export interface MysqlUrlParts {
  host: string | undefined;
  port: number | undefined;
  database: string | undefined;
  user: string | undefined;
  password: string | undefined;
  sslMode: MysqlSslMode | undefined;
}

/**
 * What the MySQL source connects with. It holds the password: hand it to mysql2, never log it
 * (`JSON.stringify` and `util.inspect` show it redacted).
 */
export interface MysqlConnectionConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslMode: MysqlSslMode;
  /** Safe to show: the saved name, or the URL with its password redacted. */
  label: string;
}

/** The default port of MySQL and MariaDB. */
export const MYSQL_PORT = 3306;

const SCHEME_RE = /^(?:mysql|mariadb):\/\//i;

/** Whether `text` is a `mysql://` or `mariadb://` URL (as opposed to a saved connection name). */
export function isMysqlUrl(text: string): boolean {
  return SCHEME_RE.test(text.trim());
}

/**
 * Parses `mysql://[user[:password]@]host[:port][/database][?ssl-mode=…]` (also `mariadb://`),
 * percent-decoding every part. `ssl-mode` takes MySQL's names (DISABLED, REQUIRED, VERIFY_IDENTITY;
 * VERIFY_CA is verified as VERIFY_IDENTITY) or libpq's (`sslmode=disable|require|verify-full`).
 * PREFERRED is refused: the driver cannot fall back, and "maybe encrypted" is not a setting to trust.
 * Error messages show the URL only through `redactUrl`.
 * @throws LoadstoneError BAD_USAGE naming the problem.
 */
export function parseMysqlUrl(url: string): MysqlUrlParts {
  const text = url.trim();
  const fail = (why: string): never => {
    throw new LoadstoneError('BAD_USAGE', `invalid MySQL URL ${redactUrl(text)}: ${why}`);
  };
  if (!SCHEME_RE.test(text)) fail('expected mysql://[user[:password]@]host[:port][/database]');
  let parsed: URL;
  try {
    // WHATWG URL parses the user info of a special scheme only; http is one and mysql is not.
    parsed = new URL(text.replace(SCHEME_RE, 'http://'));
  } catch {
    return fail('it cannot be parsed (percent-encode @ : / ? # in the user name or password)');
  }
  const decode = (part: string, what: string): string | undefined => {
    if (part === '') return undefined;
    try {
      return decodeURIComponent(part);
    } catch {
      return fail(`bad percent-encoding in the ${what}`);
    }
  };
  const parts: MysqlUrlParts = {
    host: decode(parsed.hostname.replace(/^\[(.*)\]$/, '$1'), 'host'),
    port: parsed.port === '' ? undefined : Number(parsed.port),
    database: decode(parsed.pathname.replace(/^\//, ''), 'database name'),
    user: decode(parsed.username, 'user name'),
    password: parsed.password === '' ? undefined : decode(parsed.password, 'password'),
    sslMode: undefined,
  };
  if (parts.database?.includes('/')) fail("the database name holds a '/'");
  for (const [key, value] of parsed.searchParams) {
    const name = key.toLowerCase().replace(/_/g, '-');
    if (name !== 'ssl-mode' && name !== 'sslmode') {
      fail(`unknown parameter '${key}' (only ssl-mode is accepted)`);
    }
    parts.sslMode = sslModeOf(value) ?? fail(`ssl-mode '${value}' is not one of ${SSL_NAMES}`);
  }
  return parts;
}

const SSL_NAMES = 'DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY (or disable, require, verify-full)';

function sslModeOf(value: string): MysqlSslMode | undefined {
  switch (value.toLowerCase().replace(/_/g, '-')) {
    case 'disabled':
    case 'disable':
      return 'disable';
    case 'required':
    case 'require':
      return 'require';
    case 'verify-ca':
    case 'verify-identity':
    case 'verify-full':
      return 'verify-full';
    default:
      return undefined;
  }
}

/**
 * A URL, or the parts of a saved connection, with its password, → the config the source connects
 * with. Missing parts: host `localhost`, port 3306, the OS user; the password from the saved secret
 * (given as `password`), else the URL, else `MYSQL_PWD`.
 */
export function mysqlConfig(
  parts: MysqlUrlParts,
  label: string,
  env: NodeJS.ProcessEnv,
  savedPassword?: string,
): MysqlConnectionConfig {
  const config: MysqlConnectionConfig = {
    host: parts.host ?? 'localhost',
    port: parts.port ?? MYSQL_PORT,
    database: parts.database ?? '',
    user: parts.user ?? env.USER ?? '',
    sslMode: parts.sslMode ?? 'disable',
    label,
  };
  const password = savedPassword ?? parts.password ?? (env.MYSQL_PWD || undefined);
  if (password !== undefined) config.password = password;
  return hidePassword(config);
}

/** A `mysql://` URL → its config (no saved connections: see the run store's `resolveMysql`). */
export function resolveMysqlUrl(url: string, env: NodeJS.ProcessEnv): MysqlConnectionConfig {
  return mysqlConfig(parseMysqlUrl(url), redactUrl(url.trim()), env);
}

/** Non-enumerable `toJSON` / inspect hooks so an accidental log shows `***`, not the password. */
function hidePassword(config: MysqlConnectionConfig): MysqlConnectionConfig {
  const redacted = () => ({ ...config, ...(config.password === undefined ? {} : { password: '***' }) });
  Object.defineProperty(config, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: () => redacted(), enumerable: false });
  return config;
}

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { LoadstoneError } from '../../common/errors.ts';

/** libpq's `sslmode` values. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The parts of a PostgreSQL URL; absent parts are `undefined` (the resolver applies PG* env and defaults). */
export interface PostgresUrlParts {
  host: string | undefined;
  port: number | undefined;
  database: string | undefined;
  user: string | undefined;
  password: string | undefined;
  sslMode: SslMode | undefined;
  /** Path of the CA certificate file, or `system` for the platform's CA store. */
  sslRootCert: string | undefined;
  applicationName: string | undefined;
  connectTimeoutSeconds: number | undefined;
}

/** Query parameters accepted in a URL (libpq names); anything else is refused, never ignored. */
const QUERY_KEYS = [
  'sslmode',
  'sslrootcert',
  'application_name',
  'connect_timeout',
  'host',
  'port',
  'dbname',
  'user',
  'password',
] as const;

const SCHEME_RE = /^postgres(?:ql)?:\/\//i;
/** What follows the user info: `host[:port]`, then `/database`, then `?query`. */
const AFTER_USERINFO_RE = /^([^/?]*)(\/[^?]*)?(\?.*)?$/;

/** Whether `text` is a `postgres://` or `postgresql://` URL (as opposed to a saved connection name). */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(text.trim());
}

/**
 * Parses a `postgres://` / `postgresql://` URL the way libpq does (percent-decoding every part,
 * `[v6]` hosts, query parameters), refusing what libpq would refuse.
 *
 * The user info ends at the last `@` before the first `/` (libpq reads up to an `@` or a `/`), so a
 * password may hold `@`, `#`, `?` and `:` as they are: `postgres://u:p@ss#1@host/db` connects to
 * `host`. As in libpq, `#` is never a fragment (`?password=a#b` is `a#b`). A password holding `/`
 * cannot be told apart from the path: an `@` after the first `/` is refused with a message that
 * says to percent-encode. No error message ever quotes a part of the URL that could be a piece of
 * the password: the URL is shown through `redactUrl`, which hides everything up to the last `@`.
 * @throws LoadstoneError BAD_USAGE naming the problem.
 */
export function parsePostgresUrl(url: string): PostgresUrlParts {
  const text = url.trim();
  const fail = (why: string): never => {
    throw new LoadstoneError('BAD_USAGE', `invalid PostgreSQL URL ${redactUrl(text)}: ${why}`);
  };
  const scheme = SCHEME_RE.exec(text);
  if (!scheme) return fail('expected postgres://[user[:password]@][host][:port][/database][?param=value&…]');
  const rest = text.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  const head = slash < 0 ? rest : rest.slice(0, slash);
  if (slash >= 0 && rest.includes('@', slash)) {
    return fail(
      "there is an '@' after the first '/', so where the password ends is unclear: percent-encode " +
        "'/' in a password as %2F (and '@' in a database name or parameter as %40)",
    );
  }
  const at = head.lastIndexOf('@');
  const m = AFTER_USERINFO_RE.exec(rest.slice(at + 1));
  if (!m) return fail('expected postgres://[user[:password]@][host][:port][/database][?param=value&…]');
  const parts: PostgresUrlParts = {
    host: undefined,
    port: undefined,
    database: undefined,
    user: undefined,
    password: undefined,
    sslMode: undefined,
    sslRootCert: undefined,
    applicationName: undefined,
    connectTimeoutSeconds: undefined,
  };
  const decode = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return fail(`bad percent-encoding in the ${what}`);
    }
  };

  const hostPort = m[1]!;
  if (at >= 0) {
    const userinfo = head.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (user !== '') parts.user = decode(user, 'user name');
    if (colon >= 0) parts.password = decode(userinfo.slice(colon + 1), 'password');
  }

  let host = hostPort;
  let port: string | undefined;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) fail("unclosed '[' in the host");
    host = hostPort.slice(1, end);
    const after = hostPort.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) fail(`unexpected '${after}' after the host`);
    if (after !== '') port = after.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0) {
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
  }
  if (host.includes(',')) fail('several hosts are not supported; give one host');
  if (host !== '') parts.host = decode(host, 'host');
  if (port !== undefined && port !== '') parts.port = parsePort(port, fail);

  const path = m[2];
  if (path !== undefined && path.length > 1) parts.database = decode(path.slice(1), 'database name');

  const query = m[3];
  if (query !== undefined && query.length > 1) {
    for (const pair of query.slice(1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq < 0) fail(`query parameter '${pair}' has no value`);
      const key = decode(pair.slice(0, eq), 'query');
      const value = decode(pair.slice(eq + 1), 'query');
      applyQueryParam(parts, key, value, fail);
    }
  }
  return parts;
}

function applyQueryParam(
  parts: PostgresUrlParts,
  key: string,
  value: string,
  fail: (why: string) => never,
): void {
  switch (key as (typeof QUERY_KEYS)[number]) {
    case 'sslmode':
      if (!(SSL_MODES as readonly string[]).includes(value)) {
        fail(`sslmode '${value}' is not one of ${SSL_MODES.join(', ')}`);
      }
      parts.sslMode = value as SslMode;
      return;
    case 'sslrootcert':
      parts.sslRootCert = value;
      return;
    case 'application_name':
      parts.applicationName = value;
      return;
    case 'connect_timeout': {
      if (!/^\d+$/.test(value)) fail(`connect_timeout must be whole seconds, got '${value}'`);
      parts.connectTimeoutSeconds = Number(value);
      return;
    }
    case 'host':
      parts.host = value;
      return;
    case 'port':
      parts.port = parsePort(value, fail);
      return;
    case 'dbname':
      parts.database = value;
      return;
    case 'user':
      parts.user = value;
      return;
    case 'password':
      parts.password = value;
      return;
    default:
      fail(`unsupported query parameter '${key}' (supported: ${QUERY_KEYS.join(', ')})`);
  }
}

function parsePort(text: string, fail: (why: string) => never): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) fail(`port '${text}' is not a number from 1 to 65535`);
  return n;
}

/** `password=…` inside free text; stops before quotes and brackets so redacted JSON stays valid. */
const PASSWORD_PARAM_RE = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s"',;)}\]]*)/gi;

import { redactUrl } from '../../common/spec/source-label.ts';

export { redactUrl };

/**
 * Redacts every `scheme://user:password@` and `password=…` inside free text (error messages,
 * events), wherever it appears. Use `redactUrl` for a value that is a URL.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):[^\s"'<>]*@/gi, '$1:***@')
    .replace(PASSWORD_PARAM_RE, '$1***');
}

/** Formats URL parts back into a URL, without any password (for display and for saved settings). */
export function formatPostgresUrl(parts: Omit<PostgresUrlParts, 'password'>): string {
  const enc = encodeURIComponent;
  const user = parts.user !== undefined ? `${enc(parts.user)}@` : '';
  const host = parts.host === undefined ? '' : parts.host.includes(':') ? `[${parts.host}]` : enc(parts.host);
  const port = parts.port !== undefined ? `:${parts.port}` : '';
  const db = parts.database !== undefined ? `/${enc(parts.database)}` : '';
  const query: string[] = [];
  if (parts.sslMode) query.push(`sslmode=${parts.sslMode}`);
  if (parts.sslRootCert) query.push(`sslrootcert=${enc(parts.sslRootCert)}`);
  if (parts.applicationName) query.push(`application_name=${enc(parts.applicationName)}`);
  if (parts.connectTimeoutSeconds !== undefined) query.push(`connect_timeout=${parts.connectTimeoutSeconds}`);
  return `postgres://${user}${host}${port}${db}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/**
 * Maps libpq's `sslmode` to `pg`'s `ssl` option.
 * - `disable`, `allow`, `prefer`, absent → `false`: pg cannot fall back from TLS to plain the way
 *   libpq does, so "try TLS" modes connect in plain text; ask for `require` to insist on TLS.
 * - `require` → TLS without certificate checks (`rejectUnauthorized: false`); with `sslrootcert`
 *   it verifies the chain, as libpq does.
 * - `verify-ca` → chain verified against `sslrootcert` (or the system CAs), host name not checked.
 * - `verify-full` → chain and host name verified.
 * `sslrootcert=system` uses the platform's CA store.
 * @throws LoadstoneError BAD_USAGE when the `sslrootcert` file cannot be read.
 */
export function sslOptionFor(
  mode: SslMode | undefined,
  sslRootCert: string | undefined,
  readFile: (path: string) => Buffer = readFileSync,
): false | ConnectionOptions {
  if (mode === undefined || mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const ca = sslRootCert && sslRootCert !== 'system' ? readCa(sslRootCert, readFile) : undefined;
  const withCa = ca === undefined ? {} : { ca };
  if (mode === 'require' && ca === undefined) return { rejectUnauthorized: false };
  if (mode === 'verify-full') return { rejectUnauthorized: true, ...withCa };
  // verify-ca, or require with a root certificate: check the chain, not the host name.
  return { rejectUnauthorized: true, ...withCa, checkServerIdentity: () => undefined };
}

function readCa(file: string, readFile: (path: string) => Buffer): string {
  try {
    return readFile(file).toString('utf8');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new LoadstoneError('BAD_USAGE', `sslrootcert file '${file}' cannot be read: ${why}`);
  }
}

import type { ConnectionDto } from '../../../core/common/contract/index.ts';

/** What the connection form's fields hold (the password apart: it is write-only). */
export interface ConnectionFields {
  kind: ConnectionDto['kind'];
  host: string;
  port: string;
  database: string;
  user: string;
  sslMode: string;
  /** A PostgreSQL connection's options, as typed ('' for none): see `connection-options.ts`. */
  sslRootCert: string;
  applicationName: string;
  /** Seconds, as typed. */
  connectTimeout: string;
}

/**
 * A connection's URL as the form's URL box shows it: `postgres://user@host:port/db?sslmode=…` or
 * `mysql://user@host:port/db?sslmode=…`, every part percent-encoded, never a password (the saved
 * one stays saved: a URL without one keeps it).
 */
export function connectionUrl(c: ConnectionFields): string {
  const enc = encodeURIComponent;
  const host = c.host.trim();
  const user = c.user.trim() ? `${enc(c.user.trim())}@` : '';
  const hostPart = host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : enc(host);
  const port = c.port.trim() ? `:${c.port.trim()}` : '';
  const db = c.database.trim() ? `/${enc(c.database.trim())}` : '';
  // In the engine's order (its displayed URL reads the same); a MySQL URL takes none of the options.
  const query: string[] = [];
  if (c.sslMode) query.push(`sslmode=${enc(c.sslMode)}`);
  if (c.kind !== 'mysql') {
    if (c.sslRootCert.trim()) query.push(`sslrootcert=${enc(c.sslRootCert.trim())}`);
    if (c.applicationName !== '') query.push(`application_name=${enc(c.applicationName)}`);
    if (c.connectTimeout.trim()) query.push(`connect_timeout=${enc(c.connectTimeout.trim())}`);
  }
  const ssl = query.length > 0 ? `?${query.join('&')}` : '';
  return `${c.kind === 'mysql' ? 'mysql' : 'postgres'}://${user}${hostPart}${port}${db}${ssl}`;
}

/** A saved connection's settings as the form's fields. */
export function fieldsOf(c: ConnectionDto): ConnectionFields {
  return {
    kind: c.kind,
    host: c.host,
    port: String(c.port),
    database: c.database,
    user: c.user,
    sslMode: c.sslMode,
    sslRootCert: c.options.sslRootCert ?? '',
    applicationName: c.options.applicationName ?? '',
    connectTimeout:
      c.options.connectTimeoutSeconds === undefined ? '' : String(c.options.connectTimeoutSeconds),
  };
}

const SCHEME_RE = /^(postgres|postgresql|mysql|mariadb):\/\//i;

/**
 * The fields a URL typed in the URL box fills when the operator switches to Fields (and a password
 * it holds, for the password box), or null when it is not a URL the form can read. The engine still
 * checks the URL when it is saved; this only carries what was typed from one view to the other.
 */
export function fieldsFromUrl(text: string): { fields: ConnectionFields; password: string } | null {
  const url = text.trim();
  const scheme = SCHEME_RE.exec(url);
  if (!scheme) return null;
  let parsed: URL;
  try {
    // Parsed as http:// so that the user, password, host and port are read the same on every engine.
    parsed = new URL(url.replace(SCHEME_RE, 'http://'));
  } catch {
    return null;
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const kind = /^(mysql|mariadb)$/i.test(scheme[1] ?? '') ? 'mysql' : 'postgres';
  // The port as written (http:// would drop 80 as its default).
  const authority = url.slice(scheme[0].length).split(/[/?#]/)[0] ?? '';
  const port = /:(\d+)$/.exec(authority.slice(authority.lastIndexOf('@') + 1))?.[1];
  const ssl = parsed.searchParams.get('sslmode') ?? parsed.searchParams.get('ssl-mode');
  // As the engine reads a parameter: percent-decoded, a '+' kept (URLSearchParams makes it a space).
  // The query starts at the first '?' after the user info (a password may hold '?'); as in libpq,
  // '#' is part of a value, not a fragment.
  const rest = url.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  const afterUser = rest.lastIndexOf('@', slash < 0 ? rest.length : slash) + 1;
  const mark = rest.indexOf('?', afterUser);
  const query = mark < 0 ? '' : rest.slice(mark + 1);
  const param = (key: string): string | undefined => {
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && decode(pair.slice(0, eq)) === key) return decode(pair.slice(eq + 1));
    }
    return undefined;
  };
  return {
    fields: {
      kind,
      host: decode(parsed.hostname.replace(/^\[(.*)\]$/, '$1')),
      port: port ?? (kind === 'mysql' ? '3306' : '5432'),
      database: decode(parsed.pathname.replace(/^\//, '')),
      user: decode(parsed.username),
      sslMode: sslModeOf(ssl, kind) ?? (kind === 'mysql' ? 'disable' : 'prefer'),
      sslRootCert: kind === 'mysql' ? '' : (param('sslrootcert') ?? ''),
      applicationName: kind === 'mysql' ? '' : (param('application_name') ?? ''),
      connectTimeout: kind === 'mysql' ? '' : (param('connect_timeout') ?? ''),
    },
    password: decode(parsed.password),
  };
}

/** A URL's ssl mode in the names the form's select has (MySQL's DISABLED, REQUIRED… as well). */
function sslModeOf(value: string | null, kind: ConnectionDto['kind']): string | null {
  if (value === null) return null;
  const v = value.toLowerCase().replace(/_/g, '-');
  if (kind === 'postgres') return v;
  if (v === 'disabled' || v === 'disable') return 'disable';
  if (v === 'required' || v === 'require') return 'require';
  if (v === 'verify-ca' || v === 'verify-identity' || v === 'verify-full') return 'verify-full';
  return null;
}

/**
 * Why the URL box cannot be sent, in the control's words (null when it can): an empty URL would
 * save the connection as `localhost` with no database.
 */
export function urlText(text: string): string | null {
  const url = text.trim();
  if (url === '')
    return 'URL: enter the server’s URL (postgres://user@host:5432/db or mysql://user@host:3306/db)';
  if (!SCHEME_RE.test(url))
    return 'URL: start it with postgres:// (or postgresql://), mysql:// or mariadb://';
  return null;
}

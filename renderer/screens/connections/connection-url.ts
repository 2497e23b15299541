import type { ConnectionDto } from '../../../core/common/contract/index.ts';

/** What the connection form's fields hold (the password apart: it is write-only). */
export interface ConnectionFields {
  kind: ConnectionDto['kind'];
  host: string;
  port: string;
  database: string;
  user: string;
  sslMode: string;
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
  const ssl = c.sslMode ? `?sslmode=${enc(c.sslMode)}` : '';
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
  return {
    fields: {
      kind,
      host: decode(parsed.hostname.replace(/^\[(.*)\]$/, '$1')),
      port: port ?? (kind === 'mysql' ? '3306' : '5432'),
      database: decode(parsed.pathname.replace(/^\//, '')),
      user: decode(parsed.username),
      sslMode: sslModeOf(ssl, kind) ?? (kind === 'mysql' ? 'disable' : 'prefer'),
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

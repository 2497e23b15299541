import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The connection a password is looked up for. */
export interface PgpassQuery {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Where libpq looks for the password file: `PGPASSFILE`, else `~/.pgpass` (`%APPDATA%\postgresql\pgpass.conf` on Windows). */
export function defaultPgpassPath(
  env: NodeJS.ProcessEnv,
  home: string,
  platform: NodeJS.Platform = process.platform,
) {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  if (platform === 'win32') {
    return path.win32.join(
      env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'),
      'postgresql',
      'pgpass.conf',
    );
  }
  return path.posix.join(home, '.pgpass');
}

/**
 * Finds the password for `query` in a pgpass file, like libpq: first matching line wins, `*`
 * matches anything in the first four fields, `\:` and `\\` are escapes, `#` starts a comment line.
 * A missing file yields `undefined`. On Unix a file readable by group or others is ignored, with a
 * warning, exactly as libpq does, so a password that libpq would refuse is not used here either.
 */
export function lookupPgpass(
  file: string,
  query: PgpassQuery,
  opts: { platform?: NodeJS.Platform; onWarning?: (message: string) => void } = {},
): string | undefined {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) {
      opts.onWarning?.(`password file '${file}' is not a plain file; ignored`);
      return undefined;
    }
    if ((opts.platform ?? process.platform) !== 'win32' && (stat.mode & 0o077) !== 0) {
      opts.onWarning?.(
        `password file '${file}' has group or world access and is ignored; permissions should be u=rw (0600) or less`,
      );
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    opts.onWarning?.(`password file '${file}' cannot be read: ${(error as Error).message}`);
    return undefined;
  }
  return matchPgpass(text, query);
}

/** Searches pgpass-formatted text; exported for tests and for hosts that read the file themselves. */
export function matchPgpass(text: string, query: PgpassQuery): string | undefined {
  // libpq compares a socket connection (no host, or a directory) as 'localhost'.
  const host = query.host === '' || query.host.startsWith('/') ? 'localhost' : query.host;
  const wanted = [host, String(query.port), query.database, query.user];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || line.startsWith('#')) continue;
    const fields = splitPgpassLine(line);
    if (!fields) continue;
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields[4];
  }
  return undefined;
}

/** Splits one line into its five fields, undoing `\:` and `\\`; `undefined` when fields are missing. */
export function splitPgpassLine(line: string): [string, string, string, string, string] | undefined {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
    } else if (ch === ':' && fields.length < 4) {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (fields.length < 4) return undefined;
  fields.push(current);
  return fields as [string, string, string, string, string];
}

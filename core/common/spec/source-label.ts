import { maskUrl } from './http-source.ts';
import { isFileSource, type SourceSpec } from './job-spec.ts';

/**
 * Replaces the password of a URL (and any `password=` parameter) with `***`. Safe on malformed
 * text: when unsure where the user info ends it redacts more, never less. A saved connection name
 * passes unchanged; a libpq key=value string has its `password=` value redacted.
 */
export function redactUrl(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (!scheme) return text.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, '$1***');
  let out = text;
  const rest = text.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out = `${scheme[0]}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
  }
  // To the next parameter: a '#' in a password is not the start of a fragment to keep.
  return out.replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** A connection as it is safe to show: a URL with its password redacted; a saved name as is. */
export function connectionLabel(connection: string): string {
  return redactUrl(connection);
}

/**
 * What a source is, as runs, watermarks and messages name it, never with a secret in it:
 * the file path; `http GET <url, query values masked>`; `postgres <connection> table <name>` / `… query`; an SQLite file and its table.
 */
export function sourceLabel(source: SourceSpec): string {
  if (isFileSource(source)) return source.path;
  if (source.kind === 'http') return `http ${source.method ?? 'GET'} ${maskUrl(source.url)}`;
  const where = source.kind === 'sqlite' ? source.path : connectionLabel(source.connection);
  const what = source.table !== undefined ? `table ${source.table}` : 'query';
  return `${source.kind} ${where} ${what}`;
}

/**
 * Whether a label `sourceLabel` made names a file (a run's `source`, read by the UI): the others
 * start with their kind (`http GET …`, `postgres …`, `mysql …`, `sqlite …`).
 */
export function labelIsFile(label: string): boolean {
  return !/^(http|postgres|mysql|sqlite) /.test(label);
}

/** The file a source reads (a file source, or an SQLite database), else undefined. */
export function sourceFilePath(source: SourceSpec): string | undefined {
  if (isFileSource(source) || source.kind === 'sqlite') return source.path;
  return undefined;
}

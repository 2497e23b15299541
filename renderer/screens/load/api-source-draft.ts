import type { INCREMENTAL_FORMATS, SecretRef } from '../../../core/common/spec/http-source.ts';
import type { ApiSource } from './wizard-state.ts';

// The HTTP API source form's fields as typed, and the spec they make (and back, for a saved job).

export const AUTH_TYPES = [
  ['none', 'None'],
  ['bearer', 'Bearer token'],
  ['basic', 'Basic (user + password)'],
  ['apiKey', 'API key'],
  ['oauth2ClientCredentials', 'OAuth2 client credentials'],
] as const;
export type AuthType = (typeof AUTH_TYPES)[number][0];

export const PAGINATION_TYPES = [
  ['none', 'None (one request)'],
  ['pageNumber', 'Page number'],
  ['offset', 'Offset / limit'],
  ['cursor', 'Cursor from the body'],
  ['linkHeader', 'Link header (rel="next")'],
  ['nextUrl', 'Next URL from the body'],
] as const;
export type PaginationType = (typeof PAGINATION_TYPES)[number][0];

export type IncrementalFormat = (typeof INCREMENTAL_FORMATS)[number];

/** The form's fields as typed; secrets are typed elsewhere and saved, never read back. */
export interface Draft {
  url: string;
  method: 'GET' | 'POST';
  /** Extra request headers, one `Name: value` per line. */
  headers: string;
  /** Query parameters added to the URL, one `name=value` per line. */
  query: string;
  /** JSON request body (POST), an object. */
  body: string;
  authType: AuthType;
  user: string;
  keyName: string;
  keyIn: 'header' | 'query';
  tokenUrl: string;
  clientId: string;
  scope: string;
  clientAuth: 'basic' | 'post';
  records: string;
  pagination: PaginationType;
  /** pageNumber: param; offset: offsetParam; cursor: cursorParam. */
  param: string;
  pageSize: string;
  /** cursor: cursorPath; nextUrl: nextUrlPath. */
  path: string;
  hasMorePath: string;
  totalPath: string;
  stopOnShortPage: boolean;
  maxPages: string;
  /** Seconds (empty: the default, 60 s). */
  timeoutSeconds: string;
  /** Empty: no spacing between requests. */
  requestsPerSecond: string;
  /** Incremental loads send the watermark as this parameter ('' : none). */
  incParam: string;
  incFormat: IncrementalFormat;
}

/**
 * What the draft cannot show as text but must keep: headers whose value is a secret reference (an
 * environment variable or a saved secret of an opened job), sent unchanged.
 */
export type KeptHeaders = Record<string, SecretRef>;

/** A problem with one of the form's free-text fields, by spec path, as the schema's issues are shown. */
export interface DraftIssue {
  path: string;
  message: string;
}

/** The draft of a source (null: an empty form), the headers it keeps, and its saved secret. */
export function draftOf(source: ApiSource | null): {
  draft: Draft;
  kept: KeptHeaders;
  secret: SecretRef | undefined;
} {
  const auth = (source?.auth ?? { type: 'none' }) as Record<string, unknown> & { type: AuthType };
  const p = (source?.pagination ?? { type: 'none' }) as Record<string, unknown> & { type: PaginationType };
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const secret = (auth.token ?? auth.password ?? auth.value ?? auth.clientSecret) as SecretRef | undefined;
  const kept: KeptHeaders = {};
  const headerLines: string[] = [];
  for (const [name, value] of Object.entries(source?.headers ?? {})) {
    if (typeof value === 'string') headerLines.push(`${name}: ${value}`);
    else kept[name] = value;
  }
  const queryLines = Object.entries(source?.query ?? {}).map(([name, value]) => `${name}=${String(value)}`);
  return {
    draft: {
      url: source?.url ?? '',
      method: source?.method ?? 'GET',
      headers: headerLines.join('\n'),
      query: queryLines.join('\n'),
      body: source?.body === undefined ? '' : JSON.stringify(source.body, null, 2),
      authType: auth.type,
      user: str(auth.user),
      keyName: str(auth.name),
      keyIn: (auth.in as 'header' | 'query' | undefined) ?? 'header',
      tokenUrl: str(auth.tokenUrl),
      clientId: str(auth.clientId),
      scope: str(auth.scope),
      clientAuth: (auth.clientAuth as 'basic' | 'post' | undefined) ?? 'basic',
      records: source?.records ?? '',
      pagination: p.type,
      param: str(p.param ?? p.offsetParam ?? p.cursorParam),
      pageSize: str(p.pageSize ?? p.limit),
      path: str(p.cursorPath ?? p.nextUrlPath),
      hasMorePath: str(p.hasMorePath),
      totalPath: str(p.totalPath),
      stopOnShortPage: p.stopOnShortPage === true,
      maxPages: str(p.maxPages),
      timeoutSeconds:
        source?.timeoutMs === undefined || source.timeoutMs === 60_000 ? '' : String(source.timeoutMs / 1000),
      requestsPerSecond: str(source?.rateLimit?.requestsPerSecond),
      incParam: source?.incremental?.param ?? '',
      incFormat: source?.incremental?.format ?? 'raw',
    },
    kept,
    secret,
  };
}

/**
 * `name<separator>value` lines (blank lines skipped, both sides trimmed) as pairs; a line without the
 * separator, or whose name `validName` refuses, is an issue at `path` naming its line.
 */
function parsePairLines(
  text: string,
  path: 'headers' | 'query',
  separator: ':' | '=',
  expected: string,
  validName: (name: string) => boolean,
): { pairs: Record<string, string>; issues: DraftIssue[] } {
  const pairs: Record<string, string> = {};
  const issues: DraftIssue[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.indexOf(separator);
    const name = at < 0 ? '' : line.slice(0, at).trim();
    if (at < 0 || !validName(name)) {
      issues.push({
        path,
        message: `line ${i + 1}: expected "${expected}", found "${line.trim().slice(0, 60)}"`,
      });
      return;
    }
    pairs[name] = line.slice(at + 1).trim();
  });
  return { pairs, issues };
}

/** `Name: value` lines as headers; a line without a colon, or with a name HTTP refuses, is an issue. */
export function parseHeaderLines(text: string): { headers: Record<string, string>; issues: DraftIssue[] } {
  const { pairs, issues } = parsePairLines(text, 'headers', ':', 'Name: value', (name) =>
    /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name),
  );
  return { headers: pairs, issues };
}

/** `name=value` lines as query parameters; a line without `=` or without a name is an issue. */
export function parseQueryLines(text: string): { query: Record<string, string>; issues: DraftIssue[] } {
  const { pairs, issues } = parsePairLines(text, 'query', '=', 'name=value', (name) => name !== '');
  return { query: pairs, issues };
}

/** The body text as a JSON object (empty: none); anything else is an issue saying where it broke. */
export function parseBody(text: string): { body: Record<string, unknown> | undefined; issues: DraftIssue[] } {
  if (text.trim() === '') return { body: undefined, issues: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { body: undefined, issues: [{ path: 'body', message: `not JSON: ${(error as Error).message}` }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { body: undefined, issues: [{ path: 'body', message: 'must be a JSON object ({ … })' }] };
  }
  return { body: value as Record<string, unknown>, issues: [] };
}

/**
 * The spec of the draft (for the schema to check), with `secret` the saved reference of the auth's
 * one secret and `kept` the secret-valued headers carried over; `issues` are the free-text fields'
 * own problems (the schema reports the rest).
 */
export function specOf(
  d: Draft,
  secret: SecretRef | undefined,
  kept: KeptHeaders = {},
): { spec: unknown; issues: DraftIssue[] } {
  const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
  const num = (v: string) => (v.trim() === '' ? undefined : Number(v));
  let auth: unknown = { type: 'none' };
  if (d.authType === 'bearer') auth = { type: 'bearer', token: secret };
  if (d.authType === 'basic') auth = { type: 'basic', user: d.user, password: secret };
  if (d.authType === 'apiKey') auth = { type: 'apiKey', name: d.keyName, value: secret, in: d.keyIn };
  if (d.authType === 'oauth2ClientCredentials') {
    auth = {
      type: 'oauth2ClientCredentials',
      tokenUrl: d.tokenUrl,
      clientId: d.clientId,
      clientSecret: secret,
      scope: opt(d.scope),
      clientAuth: d.clientAuth,
    };
  }
  const stops = {
    hasMorePath: opt(d.hasMorePath),
    totalPath: opt(d.totalPath),
    maxPages: num(d.maxPages),
    // Only page-number and offset pages have a size a page can fall short of.
    stopOnShortPage:
      d.stopOnShortPage && (d.pagination === 'pageNumber' || d.pagination === 'offset') ? true : undefined,
  };
  let pagination: unknown = { type: 'none' };
  if (d.pagination === 'pageNumber')
    pagination = { type: 'pageNumber', param: opt(d.param), pageSize: num(d.pageSize), ...stops };
  if (d.pagination === 'offset')
    pagination = { type: 'offset', offsetParam: opt(d.param), limit: num(d.pageSize), ...stops };
  if (d.pagination === 'cursor')
    pagination = { type: 'cursor', cursorPath: d.path, cursorParam: opt(d.param), ...stops };
  if (d.pagination === 'linkHeader') pagination = { type: 'linkHeader', ...stops };
  if (d.pagination === 'nextUrl') pagination = { type: 'nextUrl', nextUrlPath: d.path, ...stops };
  const headers = parseHeaderLines(d.headers);
  const query = parseQueryLines(d.query);
  const body = parseBody(d.body);
  const allHeaders = { ...headers.headers, ...kept };
  const timeout = num(d.timeoutSeconds);
  const rate = num(d.requestsPerSecond);
  const spec = JSON.parse(
    JSON.stringify({
      kind: 'http',
      url: d.url.trim(),
      method: d.method,
      headers: Object.keys(allHeaders).length > 0 ? allHeaders : undefined,
      query: Object.keys(query.query).length > 0 ? query.query : undefined,
      body: body.body,
      timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
      auth,
      records: opt(d.records),
      pagination,
      rateLimit: rate === undefined ? undefined : { requestsPerSecond: rate },
      incremental: opt(d.incParam) ? { param: d.incParam.trim(), format: d.incFormat } : undefined,
    }),
  ) as unknown;
  return { spec, issues: [...headers.issues, ...query.issues, ...body.issues] };
}

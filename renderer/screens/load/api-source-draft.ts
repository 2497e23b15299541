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
  /** pageNumber: param; offset: offsetParam; cursor: cursorParam, or cursorBodyField when `cursorIn` is 'body'. */
  param: string;
  /** pageNumber: the first page's number (empty: 1); offset: the first offset (empty: 0). */
  start: string;
  /** pageNumber: the query parameter the page size is sent as (needed with a page size). */
  pageSizeParam: string;
  /** offset: the query parameter the limit is sent as (empty: `limit`). */
  limitParam: string;
  /** pageNumber: pageSize; offset: limit. */
  pageSize: string;
  /** cursor: sent as a query parameter or as a field of the JSON body (POST). */
  cursorIn: 'query' | 'body';
  /** cursor: cursorPath; nextUrl: nextUrlPath. */
  path: string;
  hasMorePath: string;
  totalPath: string;
  stopOnShortPage: boolean;
  /** A later page without the records path is the last (`pagination.endOnMissingRecords`). */
  endOnMissingRecords: boolean;
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

/** Fields of an opened job's source the form has no control for, carried over unchanged. */
export type KeptFields = Partial<Pick<ApiSource, 'retry' | 'maxRetryWaitMs'>>;

/** A problem with one of the form's free-text fields, by spec path, as the schema's issues are shown. */
export interface DraftIssue {
  path: string;
  message: string;
}

/** What a number field of the form takes. */
interface NumberRule {
  integer?: boolean;
  positive?: boolean;
  min?: number;
}

/** The form's control for each spec path an issue can name (what the operator can find and fix). */
const FIELD_LABELS: Record<string, string> = {
  url: 'URL',
  method: 'Method',
  headers: 'Headers',
  query: 'Query parameters',
  body: 'Body',
  timeoutMs: 'Timeout (s)',
  'rateLimit.requestsPerSecond': 'Requests per second',
  'auth.user': 'User',
  'auth.name': 'Header or parameter name',
  'auth.tokenUrl': 'Token URL',
  'auth.clientId': 'Client id',
  'auth.scope': 'Scope',
  records: 'Records path',
  'pagination.offsetParam': 'Offset parameter',
  'pagination.pageSizeParam': 'Page size parameter',
  'pagination.pageSize': 'Page size',
  'pagination.limitParam': 'Limit parameter',
  'pagination.limit': 'Limit',
  'pagination.cursorPath': 'Cursor path',
  'pagination.cursorParam': 'Cursor parameter',
  'pagination.cursorBodyField': 'Cursor body field',
  'pagination.nextUrlPath': 'Next URL path',
  'pagination.hasMorePath': 'Has-more path',
  'pagination.totalPath': 'Total path',
  'pagination.maxPages': 'Max pages',
  'incremental.param': 'Incremental parameter',
};

/**
 * The control an issue's spec path stands for, by the label the form shows (`timeoutMs` is
 * "Timeout (s)"); a path without a control of its own is shown as it is.
 */
export function fieldLabel(path: string, d: Pick<Draft, 'authType' | 'pagination'>): string {
  if (path === 'pagination.start') return d.pagination === 'offset' ? 'First offset' : 'First page';
  if (path === 'pagination.param') return 'Page parameter';
  if (/^auth\.(token|password|value|clientSecret)$/.test(path)) return secretLabel(d.authType);
  return FIELD_LABELS[path] ?? path;
}

/** The label of the auth's one secret field. */
export function secretLabel(authType: AuthType): string {
  return authType === 'bearer'
    ? 'Token'
    : authType === 'basic'
      ? 'Password'
      : authType === 'apiKey'
        ? 'Key value'
        : 'Client secret';
}

/** The draft of a source (null: an empty form), the headers and fields it keeps, and its saved secret. */
export function draftOf(source: ApiSource | null): {
  draft: Draft;
  kept: KeptHeaders;
  /** Query parameters given as secret references (`{ "env": "API_KEY" }`), kept as they are. */
  keptQuery: KeptHeaders;
  extra: KeptFields;
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
  // A query parameter given as a secret reference is kept aside like a header (not shown as text).
  const keptQuery: KeptHeaders = {};
  const queryLines: string[] = [];
  for (const [name, value] of Object.entries(source?.query ?? {})) {
    if (typeof value === 'object') keptQuery[name] = value;
    else queryLines.push(`${name}=${String(value)}`);
  }
  const extra: KeptFields = {};
  if (source?.retry !== undefined) extra.retry = source.retry;
  if (source?.maxRetryWaitMs !== undefined) extra.maxRetryWaitMs = source.maxRetryWaitMs;
  // The first page or offset is shown only when it is not the default (the placeholder says it).
  const defaultStart = p.type === 'offset' ? 0 : 1;
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
      param: str(p.param ?? p.offsetParam ?? p.cursorParam ?? p.cursorBodyField),
      start: p.start === undefined || p.start === defaultStart ? '' : str(p.start),
      pageSizeParam: str(p.pageSizeParam),
      limitParam: str(p.limitParam),
      pageSize: str(p.pageSize ?? p.limit),
      cursorIn: p.cursorBodyField !== undefined ? 'body' : 'query',
      path: str(p.cursorPath ?? p.nextUrlPath),
      hasMorePath: str(p.hasMorePath),
      totalPath: str(p.totalPath),
      stopOnShortPage: p.stopOnShortPage === true,
      endOnMissingRecords: p.endOnMissingRecords === true,
      maxPages: str(p.maxPages),
      timeoutSeconds:
        source?.timeoutMs === undefined || source.timeoutMs === 60_000 ? '' : String(source.timeoutMs / 1000),
      requestsPerSecond: str(source?.rateLimit?.requestsPerSecond),
      incParam: source?.incremental?.param ?? '',
      incFormat: source?.incremental?.format ?? 'raw',
    },
    kept,
    keptQuery,
    extra,
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
 * one secret, `kept` the secret-valued headers and `extra` the fields without a control carried over;
 * `issues` are the form's own problems (the schema reports the rest).
 */
export function specOf(
  d: Draft,
  secret: SecretRef | undefined,
  kept: KeptHeaders = {},
  extra: KeptFields = {},
  keptQuery: KeptHeaders = {},
): { spec: unknown; issues: DraftIssue[] } {
  const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
  const own: DraftIssue[] = [];
  // A number field as typed: empty is the default; text that is no number, or out of the field's
  // range, is the form's issue in its own words (the schema would say "expected number, received
  // null" of a `NaN`) and leaves the field out of the spec.
  const num = (v: string, path: string, rule: NumberRule = {}) => {
    const text = v.trim();
    if (text === '') return undefined;
    const n = Number(text);
    const problem = !Number.isFinite(n)
      ? 'is not a number'
      : rule.integer && !Number.isInteger(n)
        ? 'is not a whole number'
        : rule.min !== undefined && n < rule.min
          ? `must be ${rule.min} or more`
          : rule.positive && n <= 0
            ? 'must be more than 0'
            : null;
    if (problem === null) return n;
    own.push({ path, message: `'${text.slice(0, 40)}' ${problem}` });
    return undefined;
  };
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
    maxPages: num(d.maxPages, 'pagination.maxPages', { integer: true, positive: true }),
    // Only page-number and offset pages have a size a page can fall short of.
    stopOnShortPage:
      d.stopOnShortPage && (d.pagination === 'pageNumber' || d.pagination === 'offset') ? true : undefined,
    endOnMissingRecords: d.endOnMissingRecords ? true : undefined,
  };
  let pagination: unknown = { type: 'none' };
  if (d.pagination === 'pageNumber') {
    pagination = {
      type: 'pageNumber',
      param: opt(d.param),
      start: num(d.start, 'pagination.start', { integer: true }),
      pageSizeParam: opt(d.pageSizeParam),
      pageSize: num(d.pageSize, 'pagination.pageSize', { integer: true, positive: true }),
      ...stops,
    };
    // The engine sends the page size only under a parameter name: without one the API would use its
    // own size while "a page shorter than the page size is the last" compares with this one.
    if (opt(d.pageSize) !== undefined && opt(d.pageSizeParam) === undefined) {
      own.push({
        path: 'pagination.pageSizeParam',
        message: 'a page size is sent only under its parameter: fill "Page size parameter" (e.g. per_page)',
      });
    }
  }
  if (d.pagination === 'offset') {
    pagination = {
      type: 'offset',
      offsetParam: opt(d.param),
      limitParam: opt(d.limitParam),
      limit: num(d.pageSize, 'pagination.limit', { integer: true, positive: true }),
      start: num(d.start, 'pagination.start', { integer: true, min: 0 }),
      ...stops,
    };
  }
  if (d.pagination === 'cursor') {
    const inBody = d.cursorIn === 'body';
    pagination = {
      type: 'cursor',
      cursorPath: d.path,
      cursorParam: inBody ? undefined : opt(d.param),
      cursorBodyField: inBody ? opt(d.param) : undefined,
      ...stops,
    };
    if (inBody && opt(d.param) === undefined) {
      own.push({ path: 'pagination.cursorBodyField', message: 'fill "Cursor body field"' });
    }
  }
  if (d.pagination === 'linkHeader') pagination = { type: 'linkHeader', ...stops };
  if (d.pagination === 'nextUrl') pagination = { type: 'nextUrl', nextUrlPath: d.path, ...stops };
  const headers = parseHeaderLines(d.headers);
  const query = parseQueryLines(d.query);
  const allQuery = { ...query.query, ...keptQuery };
  const body = parseBody(d.body);
  const allHeaders = { ...headers.headers, ...kept };
  const timeout = num(d.timeoutSeconds, 'timeoutMs', { positive: true });
  const rate = num(d.requestsPerSecond, 'rateLimit.requestsPerSecond', { positive: true });
  const spec = JSON.parse(
    JSON.stringify({
      kind: 'http',
      url: d.url.trim(),
      method: d.method,
      headers: Object.keys(allHeaders).length > 0 ? allHeaders : undefined,
      query: Object.keys(allQuery).length > 0 ? allQuery : undefined,
      body: body.body,
      // At least 1 ms: a positive number of seconds is a timeout, however small.
      timeoutMs: timeout === undefined ? undefined : Math.max(1, Math.round(timeout * 1000)),
      auth,
      records: opt(d.records),
      pagination,
      rateLimit: rate === undefined ? undefined : { requestsPerSecond: rate },
      incremental: opt(d.incParam) ? { param: d.incParam.trim(), format: d.incFormat } : undefined,
      ...extra,
    }),
  ) as unknown;
  return { spec, issues: [...headers.issues, ...query.issues, ...body.issues, ...own] };
}

/** Where the auth's secret is sent: the token URL for an OAuth2 client secret, else the source's URL. */
export function secretDestination(d: Draft): { url: string; path: string } {
  return d.authType === 'oauth2ClientCredentials'
    ? { url: d.tokenUrl, path: 'auth.tokenUrl' }
    : { url: d.url, path: 'url' };
}

export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * A secret reference of the form, with what it was saved for: the engine sends a saved secret only to
 * the origin it was saved for, and a token is no password, so another auth type or another server
 * needs the secret typed again (an environment variable's name goes anywhere).
 */
export interface HeldSecret {
  ref: SecretRef;
  authType: AuthType;
  origin: string | null;
}

export function usableSecret(held: HeldSecret | undefined, d: Draft): SecretRef | undefined {
  if (!held || held.authType !== d.authType) return undefined;
  return 'env' in held.ref || held.origin === originOf(secretDestination(d).url) ? held.ref : undefined;
}

import { z } from 'zod';

/**
 * Where a secret comes from: an environment variable (`{ "env": "API_TOKEN" }`, the CLI's way) or a
 * secret the app saved encrypted (`{ "secret": "<id>" }`). A secret written in clear is refused.
 */
export const secretRefSchema = z.union(
  [
    z
      .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') })
      .strict(),
    z.object({ secret: z.string().min(1) }).strict(),
  ],
  {
    error: (issue) =>
      typeof issue.input === 'string'
        ? 'a secret may not be written in clear in a job spec: use { "env": "NAME" } (an environment variable)'
        : 'must be { "env": "NAME" } or { "secret": "<id>" }',
  },
);
export type SecretRef = z.infer<typeof secretRefSchema>;

/**
 * Header names whose values are credentials: refused in clear, like the auth fields. Any name with
 * one of these words in it (`Authorization`, `X-Goog-Api-Key`, `Ocp-Apim-Subscription-Key`,
 * `X-Auth-Token`, `Cookie`, `X-Session-Id`…): when unsure it takes a header for a secret. Not
 * `Idempotency-Key`, which names a request, not a caller.
 */
export const SECRET_HEADER_RE =
  /^(?!idempotency-key$).*(?:key|token|secret|auth|passw|signature|session|cookie|credential)/i;

/**
 * Whether an http(s) URL has user info (`https://user:password@host`): Node would send it as Basic
 * auth. Pure string work, read as the WHATWG URL parser reads a special scheme: any run of `/` or
 * `\` after the scheme, the authority up to the next `/`, `\`, `?` or `#`.
 */
export function hasUserInfo(url: string): boolean {
  const text = url.replace(/[\t\n\r]/g, '').trim();
  const m = /^[a-z][a-z0-9+.-]*:[/\\]*([^/\\?#]*)/i.exec(text);
  return m !== null && m[1]!.includes('@');
}

const USER_INFO_MESSAGE =
  'a user name or password in the URL would be sent in clear (as Basic auth) and kept with the run: ' +
  'use auth: { "type": "basic", "user": "…", "password": { "env": "NAME" } } instead';

const authSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('bearer'), token: secretRefSchema }).strict(),
  z.object({ type: z.literal('basic'), user: z.string(), password: secretRefSchema }).strict(),
  z
    .object({
      type: z.literal('apiKey'),
      /** Header or query parameter name. */
      name: z.string().min(1),
      value: secretRefSchema,
      in: z.enum(['header', 'query']).default('header'),
    })
    .strict(),
  z
    .object({
      type: z.literal('oauth2ClientCredentials'),
      tokenUrl: z.url({ protocol: /^https?$/ }).refine((url) => !hasUserInfo(url), {
        message:
          'a user name or password in the token URL would be sent in clear: use clientId and clientSecret',
      }),
      clientId: z.string().min(1),
      clientSecret: secretRefSchema,
      scope: z.string().optional(),
      /** How the client authenticates to the token URL: HTTP Basic (default) or form fields. */
      clientAuth: z.enum(['basic', 'post']).default('basic'),
    })
    .strict(),
]);
export type HttpAuth = z.infer<typeof authSchema>;

/** A dotted path into a JSON body (`data.items`, `meta.next`); array indexes are numbers (`items.0`). */
const bodyPath = z
  .string()
  .min(1)
  .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path such as data.items');

/** Stop conditions every paginated style accepts (besides an empty page). */
const stopFields = {
  /** Body path of a boolean: false means this was the last page. */
  hasMorePath: bodyPath.optional(),
  /** Body path of the total number of records: stop once that many were read. */
  totalPath: bodyPath.optional(),
  /** Stop after this many pages. */
  maxPages: z.number().int().positive().optional(),
  /** A page with fewer records than the page size is the last one (off by default: many APIs cap pages). */
  stopOnShortPage: z.boolean().optional(),
  /**
   * A page after the first without the records path (no `data` key at all) is the last one, for APIs
   * that leave the key out of their final page. Off by default: such a page fails the run, since an
   * error object sent with HTTP 200 (`{"message": "rate limited"}`) would otherwise end it silently
   * with part of the records loaded. `"data": null` is an empty page either way.
   */
  endOnMissingRecords: z.boolean().optional(),
};

const paginationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('pageNumber'),
      param: z.string().min(1).default('page'),
      start: z.number().int().default(1),
      pageSizeParam: z.string().min(1).optional(),
      pageSize: z.number().int().positive().optional(),
      ...stopFields,
    })
    .strict(),
  z
    .object({
      type: z.literal('offset'),
      offsetParam: z.string().min(1).default('offset'),
      limitParam: z.string().min(1).default('limit'),
      limit: z.number().int().positive().default(100),
      start: z.number().int().min(0).default(0),
      ...stopFields,
    })
    .strict(),
  z
    .object({
      type: z.literal('cursor'),
      /** Body path of the next cursor; absent, null or '' means no next page. */
      cursorPath: bodyPath,
      /** Query parameter the cursor is sent as (default `cursor`). */
      cursorParam: z.string().min(1).optional(),
      /** Or: a field of the JSON request body (POST) the cursor is sent in. */
      cursorBodyField: z.string().min(1).optional(),
      ...stopFields,
    })
    .strict(),
  z.object({ type: z.literal('linkHeader'), ...stopFields }).strict(),
  z
    .object({
      type: z.literal('nextUrl'),
      /** Body path of the next page's URL (relative URLs resolve against the current one). */
      nextUrlPath: bodyPath,
      ...stopFields,
    })
    .strict(),
]);
export type HttpPagination = z.infer<typeof paginationSchema>;

/** Formats an incremental watermark can be sent in. */
export const INCREMENTAL_FORMATS = ['iso', 'date', 'epoch_s', 'epoch_ms', 'raw'] as const;

/** An HTTP API source: requests, auth, where the records are, pagination, faults, incremental. */
export const httpSourceSpecSchema = z
  .object({
    kind: z.literal('http'),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .refine((url) => !hasUserInfo(url), { message: USER_INFO_MESSAGE }),
    method: z.enum(['GET', 'POST']).default('GET'),
    /** Extra request headers; a credential header (Authorization, X-Api-Key, …) takes a secret reference. */
    headers: z
      .record(z.string(), z.union([z.string(), secretRefSchema]))
      .superRefine((headers, ctx) => {
        for (const [name, value] of Object.entries(headers)) {
          if (typeof value === 'string' && SECRET_HEADER_RE.test(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `header '${name}' carries a credential: use { "env": "NAME" } instead of a value in clear (or source.auth)`,
            });
          }
        }
      })
      .optional(),
    /**
     * Query parameters added to the URL; a credential (`api_key`) may be a secret reference
     * (`{ "env": "API_KEY" }`), which a saved job needs (it never stores one in clear).
     */
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), secretRefSchema])).optional(),
    /** JSON request body (POST). */
    body: z.record(z.string(), z.unknown()).optional(),
    /** Per-request timeout, until the whole body has arrived (default 60,000 ms). */
    timeoutMs: z.number().int().positive().default(60_000),
    auth: authSchema.default({ type: 'none' }),
    /** Dotted path of the records array in each response; absent: the body is the array. */
    records: bodyPath.optional(),
    pagination: paginationSchema.default({ type: 'none' }),
    retry: z
      .object({
        /** Attempts per request, the first included (default 5). */
        maxAttempts: z.number().int().min(1).max(20).default(5),
        /** First backoff (default 500 ms), doubled each attempt, with jitter. */
        baseDelayMs: z.number().int().min(0).default(500),
      })
      .strict()
      .default({ maxAttempts: 5, baseDelayMs: 500 }),
    rateLimit: z.object({ requestsPerSecond: z.number().positive() }).strict().optional(),
    /** Longest wait a 429/503 may ask for (Retry-After, RateLimit-Reset) before the run fails (default 120,000). */
    maxRetryWaitMs: z.number().int().min(0).default(120_000),
    /** Incremental loads send the stored watermark as this request parameter, in this format. */
    incremental: z
      .object({
        param: z.string().min(1),
        format: z.enum(INCREMENTAL_FORMATS).default('raw'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const p = spec.pagination;
    if (p.type === 'cursor' && p.cursorParam && p.cursorBodyField) {
      ctx.addIssue({
        code: 'custom',
        path: ['pagination', 'cursorBodyField'],
        message: 'give either cursorParam or cursorBodyField, not both',
      });
    }
    if (p.type === 'cursor' && p.cursorBodyField && spec.method !== 'POST') {
      ctx.addIssue({
        code: 'custom',
        path: ['pagination', 'cursorBodyField'],
        message: "a cursor sent in the request body needs method 'POST'",
      });
    }
    if (p.type === 'pageNumber' && p.stopOnShortPage && p.pageSize === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['pagination', 'pageSize'],
        message: 'stopOnShortPage needs the page size',
      });
    }
    if (spec.body !== undefined && spec.method !== 'POST') {
      ctx.addIssue({ code: 'custom', path: ['body'], message: "a request body needs method 'POST'" });
    }
  });
export type HttpSourceSpec = z.infer<typeof httpSourceSpecSchema>;

/**
 * A URL as it is safe to show: the user info's password and every query value replaced by `***`
 * (an API key or a signature may sit in any parameter); the fragment dropped. Pure string work
 * (no URL class in this layer); when unsure it masks more, never less.
 */
export function maskUrl(text: string): string {
  const hash = text.indexOf('#');
  const noHash = hash < 0 ? text : text.slice(0, hash);
  const q = noHash.indexOf('?');
  let base = q < 0 ? noHash : noHash.slice(0, q);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(base);
  if (scheme) {
    const rest = base.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const user = authority.slice(0, at);
      // `%3A` too: Node decodes the user name, so `bob%3Apw` is sent as user bob, password pw.
      const colon = user.search(/:|%3a/i);
      const shown = colon < 0 ? user : `${user.slice(0, colon)}:***`;
      base = `${scheme[0]}${shown}${authority.slice(at)}${slash < 0 ? '' : rest.slice(slash)}`;
    }
  }
  if (q < 0) return base;
  const query = noHash
    .slice(q + 1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return `${eq < 0 ? part : part.slice(0, eq)}=***`;
    })
    .join('&');
  return query === '' ? base : `${base}?${query}`;
}

/** Query parameters that carry credentials by their name (`api_key`, `access_token`, `sig`…). */
const SECRET_PARAM_RE = /key|token|secret|password|passwd|sig|auth|credential/i;

/** Whether a query parameter's name says it carries a credential (`api_key`, `access_token`, `sig`…). */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM_RE.test(name);
}

/**
 * A URL as it may be stored (a run's spec, a watermark's name): the user info's password and the
 * values of credential-like query parameters replaced by `***`; other parameters kept, since they
 * say what is read (`?region=eu`). Pure string work.
 */
export function maskUrlSecrets(text: string): string {
  const hash = text.indexOf('#');
  const noHash = hash < 0 ? text : text.slice(0, hash);
  const q = noHash.indexOf('?');
  const base = maskUrl(q < 0 ? noHash : noHash.slice(0, q));
  if (q < 0) return base;
  const query = noHash
    .slice(q + 1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      return SECRET_PARAM_RE.test(decodeURIComponentSafe(key)) ? `${key}=***` : part;
    })
    .join('&');
  return query === '' ? base : `${base}?${query}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Query parameter names that surely carry a credential (`api_key`, `token`, `sig`…), by their whole
 * name: a value written in clear under one of them, 8 characters or longer, is scrubbed from every
 * text a run shows (wherever it appears), and a saved job refuses it. Narrower than `isSecretParam`
 * (which masks a stored spec's values when unsure): `keyword=shoes` and `page_token=…` are data.
 */
export const CLEAR_CREDENTIAL_PARAM =
  /^(?:x[-_]?)?(?:api[-_]?key|apikey|key|access[-_]?key|access[-_]?token|auth[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|sig|signature|session[-_]?token|private[-_]?key|subscription[-_]?key)$/i;
/** A value shorter than this is not taken for a credential written in clear (`1234`, `true`). */
export const MIN_CLEAR_CREDENTIAL = 8;

/** The credentials an HTTP source has in clear: `[where, name, value]` for each, in `url` and `query`. */
export function clearCredentials(spec: {
  url: string;
  query?: Record<string, unknown> | undefined;
}): { where: 'url' | 'query'; name: string; value: string }[] {
  const found: { where: 'url' | 'query'; name: string; value: string }[] = [];
  const take = (where: 'url' | 'query', name: string, value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const text = String(value);
    if (CLEAR_CREDENTIAL_PARAM.test(name) && text.length >= MIN_CLEAR_CREDENTIAL)
      found.push({ where, name, value: text });
  };
  // The URL's query string, read as URLSearchParams reads it (`+` a space), by string work: this
  // module has no URL class (browser-safe, no DOM types).
  const noHash = spec.url.split('#')[0]!;
  const q = noHash.indexOf('?');
  if (q >= 0) {
    for (const part of noHash.slice(q + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const decode = decodeURIComponentSafe;
      take('url', decode(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : decode(part.slice(eq + 1)));
    }
  }
  for (const [name, value] of Object.entries(spec.query ?? {})) take('query', name, value);
  return found;
}

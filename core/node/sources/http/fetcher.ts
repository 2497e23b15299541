import { LoadstoneError } from '../../../common/errors.ts';
import { type HttpSourceSpec, maskUrl } from '../../../common/spec/http-source.ts';
import { type Authenticator, sleep } from './auth.ts';
import { bodyHead, type HttpResponse, send, TransportFailure } from './http-client.ts';
import type { Secrets } from './secrets.ts';

/** A page request before credentials are added. */
export interface PageRequest {
  readonly url: URL;
  readonly body?: string | undefined;
}

/** Something worth telling the operator and keeping with the run (a retry, a wait). */
export interface SourceEvent {
  readonly kind: 'retry' | 'rate_limited' | 'token_refreshed';
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

/** A successful response and the request as it is safe to show. */
export interface FetchedPage {
  readonly response: HttpResponse;
  /** The URL requested, secrets masked. */
  readonly shownUrl: string;
  readonly method: string;
}

/**
 * Sends page requests under the source's policy: credentials, `rateLimit` spacing, retries with
 * exponential backoff and full jitter on 5xx/408/transport failures (`retry.maxAttempts`), 429/503
 * waits from Retry-After / RateLimit-Reset / X-RateLimit-Reset up to `maxRetryWaitMs`, one token
 * refresh on a 401 (OAuth2). Every retry and wait is reported through `onEvent`.
 */
export class Fetcher {
  private nextSlot = 0;
  /** Requests sent (attempts included). */
  requests = 0;

  constructor(
    private readonly spec: HttpSourceSpec,
    private readonly auth: Authenticator,
    private readonly secrets: Secrets,
    private readonly onEvent: (event: SourceEvent) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The URL as it is safe to show. */
  shown(url: URL | string): string {
    return this.secrets.scrub(maskUrl(String(url)));
  }

  /** Records a failed attempt and waits before the next one; throws when none is left. */
  async backoff(
    attempt: number,
    shownUrl: string,
    problem: string,
    fatal: () => LoadstoneError,
  ): Promise<void> {
    const max = this.spec.retry.maxAttempts;
    if (attempt >= max) throw fatal();
    const base = this.spec.retry.baseDelayMs * 2 ** (attempt - 1);
    const wait = Math.round(Math.random() * Math.min(base, 30_000) + base / 2);
    this.onEvent({
      kind: 'retry',
      message: `${shownUrl}: ${problem}; retrying in ${wait} ms (attempt ${attempt + 1} of ${max})`,
      data: { url: shownUrl, attempt: attempt + 1, maxAttempts: max, waitMs: wait, problem },
    });
    await sleep(wait, this.signal);
    this.checkAborted();
  }

  /** Opens one page: a 2xx response whose body the caller streams. */
  async open(page: PageRequest): Promise<FetchedPage> {
    let shownUrl = this.shown(page.url);
    const origin = new URL(this.spec.url).origin;
    if (page.url.origin !== origin) {
      // A next-page URL from the body or a Link header: credentials and headers go only to the
      // origin they were given for (as on a redirect), never to one a response names.
      throw new LoadstoneError(
        'SOURCE_HTTP',
        `${this.spec.method} ${shownUrl}: the next page is on another origin than source.url (${origin}); ` +
          'credentials and headers are sent only there, so the run stops before requesting it',
        { details: { url: shownUrl, origin } },
      );
    }
    let refreshed = false;
    let target = page.url;
    let method = this.spec.method;
    let body = page.body;
    let redirects = 0;
    for (let attempt = 1; ; attempt++) {
      this.checkAborted();
      await this.space();
      const applied = await this.auth.apply(this.signal);
      const url = new URL(target);
      for (const [k, v] of Object.entries(applied.query)) url.searchParams.set(k, v);
      const headers: Record<string, string> = { ...this.staticHeaders(), ...applied.headers };
      let res: HttpResponse;
      this.requests++;
      try {
        res = await send({
          url,
          method,
          headers,
          body,
          timeoutMs: this.spec.timeoutMs,
          signal: this.signal,
        });
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        this.checkAborted();
        await this.backoff(attempt, shownUrl, error.message, () =>
          this.unreachable(shownUrl, attempt, error.message),
        );
        continue;
      }
      const status = res.status;
      if (status >= 200 && status < 300) return { response: res, shownUrl, method };
      const location = headerText(res.headers.location);
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        res.discard();
        const next = new URL(location, url);
        // Credentials go to the origin they were given for, never to another one.
        if (next.origin !== url.origin || ++redirects > 5) {
          throw new LoadstoneError(
            'SOURCE_HTTP',
            `${method} ${shownUrl}: HTTP ${status}: ${redirects > 5 ? 'too many redirects' : `redirected to another origin (${this.shown(next)})`}; ` +
              'set source.url to where the API is',
            { details: { status, url: shownUrl } },
          );
        }
        for (const [k] of Object.entries(applied.query)) next.searchParams.delete(k);
        target = next;
        shownUrl = this.shown(next);
        if (status === 303) {
          method = 'GET';
          body = undefined;
        }
        attempt--;
        continue;
      }
      if (status === 401 && this.auth.canRefresh && !refreshed) {
        res.discard();
        refreshed = true;
        await this.auth.refresh(applied.token, this.signal);
        this.onEvent({
          kind: 'token_refreshed',
          message: `${shownUrl}: HTTP 401, a new access token was fetched and the page is requested again`,
          data: { url: shownUrl, status },
        });
        attempt--; // the replay after a refresh is not a failed attempt
        continue;
      }
      if (status === 401 || status === 403) {
        const head = this.secrets.scrub(await bodyHead(res));
        throw new LoadstoneError(
          'SOURCE_AUTH',
          `${method} ${shownUrl}: HTTP ${status}: the credentials were refused${head ? `: ${head}` : ''}`,
          { details: { status, url: shownUrl } },
        );
      }
      if (status === 429 || status === 503) {
        const wait = waitFromHeaders(res.headers, Date.now());
        const head = this.secrets.scrub(await bodyHead(res));
        if (wait !== undefined) {
          if (wait > this.spec.maxRetryWaitMs) {
            const when = new Date(Date.now() + wait).toISOString();
            throw new LoadstoneError(
              'SOURCE_UNREACHABLE',
              `${method} ${shownUrl}: HTTP ${status}: the API asks to wait ${Math.ceil(wait / 1000)} s, more than ` +
                `maxRetryWaitMs (${this.spec.maxRetryWaitMs} ms); retry after ${when}`,
              { details: { status, url: shownUrl, retryAfter: when } },
            );
          }
          if (attempt >= this.spec.retry.maxAttempts)
            throw this.unreachable(shownUrl, attempt, `HTTP ${status}`);
          this.onEvent({
            kind: 'rate_limited',
            message: `${shownUrl}: HTTP ${status}, waiting ${wait} ms as the API asks (attempt ${attempt + 1} of ${this.spec.retry.maxAttempts})`,
            data: { url: shownUrl, status, waitMs: wait, attempt: attempt + 1 },
          });
          await sleep(wait, this.signal);
          continue;
        }
        await this.backoff(attempt, shownUrl, `HTTP ${status}`, () =>
          this.unreachable(shownUrl, attempt, `HTTP ${status}${head ? `: ${head}` : ''}`),
        );
        continue;
      }
      if (status >= 500 || status === 408) {
        const head = this.secrets.scrub(await bodyHead(res));
        await this.backoff(attempt, shownUrl, `HTTP ${status}`, () =>
          this.unreachable(shownUrl, attempt, `HTTP ${status}${head ? `: ${head}` : ''}`),
        );
        continue;
      }
      const head = this.secrets.scrub(await bodyHead(res));
      throw new LoadstoneError(
        'SOURCE_HTTP',
        `${method} ${shownUrl}: HTTP ${status}${head ? `: ${head}` : ''}`,
        { details: { status, url: shownUrl } },
      );
    }
  }

  /** The spec's headers with secret references resolved. */
  private staticHeaders(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.spec.headers ?? {})) {
      out[name.toLowerCase()] =
        typeof value === 'string' ? value : this.secrets.resolve(value, `source.headers.${name}`);
    }
    return out;
  }

  /** Spaces requests by `rateLimit.requestsPerSecond`. */
  private async space(): Promise<void> {
    const rps = this.spec.rateLimit?.requestsPerSecond;
    if (!rps) return;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / rps;
    await sleep(at - now, this.signal);
  }

  unreachable(shownUrl: string, attempts: number, problem: string): LoadstoneError {
    return new LoadstoneError(
      'SOURCE_UNREACHABLE',
      `${this.spec.method} ${shownUrl}: ${problem} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      { details: { url: shownUrl, attempts } },
    );
  }

  checkAborted(): void {
    if (this.signal?.aborted) throw new LoadstoneError('LOAD_CANCELLED', 'the load was cancelled');
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long a 429/503 asks to wait, in ms: Retry-After (seconds or an HTTP date), else
 * RateLimit-Reset / X-RateLimit-Reset (seconds to wait, or an epoch second when it is that large).
 */
export function waitFromHeaders(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): number | undefined {
  const first = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const retryAfter = first('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = (first('ratelimit-reset') ?? first('x-ratelimit-reset'))?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    // Above a billion it is an epoch time (seconds), not a delay.
    return n > 1e9 ? Math.max(0, Math.ceil(n * 1000 - now)) : Math.ceil(n * 1000);
  }
  return undefined;
}

import { LoadstoneError } from '../../../common/errors.ts';
import { type HttpSourceSpec, maskUrl } from '../../../common/spec/http-source.ts';
import { sleep } from '../../runtime/sleep.ts';
import { type Authenticator, cancelled } from './auth.ts';
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
  /** The URL the page came from, after any redirect (a relative next-page URL resolves against it). */
  readonly url: URL;
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
    // A request cut short by a cancel is no failure to retry (nor to report as one).
    this.checkAborted();
    const max = this.spec.retry.maxAttempts;
    if (attempt >= max) throw fatal();
    const wait = backoffDelay(attempt, this.spec.retry.baseDelayMs);
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
    if (page.url.username !== '' || page.url.password !== '') {
      // A next-page URL with user info: Node would send it as Basic auth, a credential the spec
      // never gave. (source.url itself cannot have one: the spec refuses it.)
      throw new LoadstoneError(
        'SOURCE_HTTP',
        `${this.spec.method} ${shownUrl}: the next page's URL carries a user name or password; ` +
          'credentials come only from source.auth, so the run stops before requesting it',
        { details: { url: shownUrl } },
      );
    }
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
        if (error.reason === 'protocol') {
          // The same server would answer the same way: no retry.
          throw new LoadstoneError('SOURCE_HTTP', `${method} ${shownUrl}: ${error.message}`, {
            details: { url: shownUrl },
          });
        }
        await this.backoff(attempt, shownUrl, error.message, () =>
          this.unreachable(shownUrl, attempt, error.message),
        );
        continue;
      }
      const status = res.status;
      if (status >= 200 && status < 300) return { response: res, shownUrl, method, url: target };
      const location = headerText(res.headers.location);
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        res.discard();
        const next = new URL(location, url);
        if (next.username !== '' || next.password !== '') {
          // Node would send a redirect's user info as Basic auth: credentials come from source.auth only.
          throw new LoadstoneError(
            'SOURCE_HTTP',
            `${method} ${shownUrl}: HTTP ${status}: redirected to a URL with a user name or password (${this.shown(next)}); credentials come only from source.auth`,
            { details: { status, url: shownUrl } },
          );
        }
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
        const now = Date.now();
        const asked = waitFromHeaders(res.headers, now);
        const head = this.secrets.scrub(await bodyHead(res));
        if (asked.ms !== undefined) {
          if (asked.ms > this.spec.maxRetryWaitMs) {
            const when = retryAt(now, asked.ms);
            throw new LoadstoneError(
              'SOURCE_UNREACHABLE',
              `${method} ${shownUrl}: HTTP ${status}: the API asks to wait ${seconds(asked.ms)} (${asked.from}), more than ` +
                `maxRetryWaitMs (${this.spec.maxRetryWaitMs} ms); retry after ${when}`,
              { details: { status, url: shownUrl, retryAfter: when } },
            );
          }
          if (attempt >= this.spec.retry.maxAttempts)
            throw this.unreachable(shownUrl, attempt, `HTTP ${status}`);
          this.checkAborted();
          // Never sooner than the backoff for this attempt: a time already past (or 0) asks for no
          // wait at all, and retrying at once would burst every attempt within milliseconds.
          const wait = Math.max(asked.ms, backoffDelay(attempt, this.spec.retry.baseDelayMs));
          const why =
            wait === asked.ms
              ? `waiting ${wait} ms as the API asks (${asked.from})`
              : `the API asks ${asked.ms === 0 ? 'to retry at once' : `to wait ${asked.ms} ms`} (${asked.from}); waiting ${wait} ms, the backoff for this attempt`;
          this.onEvent({
            kind: 'rate_limited',
            message: `${shownUrl}: HTTP ${status}, ${why} (attempt ${attempt + 1} of ${this.spec.retry.maxAttempts})`,
            data: { url: shownUrl, status, waitMs: wait, askedMs: asked.ms, attempt: attempt + 1 },
          });
          await sleep(wait, this.signal);
          continue;
        }
        const ignored = asked.ignored.length > 0 ? ` (${asked.ignored.join('; ')})` : '';
        await this.backoff(attempt, shownUrl, `HTTP ${status}${ignored}`, () =>
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
        typeof value === 'string'
          ? value
          : this.secrets.resolve(value, `source.headers.${name}`, this.spec.url);
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
    if (this.signal?.aborted) throw cancelled();
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Longest single wait between two attempts: the exponential backoff grows up to here and no further. */
export const MAX_BACKOFF_MS = 60_000;

/**
 * The wait after failed attempt `attempt` (1 = the first request): `baseDelayMs` doubled per attempt,
 * with jitter, between a third and all of 1.5× that (baseDelayMs/2 … 1.5×baseDelayMs after the first
 * attempt), the ceiling itself capped at MAX_BACKOFF_MS, so a wait never exceeds 60 s and waits at the
 * cap are still spread (20–60 s).
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(baseDelayMs * 2 ** (attempt - 1) * 1.5, MAX_BACKOFF_MS);
  return Math.round(ceiling / 3 + (random() * ceiling * 2) / 3);
}

/** A wait in whole seconds (beyond 2^53 ms a number no longer holds every digit). */
function seconds(ms: number): string {
  return ms <= Number.MAX_SAFE_INTEGER
    ? `${Math.ceil(ms / 1000)} s`
    : `more than ${Math.floor(Number.MAX_SAFE_INTEGER / 1000)} s`;
}

/** Latest instant a Date can hold (ms since epoch). */
const MAX_DATE_MS = 8.64e15;

/** When to retry, as an ISO time, for a wait however large (a Date past year 275760 is invalid). */
function retryAt(now: number, waitMs: number): string {
  return new Date(Math.min(now + waitMs, MAX_DATE_MS)).toISOString();
}

/** How long a 429/503 asks to wait. */
export interface AskedWait {
  /** ms to wait (0 for a time already past); undefined when no header gives a usable value. */
  readonly ms: number | undefined;
  /** The header and value it came from, for messages. */
  readonly from?: string;
  /** Headers present but not usable, each with its value and why, for the retry event. */
  readonly ignored: string[];
}

const DAY_MS = 86_400_000;
/**
 * A reset value is taken as an epoch time (s or ms) only this close to now: a little in the past
 * (clocks drift), up to a month ahead (daily and monthly quotas).
 */
const EPOCH_PAST_MS = DAY_MS;
const EPOCH_AHEAD_MS = 31 * DAY_MS;
/** Reset values below this are delta-seconds (as epoch seconds it would be before 2001-09-09). */
const DELTA_SECONDS_BELOW = 1e9;

/**
 * How long a 429/503 asks to wait, in ms, read from (in this order):
 * - `Retry-After`: non-negative delta-seconds (decimals accepted), or an HTTP-date (IMF-fixdate,
 *   RFC 850 or asctime form); a date already past is 0. Anything else (`-1`, `soon`, a date V8
 *   would guess at) is ignored.
 * - `RateLimit-Reset`, then `X-RateLimit-Reset`: a non-negative number read as
 *   - delta-seconds when below 1e9;
 *   - epoch seconds when, as such, it falls between a day ago and 31 days ahead (past: 0);
 *   - epoch milliseconds when, as such, it falls in that same window (past: 0);
 *   - anything else (negative, text, an epoch far from now) is ignored.
 * The first usable header wins. A wait however large is kept (one of 300 digits is held at
 * Number.MAX_VALUE, not Infinity); the caller compares it with `maxRetryWaitMs`. `ms` undefined: no
 * usable header, so the caller uses its exponential backoff.
 */
export function waitFromHeaders(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): AskedWait {
  const ignored: string[] = [];
  const first = (name: string): string | undefined => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim();
  };
  const clamp = (ms: number): number => Math.min(Math.max(0, Math.ceil(ms)), Number.MAX_VALUE);
  const retryAfter = first('retry-after');
  if (retryAfter) {
    const from = `Retry-After: ${retryAfter}`;
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return { ms: clamp(Number(retryAfter) * 1000), from, ignored };
    const at = parseHttpDate(retryAfter);
    if (at !== undefined) return { ms: clamp(at - now), from, ignored };
    ignored.push(`Retry-After "${shortValue(retryAfter)}" ignored: neither seconds nor an HTTP date`);
  }
  for (const name of ['ratelimit-reset', 'x-ratelimit-reset']) {
    const value = first(name);
    if (!value) continue;
    const shownName = name === 'ratelimit-reset' ? 'RateLimit-Reset' : 'X-RateLimit-Reset';
    const from = `${shownName}: ${value}`;
    if (/^\d+(\.\d+)?$/.test(value)) {
      const n = Number(value);
      const near = (at: number): boolean => at >= now - EPOCH_PAST_MS && at <= now + EPOCH_AHEAD_MS;
      if (n < DELTA_SECONDS_BELOW) return { ms: clamp(n * 1000), from, ignored };
      if (near(n * 1000)) return { ms: clamp(n * 1000 - now), from, ignored };
      if (near(n)) return { ms: clamp(n - now), from, ignored };
    }
    ignored.push(
      `${shownName} "${shortValue(value)}" ignored: not seconds to wait, nor an epoch time (s or ms) near now`,
    );
  }
  return { ms: undefined, ignored };
}

function shortValue(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850_DATE = new RegExp(`^${DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} +(\\d{1,2}) ${TIME} (\\d{4})$`, 'i');

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms) as ms since
 * epoch; undefined for anything else. `Date.parse` is not used: V8 reads "-1" or "5 days" as dates.
 */
export function parseHttpDate(text: string): number | undefined {
  const value = text.replace(/\s+/g, ' ').trim();
  let day: string;
  let month: string;
  let year: number;
  let time: [string, string, string];
  let m = IMF_FIXDATE.exec(value);
  if (m) {
    [day, month, year, time] = [m[1]!, m[2]!, Number(m[3]), [m[4]!, m[5]!, m[6]!]];
  } else if ((m = RFC850_DATE.exec(value))) {
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
    const yy = Number(m[3]);
    const thisYear = new Date().getUTCFullYear();
    year = 2000 + yy > thisYear + 50 ? 1900 + yy : 2000 + yy;
    [day, month, time] = [m[1]!, m[2]!, [m[4]!, m[5]!, m[6]!]];
  } else if ((m = ASCTIME_DATE.exec(value))) {
    [month, day, year, time] = [m[1]!, m[2]!, Number(m[6]), [m[3]!, m[4]!, m[5]!]];
  } else return undefined;
  const mo = MONTHS.indexOf(month.toLowerCase());
  const [d, h, mi, s] = [Number(day), Number(time[0]), Number(time[1]), Number(time[2])];
  const at = Date.UTC(year, mo, d, h, mi, s);
  const check = new Date(at);
  // Date.UTC rolls 31 Feb over to March: a field out of range is no date.
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo || check.getUTCHours() !== h) return undefined;
  if (check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) return undefined;
  return at;
}

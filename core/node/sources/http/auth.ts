import { LoadstoneError } from '../../../common/errors.ts';
import type { HttpAuth } from '../../../common/spec/http-source.ts';
import { maskUrl } from '../../../common/spec/http-source.ts';
import { sleep } from '../../runtime/sleep.ts';
import type { SourceEvent } from './fetcher.ts';
import { bodyHead, send, TransportFailure } from './http-client.ts';
import type { Secrets } from './secrets.ts';

/** What a request carries for its credentials. */
export interface AppliedAuth {
  readonly headers: Record<string, string>;
  readonly query: Record<string, string>;
  /** The OAuth2 access token used, to refresh only once when overlapping requests get a 401. */
  readonly token?: string;
}

interface CachedToken {
  readonly value: string;
  /** ms since epoch; Infinity when the server gave no lifetime. */
  readonly expiresAt: number;
  /** Refresh from here on: a safety margin before it expires. */
  readonly refreshAt: number;
}

/**
 * Credentials of one run: static ones resolved once; an OAuth2 client-credentials token fetched on
 * first use, cached, refreshed before it expires (a margin of a fifth of its life, at most 60 s) and
 * once after a 401, with one shared refresh when requests overlap.
 */
export class Authenticator {
  private readonly fixed: { headers: Record<string, string>; query: Record<string, string> };
  private token: CachedToken | undefined;
  private refreshing: Promise<CachedToken> | undefined;
  private clientSecret: string | undefined;
  /** Token requests made (for tests and the preview). */
  tokenRequests = 0;
  /** Told of each retry of the token request (shown in progress and recorded with the run). */
  onEvent: ((event: SourceEvent) => void) | undefined;

  constructor(
    private readonly auth: HttpAuth,
    private readonly secrets: Secrets,
    /** The source's URL: where its token, password or API key goes (a client secret: the token URL). */
    sourceUrl: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.fixed = { headers: {}, query: {} };
    switch (auth.type) {
      case 'bearer': {
        const token = secrets.resolve(auth.token, 'source.auth.token', sourceUrl);
        this.fixed.headers.authorization = `Bearer ${token}`;
        break;
      }
      case 'basic': {
        const password = secrets.resolve(auth.password, 'source.auth.password', sourceUrl);
        const header = `Basic ${Buffer.from(`${auth.user}:${password}`).toString('base64')}`;
        secrets.remember(header.slice(6));
        this.fixed.headers.authorization = header;
        break;
      }
      case 'apiKey': {
        const value = secrets.resolve(auth.value, 'source.auth.value', sourceUrl);
        if (auth.in === 'query') this.fixed.query[auth.name] = value;
        else this.fixed.headers[auth.name.toLowerCase()] = value;
        break;
      }
      case 'oauth2ClientCredentials':
        this.clientSecret = secrets.resolve(auth.clientSecret, 'source.auth.clientSecret', auth.tokenUrl);
        break;
      default:
        break;
    }
  }

  /** The credentials for the next request (fetching or refreshing an OAuth2 token when due). */
  async apply(signal?: AbortSignal): Promise<AppliedAuth> {
    if (this.auth.type !== 'oauth2ClientCredentials') return this.fixed;
    let token = this.token;
    if (!token || this.now() >= token.refreshAt) token = await this.refresh(token?.value, signal);
    return { headers: { authorization: `Bearer ${token.value}` }, query: {}, token: token.value };
  }

  /** Whether a 401 can be answered by a new token (OAuth2 only). */
  get canRefresh(): boolean {
    return this.auth.type === 'oauth2ClientCredentials';
  }

  /**
   * A new token after a 401 with `used`; requests that overlap share one refresh, and a request
   * whose token was already replaced just takes the new one.
   */
  async refresh(used: string | undefined, signal?: AbortSignal): Promise<CachedToken> {
    if (this.token && this.token.value !== used && this.now() < this.token.refreshAt) return this.token;
    this.refreshing ??= this.fetchToken(signal).finally(() => {
      this.refreshing = undefined;
    });
    this.token = await this.refreshing;
    return this.token;
  }

  /** After failed token attempt `attempt` (of TOKEN_ATTEMPTS): reports the retry and waits, unless it was the last. */
  private async retryWait(
    attempt: number,
    where: string,
    problem: string,
    signal?: AbortSignal,
  ): Promise<void> {
    if (attempt >= TOKEN_ATTEMPTS) return;
    const wait = 250 * 2 ** attempt;
    this.onEvent?.({
      kind: 'retry',
      message: `the token URL ${where}: ${problem}; retrying in ${wait} ms (attempt ${attempt + 1} of ${TOKEN_ATTEMPTS})`,
      data: { url: where, attempt: attempt + 1, maxAttempts: TOKEN_ATTEMPTS, waitMs: wait, problem },
    });
    await sleep(wait, signal);
    if (signal?.aborted) throw cancelled();
  }

  private async fetchToken(signal?: AbortSignal): Promise<CachedToken> {
    const auth = this.auth;
    if (auth.type !== 'oauth2ClientCredentials') throw new Error('not an OAuth2 source');
    const secret = this.clientSecret!;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (auth.clientAuth === 'post') {
      form.set('client_id', auth.clientId);
      form.set('client_secret', secret);
    } else {
      const basic = Buffer.from(
        `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(secret)}`,
      ).toString('base64');
      this.secrets.remember(basic);
      headers.authorization = `Basic ${basic}`;
    }
    const where = maskUrl(auth.tokenUrl);
    this.tokenRequests++;
    let lastProblem = '';
    for (let attempt = 1; attempt <= TOKEN_ATTEMPTS; attempt++) {
      try {
        const res = await send({
          url: new URL(auth.tokenUrl),
          method: 'POST',
          headers,
          body: form.toString(),
          timeoutMs: this.timeoutMs,
          signal,
        });
        if (res.status >= 500 || res.status === 429 || res.status === 408) {
          // Busy or rate-limited, not a refusal of the credentials: tried again.
          lastProblem = `HTTP ${res.status}`;
          res.discard();
          await this.retryWait(attempt, where, lastProblem, signal);
          continue;
        }
        if (res.status < 200 || res.status >= 300) {
          const head = this.secrets.scrub(await bodyHead(res));
          throw new LoadstoneError(
            'SOURCE_AUTH',
            `the token URL ${where} refused the client credentials (credentials were refused: HTTP ${res.status}): ${head}`,
            { details: { status: res.status, url: where } },
          );
        }
        const parts: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.chunks()) {
          size += chunk.length;
          if (size > MAX_TOKEN_RESPONSE_BYTES) {
            res.discard();
            throw new LoadstoneError(
              'SOURCE_AUTH',
              `the token URL ${where} answered with more than ${MAX_TOKEN_RESPONSE_BYTES / 1024} KB; expected a small JSON object with an access_token`,
            );
          }
          parts.push(chunk);
        }
        let body: { access_token?: unknown; expires_in?: unknown };
        try {
          body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
        } catch {
          throw new LoadstoneError('SOURCE_AUTH', `the token URL ${where} did not answer with JSON`);
        }
        if (typeof body.access_token !== 'string' || body.access_token === '') {
          throw new LoadstoneError('SOURCE_AUTH', `the token URL ${where} answered without an access_token`);
        }
        this.secrets.remember(body.access_token);
        const life = Number(body.expires_in);
        const now = this.now();
        if (!Number.isFinite(life) || life <= 0) {
          return { value: body.access_token, expiresAt: Infinity, refreshAt: Infinity };
        }
        const margin = Math.min(60_000, life * 200); // a fifth of the lifetime, in ms
        return {
          value: body.access_token,
          expiresAt: now + life * 1000,
          refreshAt: now + life * 1000 - margin,
        };
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        // A request cut short by a cancel is not a failure to try again.
        if (signal?.aborted) throw cancelled();
        if (error.reason === 'protocol') {
          throw new LoadstoneError('SOURCE_AUTH', `the token URL ${where}: ${error.message}`, {
            details: { url: where },
          });
        }
        lastProblem = error.message;
        await this.retryWait(attempt, where, lastProblem, signal);
      }
    }
    throw new LoadstoneError(
      'SOURCE_UNREACHABLE',
      `the token URL ${where} could not be reached after ${TOKEN_ATTEMPTS} attempts: ${lastProblem}`,
      { details: { url: where } },
    );
  }
}

/** A token answer bigger than this is not a token answer (it is read whole, so it is bounded). */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** The error a cancelled read ends with (the token request's and the pages'). */
export const cancelled = () => new LoadstoneError('LOAD_CANCELLED', 'the load was cancelled');

/** Tries of a token request before the run fails (5xx, 408, 429, transport failures). */
const TOKEN_ATTEMPTS = 3;

import { type HttpSourceSpec, SECRET_HEADER_RE } from '../../../common/spec/http-source.ts';
import { JsonNumber, JsonText, type JsonValue, type RawValue } from '../../../common/types.ts';
import { RecordItem } from '../json/json-record.ts';
import { scrubJson } from '../scrub.ts';
import type { OpenSourceOptions } from '../types.ts';
import { Authenticator } from './auth.ts';
import { Fetcher } from './fetcher.ts';
import { incrementalValue } from './incremental.ts';
import { streamPage } from './page-stream.ts';
import { Paginator } from './paginator.ts';
import { Secrets } from './secrets.ts';

/** What one request to an API gave, as it is safe to show. */
export interface TestRequestResult {
  /** `GET https://…?cursor=***` */
  readonly request: string;
  readonly status: number;
  /** Response headers, credential-like values masked. */
  readonly headers: [string, string][];
  /** Records in the first page. */
  readonly recordCount: number;
  /** The first records (at most `limit`), numbers as their exact text where JS would change them. */
  readonly records: Record<string, JsonValue>[];
  /**
   * The same records as one JSON array's text, every number as the API wrote it (`12.50`, not the
   * string `"12.50"` that `records` must use), echoed credentials scrubbed: what the form shows.
   */
  readonly recordsJson: string;
  /** Where the next page would come from, or why there is none. */
  readonly next: string;
  /** Retries and waits on the way. */
  readonly events: string[];
}

/** Response headers whose values are never shown. */
const HIDDEN_RESPONSE_HEADERS = /^(set-cookie|www-authenticate|proxy-authenticate)$/i;

/** Attempts a test request makes at most: the operator is waiting on it, without a Cancel. */
export const TEST_REQUEST_MAX_ATTEMPTS = 2;
/** Longest wait for a rate limit (Retry-After…) a test request takes before it says so. */
export const TEST_REQUEST_MAX_WAIT_MS = 10_000;

/**
 * Requests the first page of an API source as the load would (credentials, retries), reads its
 * records, and says where the next page would come from. Nothing is recorded. It gives up sooner
 * than a load: at most two attempts and a 10 s rate-limit wait (five attempts of a 60 s timeout
 * kept the form on "Requesting the first page…" for five minutes), the failure saying as much.
 * @throws LoadstoneError as a load's first request would (SOURCE_UNREACHABLE, SOURCE_AUTH, …).
 */
export async function testRequest(
  given: HttpSourceSpec,
  opts: Pick<OpenSourceOptions, 'env' | 'secret' | 'signal' | 'incremental'>,
  limit = 5,
): Promise<TestRequestResult> {
  const spec: HttpSourceSpec = {
    ...given,
    retry: { ...given.retry, maxAttempts: Math.min(given.retry.maxAttempts, TEST_REQUEST_MAX_ATTEMPTS) },
    maxRetryWaitMs: Math.min(given.maxRetryWaitMs, TEST_REQUEST_MAX_WAIT_MS),
  };
  const secrets = new Secrets({ env: opts.env, secret: opts.secret });
  secrets.rememberClearCredentials(spec);
  const events: string[] = [];
  const auth = new Authenticator(spec.auth, secrets, spec.url, spec.timeoutMs);
  const report = (e: { message: string }) => events.push(secrets.scrub(e.message));
  auth.onEvent = report;
  const fetcher = new Fetcher(spec, auth, secrets, report, opts.signal);
  const extra: Record<string, string> = {};
  if (opts.incremental && spec.incremental) {
    extra[spec.incremental.param] = incrementalValue(opts.incremental.after, spec.incremental.format);
  }
  // Query parameters given as secret references go out resolved.
  const paginator = new Paginator(secrets.withResolvedQuery(spec), extra);
  const first = paginator.first();
  const fetched = await fetcher.open(first);
  const records: Record<string, JsonValue>[] = [];
  const texts: string[] = [];
  const body = streamPage(
    fetched,
    {
      page: 1,
      lineBefore: 0,
      emittedUpTo: 0,
      records: spec.records,
      watch: paginator.watchPaths(),
      columns: undefined,
      mustHaveRecords: true,
      secrets,
    },
    opts.signal,
  );
  let step = await body.next();
  const take = (items: readonly unknown[]): void => {
    for (const item of items) {
      // A record is the API's data, shown here: an echoed credential in it is scrubbed.
      if (records.length < limit && item instanceof RecordItem) {
        records.push(scrubJson(asJson(item), (text) => secrets.scrub(text)) as Record<string, JsonValue>);
        texts.push(secrets.scrub(exactJson(item)));
      }
    }
  };
  while (!step.done) {
    take(step.value);
    step = await body.next();
  }
  const end = step.value;
  take(end.tail);
  const next = paginator.next({
    records: end.records,
    captured: end.router.captured,
    link: [fetched.response.headers.link].flat().filter(Boolean).join(', ') || undefined,
    url: first.url,
    digest: end.digest,
    shownUrl: fetched.shownUrl,
  });
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(fetched.response.headers)) {
    const text = Array.isArray(value) ? value.join(', ') : String(value ?? '');
    const hidden = HIDDEN_RESPONSE_HEADERS.test(name) || SECRET_HEADER_RE.test(name);
    headers.push([name, hidden ? '***' : secrets.scrub(name === 'link' ? maskLinks(text, fetcher) : text)]);
  }
  return {
    request: `${fetched.method} ${fetched.shownUrl}`,
    status: fetched.response.status,
    headers,
    recordCount: end.records,
    records,
    recordsJson: `[${texts.join(',')}]`,
    next: next.request ? `${next.how}: ${fetcher.shown(next.request.url)}` : `no next page (${next.how})`,
    events,
  };
}

/** A Link header with each URL masked. */
function maskLinks(text: string, fetcher: Fetcher): string {
  return text.replace(/<([^>]*)>/g, (_, url: string) => `<${fetcher.shown(url)}>`);
}

/** A record as plain JSON for the contract; exact numbers as their text when JS would change them. */
function asJson(item: RecordItem): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  item.keys.forEach((key, i) => {
    out[key] = plain(item.values[i] ?? null);
  });
  return out;
}

/** A record as JSON text, each number and nested value as the API wrote it. */
function exactJson(item: RecordItem): string {
  const fields = item.keys.map((key, i) => {
    const value = item.values[i] ?? null;
    const text =
      value instanceof JsonNumber || value instanceof JsonText ? value.text : JSON.stringify(plain(value));
    return `${JSON.stringify(key)}:${text}`;
  });
  return `{${fields.join(',')}}`;
}

function plain(value: RawValue): JsonValue {
  if (value instanceof JsonNumber) return value.toJSON() as JsonValue;
  if (value instanceof JsonText) return value.text;
  return value as JsonValue;
}

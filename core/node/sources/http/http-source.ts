import type { HttpSourceSpec } from '../../../common/spec/http-source.ts';
import type { RecordPlace } from '../../../common/types.ts';
import { type JsonCopyRuns, jsonCopyText } from '../json/json-copy-rows.ts';
import type { ColumnIndex, ParsedOutput } from '../json/json-record.ts';
import { COLUMN_SAMPLE_RECORDS, openRecordSource } from '../json/record-source.ts';
import type { OpenedSource, OpenSourceOptions } from '../types.ts';
import { Authenticator } from './auth.ts';
import { type FetchedPage, Fetcher, type PageRequest, type SourceEvent } from './fetcher.ts';
import { TransportFailure } from './http-client.ts';
import { incrementalValue } from './incremental.ts';
import { streamPage } from './page-stream.ts';
import { type NextPage, Paginator } from './paginator.ts';
import { readAhead } from './read-ahead.ts';
import { Secrets, scrubbedError } from './secrets.ts';

/** One fetched page, as the report names it: kept small (no rows). */
interface PageIndexEntry {
  readonly page: number;
  readonly firstLine: number;
  readonly url: string;
}

/** Arrays of records read ahead of the loader (see `readAhead`). */
const PAGES_AHEAD = 1;

/** Exchanges kept for the preview. */
const NOTES_KEPT = 5;

/**
 * Opens an HTTP API source: requests the first page, streams each response body through the JSON
 * source's exact-number reader (records found at `spec.records`), follows the pagination until a
 * stop condition, retrying transient faults, and numbers the records 1, 2, … across pages. The next
 * page is requested as soon as a page's body has arrived, while its records are still being
 * handed out; a body is read at most a few MB ahead of its consumer.
 * @throws LoadstoneError SOURCE_UNREACHABLE, SOURCE_AUTH, SOURCE_HTTP, SOURCE_FORMAT, SPEC_INVALID
 *   (an unset environment variable), PAGINATION_LOOP (from `rows()`).
 */
export async function openHttpSource(spec: HttpSourceSpec, opts: OpenSourceOptions): Promise<OpenedSource> {
  const signal = opts.signal;
  const secrets = new Secrets({ env: opts.env, secret: opts.secret });
  secrets.rememberClearCredentials(spec);
  const auth = new Authenticator(spec.auth, secrets, spec.url, spec.timeoutMs);
  const notes: string[] = [];
  /** Page requests noted (the first NOTES_KEPT), and how many more were made. */
  let requestsNoted = 0;
  let requestsMore = 0;
  /** Where the current page's note is in `notes` (-1: not noted). */
  let noteAt = -1;
  const report = (event: SourceEvent): void => {
    const safe = { ...event, message: secrets.scrub(event.message) };
    if (notes.length < NOTES_KEPT * 2) notes.push(safe.message);
    opts.onEvent?.(safe);
  };
  // The token request's retries are reported like the pages'.
  auth.onEvent = report;
  const fetcher = new Fetcher(spec, auth, secrets, report, signal);
  const extra: Record<string, string> = {};
  if (opts.incremental && spec.incremental) {
    extra[spec.incremental.param] = incrementalValue(opts.incremental.after, spec.incremental.format);
  }
  // Query parameters given as secret references go out resolved.
  const paginator = new Paginator(secrets.withResolvedQuery(spec), extra);
  const watch = paginator.watchPaths();
  const missingRecordsEnd =
    'endOnMissingRecords' in spec.pagination && spec.pagination.endOnMissingRecords === true;
  const pages: PageIndexEntry[] = [];
  let columns: ColumnIndex | undefined;
  // Set once the load allows records to go as COPY text (`copyText.verbatim`).
  let copy: JsonCopyRuns | undefined;
  let bytes = 0;
  let line = 0;

  /**
   * Starts a page's request. It is awaited later (the next page is asked for while this one's last
   * records are loaded), so its failure is marked handled now: the await still gets it, and the
   * process does not die of an unhandled rejection in between.
   */
  const fetch = (request: PageRequest): Promise<FetchedPage> => {
    const started = fetcher.open(request);
    started.catch(() => undefined);
    return started;
  };

  async function* readPages(): AsyncGenerator<ParsedOutput[], void, undefined> {
    let request: PageRequest | null = paginator.first();
    let pending: Promise<FetchedPage> | undefined = fetch(request);
    let page = 0;
    try {
      while (request) {
        const current: PageRequest = request;
        page++;
        const lineBefore = line;
        let emittedUpTo = lineBefore;
        let fetched: FetchedPage | undefined;
        for (let attempt = 1; ; attempt++) {
          fetched = await pending!;
          pending = undefined;
          if (attempt === 1) {
            pages.push({ page, firstLine: lineBefore + 1, url: fetched.shownUrl });
            // Noted as it is made (a preview may stop inside the page), completed when it ends.
            if (requestsNoted < NOTES_KEPT) {
              noteAt =
                notes.push(`${fetched.method} ${fetched.shownUrl} → HTTP ${fetched.response.status}`) - 1;
              requestsNoted++;
            } else {
              noteAt = -1;
              requestsMore++;
            }
          }
          const body = streamPage(
            fetched,
            {
              page,
              lineBefore,
              emittedUpTo,
              records: spec.records,
              watch,
              columns,
              mustHaveRecords: page === 1,
              missingRecordsEnd,
              copy,
              secrets,
            },
            signal,
          );
          try {
            let step = await body.next();
            while (!step.done) {
              const items = step.value;
              const last = items[items.length - 1]!;
              emittedUpTo = last.line + ('rows' in last && last.rows ? last.rows - 1 : 0);
              yield items;
              step = await body.next();
            }
            bytes += fetched.response.received();
            const end = step.value;
            line = lineBefore + end.records;
            if (signal?.aborted) return;
            opts.onRead?.({ pages: page, records: line });
            let next: NextPage;
            try {
              next = paginator.next({
                records: end.records,
                captured: end.router.captured,
                link: headerOf(fetched.response.headers.link),
                // A relative next URL resolves against where the page came from (after a redirect).
                url: fetched.url,
                digest: end.digest,
                shownUrl: fetched.shownUrl,
              });
            } catch (error) {
              // The paginator quotes body values (a hasMorePath neither true nor false).
              throw scrubbedError(error, secrets);
            }
            if (noteAt >= 0) {
              notes[noteAt] =
                `${fetched.method} ${fetched.shownUrl} → HTTP ${fetched.response.status}, ${end.records} record(s); ` +
                `next: ${next.request ? `${next.how} (${fetcher.shown(next.request.url)})` : `none (${next.how})`}`;
            }
            request = next.request;
            // Ask for the next page before handing out this one's last records: fetching overlaps loading.
            if (request) pending = fetch(request);
            if (end.tail.length > 0) yield end.tail;
            break;
          } catch (error) {
            if (!(error instanceof TransportFailure)) throw error;
            bytes += fetched.response.received();
            await fetcher.backoff(attempt, fetched.shownUrl, error.message, () =>
              fetcher.unreachable(fetched!.shownUrl, attempt, error.message),
            );
            pending = fetch(current);
          }
        }
      }
    } finally {
      // A request started ahead that nobody will read.
      pending?.then((p) => p.response.discard()).catch(() => undefined);
    }
  }

  // One page (its records as one array, for pages under a MB) read and parsed ahead of the records
  // being loaded: the request after it goes out while they are, not when the loader reaches them.
  const items = readAhead(readPages(), PAGES_AHEAD);
  const source = await openRecordSource({
    format: { kind: 'http', encoding: 'utf-8', compression: 'none', header: true },
    items,
    fixColumns: (fixed) => {
      columns = fixed;
    },
    totalBytes: undefined,
    bytesRead: () => bytes,
    release: async () => undefined,
    what: 'record',
    signal,
    // A preview fetches the pages of its sample, no more.
    ...(opts.preview ? { readAhead: Math.min(COLUMN_SAMPLE_RECORDS, Math.max(1, opts.preview.rows)) } : {}),
  });
  return {
    ...source,
    // JSON strings are data: `"NA"` and `""` are values (null is JSON's own).
    textIsData: true,
    // Records whose keys are the columns in order and whose values pass go on as COPY text.
    copyText: jsonCopyText(source.columns, (runs) => {
      copy = runs;
    }),
    placeOf(at: number): RecordPlace | undefined {
      const entry = pageOf(pages, at);
      if (!entry) return undefined;
      return { kind: 'page', page: entry.page, url: entry.url, record: at - entry.firstLine + 1 };
    },
    notes: () => (requestsMore > 0 ? [...notes, `… and ${requestsMore} more page request(s)`] : [...notes]),
    // Every secret is known once the source is open (an OAuth2 client secret before its tokens,
    // which are added as they come): a source without any has no `scrub`.
    ...(secrets.empty ? {} : { scrub: (text: string) => secrets.scrub(text) }),
  };
}

/** The page holding record `line` (binary search over first lines). */
function pageOf(pages: readonly PageIndexEntry[], line: number): PageIndexEntry | undefined {
  let lo = 0;
  let hi = pages.length - 1;
  let found: PageIndexEntry | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = pages[mid]!;
    if (entry.firstLine <= line) {
      found = entry;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

import { LoadstoneError } from '../../../common/errors.ts';
import type { HttpSourceSpec } from '../../../common/spec/http-source.ts';
import type { CapturedScalar } from '../json/records-path.ts';
import type { PageRequest } from './fetcher.ts';

/** What a finished page said about the next one. */
export interface PageFacts {
  /** Records in the page. */
  readonly records: number;
  /** Scalars at the watched body paths. */
  readonly captured: ReadonlyMap<string, CapturedScalar>;
  /** The response's Link header. */
  readonly link: string | undefined;
  /** The URL the page came from (for relative next URLs). */
  readonly url: URL;
  /** Digest of the page's body. */
  readonly digest: string;
  /** Shown URL of the page, for messages. */
  readonly shownUrl: string;
}

/** Where the next page comes from, or why there is none. */
export type NextPage =
  | { readonly request: PageRequest; readonly how: string }
  | { readonly request: null; readonly how: string };

/**
 * Decides each next request from the page before it, with explicit stop conditions: an empty page,
 * `hasMorePath` false, `totalPath` reached, no next cursor/link/URL, `maxPages`, and (only when
 * configured) a short page. A repeated cursor, URL or identical page is a loop:
 * LoadstoneError PAGINATION_LOOP.
 */
export class Paginator {
  private page = 0;
  private recordsSoFar = 0;
  private readonly seenRequests = new Set<string>();
  private readonly seenCursors = new Set<string>();
  private readonly seenDigests = new Map<string, number>();
  private pageNumber: number;
  private offset: number;

  constructor(
    private readonly spec: HttpSourceSpec,
    /** Extra query parameters every request carries (the incremental watermark). */
    private readonly extraQuery: Readonly<Record<string, string>>,
  ) {
    const p = spec.pagination;
    this.pageNumber = p.type === 'pageNumber' ? p.start : 1;
    this.offset = p.type === 'offset' ? p.start : 0;
  }

  /** Body paths the page reader must capture. */
  watchPaths(): string[] {
    const p = this.spec.pagination;
    const out: string[] = [];
    if (p.type === 'none') return out;
    if (p.hasMorePath) out.push(p.hasMorePath);
    if (p.totalPath) out.push(p.totalPath);
    if (p.type === 'cursor') out.push(p.cursorPath);
    if (p.type === 'nextUrl') out.push(p.nextUrlPath);
    return out;
  }

  /** The first request. */
  first(): PageRequest {
    const url = this.baseUrl();
    const p = this.spec.pagination;
    if (p.type === 'pageNumber') {
      url.searchParams.set(p.param, String(this.pageNumber));
      if (p.pageSizeParam && p.pageSize !== undefined)
        url.searchParams.set(p.pageSizeParam, String(p.pageSize));
    } else if (p.type === 'offset') {
      url.searchParams.set(p.offsetParam, String(this.offset));
      url.searchParams.set(p.limitParam, String(p.limit));
    }
    const request = { url, body: this.body(undefined) };
    this.seenRequests.add(requestKey(request));
    return request;
  }

  /** The request for the page after `facts`, or null (with the reason) when it was the last. */
  next(facts: PageFacts): NextPage {
    this.page++;
    this.recordsSoFar += facts.records;
    const p = this.spec.pagination;
    /** The page just read, as the messages name it. */
    const at = `page ${this.page} (${facts.shownUrl})`;
    const loop = (what: string): never => {
      throw new LoadstoneError(
        'PAGINATION_LOOP',
        `pagination loop: ${what}; the API would be read forever, so the run stops`,
        { details: { page: this.page, url: facts.shownUrl } },
      );
    };
    if (p.type === 'none') return { request: null, how: 'no pagination configured' };
    // A page is its records' text and, where the body or headers name the next page, that too:
    // pages of equal records with different cursors (a day with `[{"count": 0}]`) are not a loop.
    const identity = `${facts.digest}\n${nextNamed(p, facts)}`;
    const seenAt = this.seenDigests.get(identity);
    if (seenAt !== undefined && facts.records > 0) loop(`${at} is identical to page ${seenAt}`);
    this.seenDigests.set(identity, this.page);
    if (p.maxPages !== undefined && this.page >= p.maxPages)
      return { request: null, how: `maxPages (${p.maxPages}) reached` };
    if (facts.records === 0) return { request: null, how: 'an empty page' };
    if (p.hasMorePath) {
      const found = facts.captured.get(p.hasMorePath);
      const more = found === undefined ? undefined : hasMoreValue(found);
      if (more === 'invalid') {
        throw new LoadstoneError(
          'SOURCE_FORMAT',
          `page ${this.page} (${facts.shownUrl}): pagination.hasMorePath '${p.hasMorePath}' is ${shownScalar(found!)}; ` +
            'expected true/false, "true"/"false", 1/0 or "1"/"0", so the run cannot tell whether another page follows',
          { details: { page: this.page, url: facts.shownUrl, path: p.hasMorePath } },
        );
      }
      if (more === false) return { request: null, how: `${p.hasMorePath} is ${shownScalar(found!)}` };
    }
    if (p.totalPath) {
      const total = numberOf(facts.captured.get(p.totalPath));
      if (total !== undefined && this.recordsSoFar >= total)
        return { request: null, how: `${p.totalPath} (${total}) records read` };
    }
    if (p.stopOnShortPage) {
      const size = p.type === 'offset' ? p.limit : p.type === 'pageNumber' ? p.pageSize : undefined;
      if (size !== undefined && facts.records < size)
        return { request: null, how: `a short page (${facts.records} < ${size})` };
    }
    let request: PageRequest;
    let how: string;
    switch (p.type) {
      case 'pageNumber': {
        this.pageNumber++;
        const url = new URL(facts.url);
        url.searchParams.set(p.param, String(this.pageNumber));
        request = { url, body: this.body(undefined) };
        how = `${p.param}=${this.pageNumber}`;
        break;
      }
      case 'offset': {
        this.offset += facts.records;
        const url = new URL(facts.url);
        url.searchParams.set(p.offsetParam, String(this.offset));
        request = { url, body: this.body(undefined) };
        how = `${p.offsetParam}=${this.offset}`;
        break;
      }
      case 'cursor': {
        const raw = facts.captured.get(p.cursorPath);
        const cursor =
          raw === null || raw === undefined || typeof raw === 'boolean'
            ? ''
            : typeof raw === 'string'
              ? raw
              : raw.number;
        if (cursor === '') return { request: null, how: `no next cursor at ${p.cursorPath}` };
        if (this.seenCursors.has(cursor))
          loop(`the cursor at ${p.cursorPath} in ${at} repeats an earlier one`);
        this.seenCursors.add(cursor);
        if (p.cursorBodyField) {
          request = { url: this.baseUrl(), body: this.body({ [p.cursorBodyField]: cursor }) };
          how = `cursor from ${p.cursorPath}, sent in the body as ${p.cursorBodyField}`;
        } else {
          const url = this.baseUrl();
          url.searchParams.set(p.cursorParam ?? 'cursor', cursor);
          request = { url, body: this.body(undefined) };
          how = `cursor from ${p.cursorPath}, sent as ${p.cursorParam ?? 'cursor'}`;
        }
        break;
      }
      case 'linkHeader': {
        const next = nextLink(facts.link);
        if (!next) return { request: null, how: 'no rel="next" Link header' };
        request = { url: new URL(next, facts.url), body: this.body(undefined) };
        how = 'Link header rel="next"';
        break;
      }
      case 'nextUrl': {
        const raw = facts.captured.get(p.nextUrlPath);
        if (typeof raw !== 'string' || raw === '')
          return { request: null, how: `no next URL at ${p.nextUrlPath}` };
        let url: URL;
        try {
          url = new URL(raw, facts.url);
        } catch {
          throw new LoadstoneError('SOURCE_FORMAT', `${facts.shownUrl}: ${p.nextUrlPath} is not a URL`);
        }
        request = { url, body: this.body(undefined) };
        how = `next URL from ${p.nextUrlPath}`;
        break;
      }
    }
    const key = requestKey(request);
    if (this.seenRequests.has(key)) loop(`the request after ${at} repeats an earlier one (same URL)`);
    this.seenRequests.add(key);
    return { request, how };
  }

  private baseUrl(): URL {
    const url = new URL(this.spec.url);
    for (const [k, v] of Object.entries(this.spec.query ?? {})) url.searchParams.set(k, String(v));
    for (const [k, v] of Object.entries(this.extraQuery)) url.searchParams.set(k, v);
    return url;
  }

  private body(extra: Record<string, string> | undefined): string | undefined {
    if (this.spec.method !== 'POST') return undefined;
    return JSON.stringify({ ...this.spec.body, ...extra });
  }
}

/** What a page's body or headers say the next page is (cursor, next URL, Link), as text; '' for none. */
function nextNamed(p: HttpSourceSpec['pagination'], facts: PageFacts): string {
  const shown = (v: CapturedScalar | undefined) =>
    v === undefined ? '' : v !== null && typeof v === 'object' ? v.number : String(v);
  if (p.type === 'cursor') return shown(facts.captured.get(p.cursorPath));
  if (p.type === 'nextUrl') return shown(facts.captured.get(p.nextUrlPath));
  if (p.type === 'linkHeader') return facts.link ?? '';
  return '';
}

function requestKey(r: PageRequest): string {
  return `${r.url.href}\n${r.body ?? ''}`;
}

/**
 * What a `hasMorePath` value says: true/false, "true"/"false" (any case, spaces around ignored), 1/0
 * and "1"/"0"; anything else (null, 2, "no", an object's text) is 'invalid'. A page without the path
 * says nothing (the caller does not ask).
 */
export function hasMoreValue(v: CapturedScalar): boolean | 'invalid' {
  if (typeof v === 'boolean') return v;
  if (v === null) return 'invalid';
  const text = typeof v === 'string' ? v.trim().toLowerCase() : v.number;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return 'invalid';
}

/** A captured value as the page had it, for messages (long strings shortened). */
function shownScalar(v: CapturedScalar): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return v.number;
}

function numberOf(v: CapturedScalar | undefined): number | undefined {
  if (v === undefined || v === null || typeof v === 'boolean') return undefined;
  const n = Number(typeof v === 'string' ? v : v.number);
  return Number.isFinite(n) ? n : undefined;
}

/** The `rel="next"` target of an RFC 8288 Link header, if any. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  // Links are `<uri>; param=value; …` separated by commas (a comma inside <…> belongs to the URI).
  const re = /<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g;
  for (const m of header.matchAll(re)) {
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return m[1];
  }
  return undefined;
}

import { createHash } from 'node:crypto';
import type { Token } from 'stream-json/core/parser.js';
import { LoadstoneError } from '../../../common/errors.ts';
import type { Encoding } from '../../../common/spec/job-spec.ts';
import { ArrayRecordAssembler } from '../json/json-assembler.ts';
import type { JsonCopyRuns } from '../json/json-copy-rows.ts';
import type { ColumnIndex, ParsedOutput } from '../json/json-record.ts';
import { noRecordsAt } from '../json/json-source.ts';
import { createStrictDecoder, detectJsonEncoding, type StrictDecoder } from '../json/json-text.ts';
import {
  cleanMessage,
  createTokenizer,
  createVerifier,
  isVerifierFailure,
  NONE,
  type VerifierFailure,
} from '../json/json-tokens.ts';
import { RecordSplitter, SplitSyntaxError } from '../json/record-splitter.ts';
import { RecordsRouter } from '../json/records-path.ts';
import type { FetchedPage } from './fetcher.ts';
import { type Secrets, scrubbedError } from './secrets.ts';

/** Page text kept to locate a syntax error (beyond it, the error is placed by character offset). */
const KEEP_TEXT_CHARS = 8 * 1024 * 1024;

/**
 * Body text whose items are held before they are handed out. A page this small is read whole before
 * any of its records is handed out, so the next page is requested (and made by the API) while this
 * one's records are loaded; a larger body is handed out in pieces of about this size.
 */
const HOLD_CHARS = 1024 * 1024;

/** What one page's body held besides its records. */
export interface PageEnd {
  /** Records (and non-object elements) in the page. */
  readonly records: number;
  readonly router: RecordsRouter;
  readonly digest: string;
  /** Items of the body's last piece (up to `HOLD_CHARS` of text), held back so the next request can start before they are handed out. */
  readonly tail: ParsedOutput[];
}

/** Settings of one page read. */
export interface PageRead {
  readonly page: number;
  /** Line (record number) of the record before this page's first. */
  readonly lineBefore: number;
  /** Items with a line at or below this were handed out by an earlier attempt at this page. */
  readonly emittedUpTo: number;
  readonly records: string | undefined;
  readonly watch: readonly string[];
  readonly columns: ColumnIndex | undefined;
  /** Whether the records path must be present (the first page). */
  readonly mustHaveRecords: boolean;
  /** A later page without the records path is the last one (`pagination.endOnMissingRecords`), not an error. */
  readonly missingRecordsEnd?: boolean | undefined;
  /** Once the load allows it: writes the records whose values all pass as COPY text. */
  readonly copy?: JsonCopyRuns | undefined;
  /**
   * The run's secrets, scrubbed from every message built from the body. Without them the first
   * bytes of a body that is not JSON are not quoted.
   */
  readonly secrets?: Secrets | undefined;
}

/**
 * Streams one page's body through the exact-number JSON reader: yields the records as the body
 * arrives, in pieces of about `HOLD_CHARS` of text (all but the last piece, returned in `tail`),
 * captures the pagination fields, and digests the records' text to spot a page served twice.
 * Every error message (made from the body's bytes: its first bytes, its keys) is scrubbed of the
 * run's secrets: a server may echo the token it was sent.
 * @throws TransportFailure when the body stops early; LoadstoneError SOURCE_FORMAT for a body that is
 *   not JSON (with the page URL and the error's line and column) or has no records array.
 */
export async function* streamPage(
  fetched: FetchedPage,
  read: PageRead,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedOutput[], PageEnd, undefined> {
  try {
    return yield* readPage(fetched, read, signal);
  } catch (error) {
    throw read.secrets ? scrubbedError(error, read.secrets) : error;
  }
}

async function* readPage(
  fetched: FetchedPage,
  read: PageRead,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedOutput[], PageEnd, undefined> {
  const where = `page ${read.page} (${fetched.method} ${fetched.shownUrl})`;
  const res = fetched.response;
  const type = String(res.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('text/html') || type.includes('application/xml') || type.includes('text/xml')) {
    // An error page may echo the credentials: its first bytes are shown only once scrubbed.
    let shown = '';
    if (read.secrets) {
      const { bodyHead } = await import('./http-client.ts');
      const head = read.secrets.scrub(await bodyHead(res, 200));
      shown = head ? `: ${head}` : '';
    } else res.discard();
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${where}: the response is not JSON (content-type ${type})${shown}`,
      { details: { page: read.page, url: fetched.shownUrl } },
    );
  }
  const assembler = new ArrayRecordAssembler(where);
  if (read.columns) assembler.fixColumns(read.columns);
  assembler.count = read.lineBefore;
  const router = new RecordsRouter(read.records, read.watch, assembler);
  const tokenize = createTokenizer();
  const charset = bodyCharset(String(res.headers['content-type'] ?? ''), where, read.page, fetched.shownUrl);
  // Made at the first bytes: a byte-order mark there wins over the Content-Type's charset.
  let decoder: StrictDecoder | undefined;
  const hash = createHash('sha1');
  let kept: string[] | undefined = [];
  let keptChars = 0;
  let fed = 0;
  let held: ParsedOutput[] = [];
  let heldChars = 0;
  let empty = true;

  const tokenizeInto = (text: string | typeof NONE, out: ParsedOutput[]): void => {
    let tokens: readonly Token[];
    try {
      tokens = tokenize(text);
    } catch (error) {
      throw syntaxError(where, read.page, fetched.shownUrl, error, kept, fed, assembler.count);
    }
    router.consume(tokens, out);
  };
  // Object records are cut out of the text and parsed natively; the rest goes through the tokenizer.
  // A page read again after a failed attempt hands out only the records past those already out,
  // one by one (a run of COPY text would straddle that point).
  const copy = read.emittedUpTo > read.lineBefore ? undefined : read.copy;
  // The page's digest is of its records' text, not of the whole body: an API that repeats a page
  // with another request id or timestamp in its wrapper is still caught repeating it.
  const splitter = new RecordSplitter(router, assembler, tokenizeInto, copy, (text, from, to) => {
    hash.update(from === 0 && to === text.length ? text : text.slice(from, to));
  });
  if (read.columns) splitter.fixColumns(read.columns);

  const feed = (text: string | typeof NONE): ParsedOutput[] => {
    const out: ParsedOutput[] = [];
    if (text !== NONE) {
      if (kept) {
        kept.push(text);
        keptChars += text.length;
        if (keptChars > KEEP_TEXT_CHARS) kept = undefined;
      }
      try {
        splitter.push(text, out);
      } catch (error) {
        if (!(error instanceof SplitSyntaxError)) throw error;
        throw syntaxError(where, read.page, fetched.shownUrl, error, kept, fed, assembler.count);
      }
      fed += text.length;
    } else {
      splitter.end(out);
      tokenizeInto(NONE, out);
    }
    if (read.emittedUpTo > read.lineBefore) return out.filter((item) => item.line > read.emittedUpTo);
    return out;
  };

  for await (const chunk of res.chunks()) {
    if (signal?.aborted) {
      res.discard();
      return { records: assembler.count - read.lineBefore, router, digest: '', tail: [] };
    }
    if (chunk.length > 0) empty = false;
    decoder ??= createStrictDecoder(detectJsonEncoding(chunk, charset).encoding, where, {
      what: 'the response body',
      advice: `its Content-Type ${charset === undefined ? 'names no charset, so it is read as UTF-8' : `says charset ${charset}`}`,
    });
    const text = decoder.decode(chunk);
    const out = feed(text);
    if (out.length > 0) {
      if (held.length > 0 && heldChars >= HOLD_CHARS) {
        yield held;
        held = [];
        heldChars = 0;
      }
      held = held.length === 0 ? out : held.concat(out);
    }
    heldChars += text.length;
  }
  if (empty && res.status === 204) {
    return { records: 0, router, digest: 'empty', tail: [] };
  }
  if (empty) {
    throw new LoadstoneError('SOURCE_FORMAT', `${where}: the response body is empty; expected JSON`, {
      details: { page: read.page, url: fetched.shownUrl },
    });
  }
  const last = feed(decoder?.end() ?? '').concat(feed(NONE));
  held = held.concat(last);
  if (!router.complete) {
    throw new LoadstoneError('SOURCE_FORMAT', `${where}: the JSON body ends before it is complete`, {
      details: { page: read.page, url: fetched.shownUrl },
    });
  }
  if (!router.recordsDone) {
    // `"data": null` on a later page is an empty one; a later page without the path at all is the
    // end only when the spec says this API does that (else a 200 error object would end the run
    // silently, part loaded).
    const empty = !read.mustHaveRecords && router.recordsNotArray === 'null';
    const ends =
      !read.mustHaveRecords && router.recordsNotArray === undefined && read.missingRecordsEnd === true;
    if (!empty && !ends) {
      const error = noRecordsAt(
        where,
        router,
        read.records === undefined ? 'the body' : `the records path '${read.records}'`,
      );
      if (read.mustHaveRecords || router.recordsNotArray !== undefined) throw error;
      throw new LoadstoneError(
        'SOURCE_FORMAT',
        `${error.message}; a page without its records is not taken as the end of the records (set pagination.endOnMissingRecords if this API leaves them out of its last page)`,
        { details: { page: read.page, url: fetched.shownUrl } },
      );
    }
  }
  return { records: assembler.count - read.lineBefore, router, digest: hash.digest('hex'), tail: held };
}

/**
 * The encoding a Content-Type's charset names (undefined: none named; JSON's own UTF-8, or what a
 * byte-order mark says). ISO-8859-1, US-ASCII and Windows-1252 read as Windows-1252 (as browsers
 * do), UTF-16 as big-endian unless a byte-order mark says otherwise.
 * @throws LoadstoneError SOURCE_FORMAT for a charset Loadstone does not decode.
 */
function bodyCharset(contentType: string, where: string, page: number, url: string): Encoding | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  if (name === 'utf-8' || name === 'utf8') return 'utf-8';
  if (name === 'utf-16le') return 'utf-16le';
  if (name === 'utf-16be' || name === 'utf-16') return 'utf-16be';
  if (['iso-8859-1', 'latin1', 'iso_8859-1', 'us-ascii', 'ascii', 'windows-1252', 'cp1252'].includes(name)) {
    return 'windows-1252';
  }
  throw new LoadstoneError(
    'SOURCE_FORMAT',
    `${where}: the response's charset ${m[1]} is not one Loadstone reads (UTF-8, UTF-16, ISO-8859-1 / Windows-1252)`,
    { details: { page, url, charset: m[1] } },
  );
}

function syntaxError(
  where: string,
  page: number,
  shownUrl: string,
  parserError: unknown,
  kept: string[] | undefined,
  fed: number,
  records: number,
): LoadstoneError {
  let failure: VerifierFailure | undefined;
  if (kept) {
    const verify = createVerifier();
    try {
      for (const text of kept) verify(text);
      verify(NONE);
    } catch (error) {
      if (isVerifierFailure(error)) failure = error;
    }
  }
  const at = failure
    ? `line ${failure.line}, column ${failure.pos}`
    : `after character ${fed.toLocaleString('en-US')} of the body`;
  const message = cleanMessage(failure ?? parserError);
  return new LoadstoneError(
    'SOURCE_FORMAT',
    `${where}: invalid JSON at ${at} (after record ${records}): ${message}`,
    {
      details: {
        page,
        url: shownUrl,
        ...(failure ? { line: failure.line, column: failure.pos, offset: failure.offset } : { offset: fed }),
      },
    },
  );
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { REPORT_FORMATS, type ReportRowFilter } from '../../common/contract/commands.ts';
import { CODES } from '../../common/contract/error-codes.ts';
import { rejectStageSchema } from '../../common/contract/shared-schemas.ts';
import { reportFileName } from '../../common/report-file-name.ts';
import { toContractError } from '../handlers/contract-errors.ts';
import { UPLOADS_DIR } from '../handlers/file-grants.ts';
import type { DownloadFormat, Engine, ReportFormat } from '../handlers/types.ts';
import { DownloadTickets } from './download-tickets.ts';
import { type EngineLink, inProcessLink } from './engine-link.ts';
import {
  HttpError,
  MAX_JSON_BODY,
  readJsonBody,
  sendError,
  sendReply,
  setSecurityHeaders,
  statusForCode,
} from './http-util.ts';
import { BODY_TIMEOUT_MS, BodyTimeoutError, ClientGoneError } from './request-body.ts';
import { bearerToken, checkHostAndOrigin, createToken, tokensMatch } from './security.ts';
import { openEventStream } from './sse.ts';
import { serveStatic } from './static-files.ts';
import { receiveUpload } from './upload.ts';

/** How to start the browser host. */
export interface HostOptions {
  /** The engine: in a child process (`ChildEngine`, what `npm run serve` runs) or in this one. */
  readonly engine: EngineLink | Engine;
  /** Folder of the built renderer (`dist/renderer`); null serves a page saying how to build it. */
  readonly rendererDir: string | null;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** SSE heartbeat interval (tests shorten it). */
  readonly heartbeatMs?: number;
  /**
   * How long a call's body may take to arrive whole, and how long an upload may go without a byte,
   * before the host answers 408 and closes the connection (default BODY_TIMEOUT_MS, 30 s).
   */
  readonly bodyTimeoutMs?: number;
  /** Free space an upload must leave on the data folder's disk (default UPLOAD_MIN_FREE_BYTES; tests raise it). */
  readonly uploadMinFreeBytes?: number;
  /** Download tickets (tests give one with a clock of their own); default one-use, one minute. */
  readonly downloadTickets?: DownloadTickets;
}

/** A running browser host. */
export interface BrowserHost {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** The per-launch secret; only ever printed inside the URL fragment. */
  readonly token: string;
  /** The URL to open: origin plus `/#token=…` (fragments never reach a server or its logs). */
  readonly url: string;
  /** Stops accepting requests and drops open event streams. Does not close the engine. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** `?format=fixing[&bom=1]`: an export for fixing, a delimited file in the source's own dialect. */
function downloadFormat(format: string | null, bom: string | null): DownloadFormat | null {
  if (format === 'fixing') return bom === '1' ? 'fixing-bom' : 'fixing';
  return REPORT_FORMATS.includes(format as ReportFormat) ? (format as ReportFormat) : null;
}

/**
 * The rows a report download holds: `stage`, `column`, `reason` and `text` as the report's filters
 * name them (`reports.page`); each one absent or empty selects every row. A stage that is none is a 400.
 */
function reportFilter(params: URLSearchParams): ReportRowFilter {
  const filter: ReportRowFilter = {};
  const stage = params.get('stage');
  if (stage) {
    const parsed = rejectStageSchema.safeParse(stage);
    if (!parsed.success) {
      throw new HttpError(400, {
        code: CODES.BAD_REQUEST,
        message: `No stage '${stage}': choose parse, normalize or load.`,
        issues: [{ path: 'stage', message: 'expected one of parse, normalize, load' }],
      });
    }
    filter.stage = parsed.data;
  }
  const column = params.get('column');
  if (column) filter.column = column;
  const reason = params.get('reason');
  if (reason) filter.reason = reason;
  const text = params.get('text');
  if (text) filter.text = text;
  return filter;
}

/**
 * Serves the renderer and the engine's contract over HTTP on 127.0.0.1 only.
 * Protocol: `POST /api/call/<command>` (JSON), `GET /api/events` (SSE), `POST /api/upload?name=`,
 * `POST /api/reports/<runId>/ticket`, `GET /api/reports/<runId>/export?format=`; everything else is
 * the renderer (SPA fallback). API requests need the launch token in `Authorization: Bearer`; the
 * event stream may give it as `?token=` (EventSource cannot send headers, and its URL is kept in no
 * history), and a download, a link the browser follows, gives a one-use ticket instead (`?ticket=`,
 * see download-tickets.ts), never the token. Host and Origin are checked on everything.
 */
export async function startBrowserHost(options: HostOptions): Promise<BrowserHost> {
  const engine: EngineLink = 'handlers' in options.engine ? inProcessLink(options.engine) : options.engine;
  const token = createToken();
  const rendererDir = options.rendererDir === null ? null : resolve(options.rendererDir);
  let port = 0;
  const tickets = options.downloadTickets ?? new DownloadTickets();

  const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  // No total request timeout (an upload may be large); bodies are timed by request-body.ts instead.
  const server = createServer({ requestTimeout: 0, headersTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof ClientGoneError) {
        // Nobody to answer, and nothing wrong with the engine: one line, no stack trace.
        engine.log.info(
          `${req.method} ${new URL(req.url ?? '/', 'http://127.0.0.1').pathname}: ${error.message}`,
        );
        res.destroy();
        return;
      }
      // An HttpError is an answer; anything else is logged (scrubbed) by toContractError and becomes a 500.
      const failure =
        error instanceof HttpError
          ? error
          : error instanceof BodyTimeoutError
            ? new HttpError(408, { code: 'bad_request', message: error.message })
            : new HttpError(500, toContractError(error, 'http', engine.log));
      if (res.headersSent) res.destroy();
      else sendError(res, failure.status, failure.error);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const refusal = checkHostAndOrigin(req, port, api);
    if (refusal) return sendError(res, refusal.status, { code: refusal.code, message: refusal.message });
    if (!api) return serveStatic(req, res, rendererDir);

    const segments = url.pathname.split('/').slice(2);
    const isDownload =
      req.method === 'GET' && segments[0] === 'reports' && segments.length === 3 && segments[2] === 'export';
    const presented =
      bearerToken(req) ??
      (req.method === 'GET' && segments[0] === 'events' ? url.searchParams.get('token') : null);
    const ticketed =
      presented === null && isDownload && tickets.take(url.searchParams.get('ticket'), segments[1]!);
    if (!ticketed && !tokensMatch(presented, token)) {
      if (isDownload && url.searchParams.has('ticket')) {
        return sendError(res, 401, {
          code: CODES.UNAUTHORIZED,
          message: 'This download link was used already or has expired; export again.',
        });
      }
      return sendError(res, 401, {
        code: CODES.UNAUTHORIZED,
        message: presented ? 'The token is not valid for this launch.' : 'A token is required.',
      });
    }

    const route = `${req.method} ${segments[0] ?? ''}`;
    if (route === 'POST call' && segments.length === 2) {
      const body = await readJsonBody(req, MAX_JSON_BODY, bodyTimeoutMs);
      // A client that goes away cancels its call: a preview stops reading the file.
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const reply = await engine.call(decodeSegment(segments[1]!), body, abort.signal);
      if (abort.signal.aborted) return;
      return sendReply(res, reply);
    }
    if (route === 'GET events' && segments.length === 1) {
      return openEventStream(req, res, engine.bus, options.heartbeatMs);
    }
    if (route === 'POST upload' && segments.length === 1) {
      const name = url.searchParams.get('name');
      const path = await receiveUpload(
        req,
        join(engine.dataDir, UPLOADS_DIR),
        name,
        bodyTimeoutMs,
        options.uploadMinFreeBytes,
      );
      // The page gets a handle for its upload, with the name it gave; never the path.
      return sendReply(res, await engine.grant({ kind: 'read', path, name: name ?? '', uploaded: true }));
    }
    if (route === 'POST reports' && segments.length === 3 && segments[2] === 'ticket') {
      // The body is not needed; reading it keeps the connection usable (and bounded).
      await readJsonBody(req, MAX_JSON_BODY, bodyTimeoutMs);
      const runId = decodeSegment(segments[1]!);
      if (!runId) throw new HttpError(400, { code: CODES.BAD_REQUEST, message: 'Say which run.' });
      return sendReply(res, { ok: true, value: { ticket: tickets.issue(segments[1]!) } });
    }
    if (isDownload) {
      return exportReport(
        res,
        decodeSegment(segments[1]!),
        downloadFormat(url.searchParams.get('format'), url.searchParams.get('bom')),
        reportFilter(url.searchParams),
      );
    }
    const known = ['call', 'events', 'upload', 'reports'].includes(segments[0] ?? '');
    return sendError(res, known ? 405 : 404, {
      code: known ? CODES.BAD_REQUEST : CODES.NOT_FOUND,
      message: known ? `${req.method} is not allowed here.` : 'No such API endpoint.',
    });
  }

  async function exportReport(
    res: ServerResponse,
    runId: string,
    fmt: DownloadFormat | null,
    filter: ReportRowFilter,
  ): Promise<void> {
    if (!runId || fmt === null) {
      throw new HttpError(400, {
        code: CODES.BAD_REQUEST,
        message: `Choose an export format: ${REPORT_FORMATS.join(', ')}, or fixing.`,
        issues: [{ path: 'format', message: `expected one of ${REPORT_FORMATS.join(', ')}, fixing` }],
      });
    }
    // Looked up first, so "no such run" is still a JSON 404 rather than a broken download.
    const found = await engine.call('runs.get', { runId });
    if (!found.ok) throw new HttpError(statusForCode(found.error.code), found.error);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const fixing = fmt === 'fixing' || fmt === 'fixing-bom';
    res.writeHead(200, {
      // An export for fixing is in the source's own encoding, which the browser need not know.
      'Content-Type': fixing ? 'text/csv' : CONTENT_TYPES[fmt],
      // The name the desktop app's save dialog offers too (one rule, core/common/report-file-name.ts).
      'Content-Disposition': `attachment; filename="${reportFileName(runId, fmt, filter)}"`,
      'Cache-Control': 'no-store',
    });
    const done = await engine.exportReport(runId, fmt, res, abort.signal, filter);
    if (!done.ok) {
      // Headers are out: all that is left is to break the download so it is not taken as complete.
      if (!abort.signal.aborted) engine.log.warn(`report export stopped: ${done.error.code}`);
      res.destroy();
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    port,
    token,
    url: `${origin}/#token=${token}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, { code: CODES.BAD_REQUEST, message: 'The URL is not properly encoded.' });
  }
}

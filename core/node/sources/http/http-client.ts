import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** One HTTP request as sent. */
export interface HttpRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Longest wait for the response, then for each piece of its body (not while the consumer is behind). */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** Why a request failed before a status, or a body stopped early: all worth a retry. */
export class TransportFailure extends Error {
  constructor(
    /** `protocol`: the answer is not valid HTTP (headers too large, malformed): retrying will not help. */
    readonly reason: 'timeout' | 'reset' | 'truncated' | 'refused' | 'network' | 'protocol',
    message: string,
  ) {
    super(message);
  }
}

/** Most a response body is read ahead of its consumer (the socket is paused beyond). */
export const BODY_AHEAD_BYTES = 4 * 1024 * 1024;

/** A response: status and headers at once, the body as it arrives (decompressed). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body's chunks; throws `TransportFailure` when it stops early or times out. Read once. */
  chunks(): AsyncGenerator<Buffer, void, undefined>;
  /** Body bytes received on the wire so far. */
  received(): number;
  /** Drops the rest of the body and the connection. */
  discard(): void;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** The most response headers may take (Node's default is 16 KB; some APIs send large cookies or policies). */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Sends one request with node:http(s). The timeout is the longest wait for the answer, then for each
 * piece of its body (a 1 GB body may take longer than it, as long as it keeps coming; a consumer that
 * is behind does not count); the body is read ahead up to `BODY_AHEAD_BYTES` while the consumer is
 * busy, then the socket pauses.
 * @throws TransportFailure when no response comes (refused, reset, timeout, DNS, not valid HTTP).
 */
export function send(req: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const lib = req.url.protocol === 'https:' ? https : http;
    let settled = false;
    let bodyError: TransportFailure | undefined;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        fail(
          new TransportFailure(
            'timeout',
            settled ? `the body stalled for ${req.timeoutMs} ms` : `no answer within ${req.timeoutMs} ms`,
          ),
        );
      }, req.timeoutMs);
    };
    const disarm = (): void => clearTimeout(timer);
    arm();
    const onAbort = (): void => fail(new TransportFailure('network', 'cancelled'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      disarm();
      req.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: TransportFailure): void => {
      cleanup();
      request.destroy();
      if (!settled) {
        settled = true;
        reject(error);
      } else {
        bodyError ??= error;
        wake?.();
      }
    };

    const request = lib.request(req.url, {
      method: req.method,
      headers: {
        accept: 'application/json',
        'accept-encoding': 'gzip, deflate, br',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...req.headers,
      },
      agent: req.url.protocol === 'https:' ? agents.https : agents.http,
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    request.on('error', (error: NodeJS.ErrnoException) => fail(networkFailure(error)));
    request.on('response', (res: IncomingMessage) => {
      arm(); // from here on the timeout is the body's: each piece of it must come in time
      let received = 0;
      res.on('data', (c: Buffer) => {
        received += c.length;
      });
      const decoded = decoderFor(res);
      const queue: Buffer[] = [];
      let queued = 0;
      let ended = false;
      decoded.on('data', (chunk: Buffer) => {
        queue.push(chunk);
        queued += chunk.length;
        if (queued > BODY_AHEAD_BYTES) {
          // The consumer is behind: waiting on it is no stall of the server's.
          decoded.pause();
          disarm();
        } else arm();
        wake?.();
      });
      decoded.on('end', () => {
        // A body cut short by the server closing the connection ends without `complete`.
        if (!res.complete) {
          fail(new TransportFailure('truncated', 'the response body ended before it was complete'));
          return;
        }
        ended = true;
        cleanup();
        wake?.();
      });
      decoded.on('error', (error: NodeJS.ErrnoException) => fail(bodyFailure(error)));
      res.on('aborted', () =>
        fail(new TransportFailure('truncated', 'the connection closed before the body was complete')),
      );
      res.on('error', (error: NodeJS.ErrnoException) => fail(bodyFailure(error)));
      let read = false;
      settled = true;
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        received: () => received,
        discard: () => {
          cleanup();
          request.destroy();
        },
        async *chunks() {
          if (read) throw new Error('a response body can be read once');
          read = true;
          try {
            for (;;) {
              if (queue.length > 0) {
                const chunk = queue.shift()!;
                queued -= chunk.length;
                if (queued <= BODY_AHEAD_BYTES && decoded.isPaused() && !ended) {
                  arm();
                  decoded.resume();
                }
                yield chunk;
                continue;
              }
              if (bodyError) throw bodyError;
              if (ended) return;
              await new Promise<void>((w) => {
                wake = w;
              });
              wake = undefined;
            }
          } finally {
            if (!ended) {
              cleanup();
              request.destroy();
            }
          }
        },
      });
    });
    if (req.body !== undefined) request.end(req.body);
    else request.end();
  });
}

function decoderFor(res: IncomingMessage): NodeJS.ReadableStream & {
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
} {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  res.pipe(decoder);
  return decoder;
}

function networkFailure(error: NodeJS.ErrnoException): TransportFailure {
  if (error instanceof TransportFailure) return error;
  switch (error.code) {
    case 'ECONNREFUSED':
      return new TransportFailure('refused', 'the connection was refused');
    case 'ECONNRESET':
    case 'EPIPE':
      return new TransportFailure('reset', 'the connection was reset');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportFailure('network', `the host name could not be resolved (${error.code})`);
    case 'HPE_HEADER_OVERFLOW':
      return new TransportFailure(
        'protocol',
        `the response's headers are larger than ${MAX_HEADER_BYTES / 1024} KB: not read`,
      );
    default:
      if (error.code?.startsWith('HPE_'))
        return new TransportFailure(
          'protocol',
          `the response is not valid HTTP (${error.code}: ${error.message})`,
        );
      return new TransportFailure('network', `${error.code ?? 'network error'}: ${error.message}`);
  }
}

function bodyFailure(error: NodeJS.ErrnoException): TransportFailure {
  if (error instanceof TransportFailure) return error;
  if (error.code === 'ECONNRESET' || error.message === 'aborted')
    return new TransportFailure('truncated', 'the connection was reset before the body was complete');
  if (error.code?.startsWith('Z_') || error.code === 'ERR__ERROR')
    return new TransportFailure('truncated', `the compressed body is damaged (${error.message})`);
  return new TransportFailure('truncated', `the body stopped early: ${error.message}`);
}

/** Reads at most `max` bytes of a body (for an error message), then drops the rest. */
export async function bodyHead(res: HttpResponse, max = 300): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.chunks()) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= max) break;
    }
  } catch {
    // what arrived is enough for a message
  } finally {
    res.discard();
  }
  const text = Buffer.concat(parts).subarray(0, max).toString('utf8');
  return size > max ? `${text}…` : text;
}

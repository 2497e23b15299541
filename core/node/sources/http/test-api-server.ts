// Test support: a real node:http API server on 127.0.0.1, bounded in requests, that records what it
// was asked. Each test gives the handler; the server refuses (and counts) requests past its bound.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type ApiHandler = (
  req: SeenRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

export interface TestApi {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts an API server; past `maxRequests` it answers 599 so a runaway client cannot spin forever. */
export async function startApi(handler: ApiHandler, maxRequests = 500): Promise<TestApi> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((raw, res) => {
    const parts: Buffer[] = [];
    raw.on('data', (c: Buffer) => parts.push(c));
    raw.on('end', () => {
      const seen: SeenRequest = {
        method: raw.method ?? 'GET',
        url: new URL(raw.url ?? '/', 'http://127.0.0.1'),
        headers: raw.headers,
        body: Buffer.concat(parts).toString('utf8'),
      };
      requests.push(seen);
      if (requests.length > maxRequests) {
        res.writeHead(599).end('too many requests for this test');
        return;
      }
      Promise.resolve(handler(seen, res, raw)).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers JSON (text given as is, so exact numbers can be written). */
export function json(
  res: ServerResponse,
  body: unknown,
  headers: Record<string, string> = {},
  status = 200,
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** `n` records `{id, name}` numbered from `from`. */
export function records(from: number, n: number): { id: number; name: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: from + i, name: `r${from + i}` }));
}

/** An API that takes requests and never answers them (a load waits on its first page). */
export interface SilentApi {
  readonly url: string;
  /** The request paths asked for, in order. */
  readonly asked: string[];
  /** Per request, settles when its connection closes (the client gave it up). */
  readonly closed: Promise<void>[];
  close(): Promise<void>;
}

/** Starts a `SilentApi` on 127.0.0.1. */
export async function startSilentApi(): Promise<SilentApi> {
  const asked: string[] = [];
  const closed: Promise<void>[] = [];
  const server = http.createServer((req) => {
    asked.push(req.url ?? '');
    closed.push(new Promise((resolve) => req.socket.once('close', () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    closed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

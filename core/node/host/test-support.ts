// Test helpers (imported by *.test.ts only): raw HTTP requests to a browser host, with full control of
// the Host and Origin headers (fetch does not let a caller set Host).
import http from 'node:http';
import type { BrowserHost } from './host.ts';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bearer token to send; default the host's own; null sends none. */
  token?: string | null;
}

/** Sends one request to the host on 127.0.0.1 and reads the whole response. */
export function rawRequest(host: BrowserHost, req: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = { Host: `127.0.0.1:${host.port}`, ...req.headers };
  const token = req.token === undefined ? host.token : req.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port: host.port, method: req.method ?? 'GET', path: req.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** POSTs a contract call as JSON and returns status and parsed reply. */
export async function callApi(
  host: BrowserHost,
  name: string,
  input: unknown,
  extra: Omit<RawRequest, 'path' | 'body'> = {},
): Promise<{ status: number; reply: { ok: boolean; value?: unknown; error?: Record<string, unknown> } }> {
  const res = await rawRequest(host, {
    method: 'POST',
    path: `/api/call/${encodeURIComponent(name)}`,
    body: JSON.stringify(input),
    ...extra,
    headers: { 'Content-Type': 'application/json', ...extra.headers },
  });
  return { status: res.status, reply: JSON.parse(res.body) };
}

/** The value of a successful call; fails the test with the error otherwise. */
export async function callValue<T = unknown>(host: BrowserHost, name: string, input: unknown): Promise<T> {
  const { status, reply } = await callApi(host, name, input);
  if (status !== 200 || !reply.ok)
    throw new Error(`${name} failed (${status}): ${JSON.stringify(reply.error)}`);
  return reply.value as T;
}

/**
 * Opens the SSE stream and collects events and comments until `until` says stop (or `timeoutMs`, a
 * safety net). Resolves with the events seen, each `{ event, data }`, and the comment lines.
 */
export function collectEvents(
  host: BrowserHost,
  until: (events: Array<{ event: string; data: unknown }>, comments: string[]) => boolean,
  options: { onOpen?: () => void; timeoutMs?: number; token?: string } = {},
): Promise<{ events: Array<{ event: string; data: unknown }>; comments: string[] }> {
  return new Promise((resolve, reject) => {
    const events: Array<{ event: string; data: unknown }> = [];
    const comments: string[] = [];
    const req = http.get(
      {
        host: '127.0.0.1',
        port: host.port,
        path: `/api/events?token=${encodeURIComponent(options.token ?? host.token)}`,
        headers: { Host: `127.0.0.1:${host.port}`, Accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`event stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) events.push({ event, data: JSON.parse(data) });
            end = buffer.indexOf('\n\n');
          }
          if (until(events, comments)) {
            clearTimeout(timer);
            req.destroy();
            resolve({ events, comments });
          }
        });
        options.onOpen?.();
      },
    );
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ events, comments });
    }, options.timeoutMs ?? 10_000);
  });
}

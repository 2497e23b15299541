// Test support: a real HTTP server on 127.0.0.1 standing in for Slack, Telegram or a webhook receiver.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How the receiver answers a request: a reply, or never (the channel hangs). */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A running receiver. */
export interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a receiver answering each request with `reply(request, index)`. Bounded: past `maxRequests`
 * it answers 503 and the test sees the extra requests in `requests`; sockets time out after 30 s;
 * `close` ends every connection, hanging ones included.
 */
export async function startReceiver(
  reply: (req: Received, index: number) => Reply,
  maxRequests = 20,
): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1_000_000) chunks.push(c);
    });
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.length;
      requests.push(received);
      for (const w of waiters.filter((w) => requests.length >= w.n)) w.resolve();
      const answer: Reply =
        index >= maxRequests ? { status: 503, body: 'too many requests in test' } : reply(received, index);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  server.setTimeout(30_000, (socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

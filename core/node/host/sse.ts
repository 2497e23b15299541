import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../handlers/event-bus.ts';

/** How often an idle event stream sends a comment, so proxies and the browser keep it open. */
export const HEARTBEAT_MS = 15_000;

/**
 * Streams every bus event to one client as Server-Sent Events (`event: <name>`, `data: <json>`),
 * with a heartbeat comment while idle. Unsubscribes when the client goes away.
 */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  bus: EventBus,
  heartbeatMs = HEARTBEAT_MS,
): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  // `retry` tells EventSource how soon to reconnect; the comment flushes headers to the client at once.
  res.write('retry: 2000\n: connected\n\n');
  const unsubscribe = bus.subscribe((name, payload) => {
    // JSON.stringify never emits raw newlines, so one `data:` line per event is safe.
    res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}

/**
 * The bench's paginated orders API, run as a process of its own (`node --import tsx bench/api-server.ts
 * <orders.ndjson> <token>`): the generated orders as JSON pages (`?cursor=<index>&limit=<n>`, default
 * 1,000), `{"data":[…],"next_cursor":"…"|null}`, bearer auth, and `since_id` (inclusive) for incremental
 * loads. `POST /admin/visible?n=N` shows only the first N orders (to add 1% later); `GET /admin/stats`
 * counts the data requests and bytes since `POST /admin/reset`. Prints `{"url":…}` once listening.
 *
 * A page's records are one slice of the file's bytes (the newlines between records turned into
 * commas once, at start), written as they are: a real API runs on another machine, and this one
 * shares the bench's two cores with the load it serves, so it should cost as little CPU as it can.
 * (Building each page as a string — a join of 1,000 texts, then UTF-8 encoding it — cost ~3 s of CPU
 * per million orders, taken from the client and PostgreSQL.)
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const [file, token] = process.argv.slice(2);
if (!file || !token) throw new Error('usage: api-server.ts <orders.ndjson> <token>');
// One JSON text per order, in id order (ids are 1, 2, …).
const data = readFileSync(file);
const starts: number[] = [];
for (let at = 0; at < data.length; ) {
  const nl = data.indexOf(0x0a, at);
  const end = nl === -1 ? data.length : nl;
  if (end > at) starts.push(at);
  if (nl !== -1) data[nl] = 0x2c; // the separator between records on a page
  at = end + 1;
}
/** `starts[i]` is where order i begins; `starts[count]` is one past the last order's separator. */
const count = starts.length;
starts.push(data.length + (data[data.length - 1] === 0x2c ? 0 : 1));
let visible = count;
let requests = 0;
let bytes = 0;
const OPEN = Buffer.from('{"data":[');

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  if (url.pathname.startsWith('/admin/')) {
    if (url.pathname === '/admin/visible') visible = Math.min(count, Number(url.searchParams.get('n')));
    if (url.pathname === '/admin/reset') {
      requests = 0;
      bytes = 0;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ visible, requests, bytes }));
    return;
  }
  if (req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":"unauthorized"}');
    return;
  }
  requests++;
  const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 1000));
  const since = url.searchParams.get('since_id');
  const first = since === null ? 0 : Math.max(0, Math.floor(Number(since)) - 1);
  const start = Math.min(
    visible,
    url.searchParams.has('cursor') ? Number(url.searchParams.get('cursor')) : first,
  );
  const end = Math.min(visible, start + limit);
  // The records without the separator after the last one.
  const records = end > start ? data.subarray(starts[start]!, starts[end]! - 1) : Buffer.alloc(0);
  const close = Buffer.from(`],"next_cursor":${end < visible ? `"${end}"` : 'null'}}`);
  const length = OPEN.length + records.length + close.length;
  bytes += length;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
  res.cork();
  res.write(OPEN);
  res.write(records);
  res.end(close);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, orders: count }));
});

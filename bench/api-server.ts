/**
 * The bench's paginated orders API, run as a process of its own (`node --import tsx bench/api-server.ts
 * <orders.ndjson> <token>`): the generated orders as JSON pages (`?cursor=<index>&limit=<n>`, default
 * 1,000), `{"data":[…],"next_cursor":"…"|null}`, bearer auth, and `since_id` (inclusive) for incremental
 * loads. `POST /admin/visible?n=N` shows only the first N orders (to add 1% later); `GET /admin/stats`
 * counts the data requests and bytes since `POST /admin/reset`. Prints `{"url":…}` once listening.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const [file, token] = process.argv.slice(2);
if (!file || !token) throw new Error('usage: api-server.ts <orders.ndjson> <token>');
// One JSON text per order, in id order (ids are 1, 2, …): a page is a join, nothing is re-encoded.
const orders = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '');
let visible = orders.length;
let requests = 0;
let bytes = 0;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  if (url.pathname.startsWith('/admin/')) {
    if (url.pathname === '/admin/visible')
      visible = Math.min(orders.length, Number(url.searchParams.get('n')));
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
  const start = url.searchParams.has('cursor') ? Number(url.searchParams.get('cursor')) : first;
  const end = Math.min(visible, start + limit);
  const next = end < visible ? `"${end}"` : 'null';
  const body = `{"data":[${orders.slice(start, end).join(',')}],"next_cursor":${next}}`;
  bytes += Buffer.byteLength(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, orders: orders.length }));
});

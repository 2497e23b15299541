import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Shown when the renderer has not been built, so the operator knows what to run. */
const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Loadstone</title>
<p>The Loadstone UI has not been built. Run <code>npm run build:renderer</code> (or <code>npx vite build</code>) and reload.</p>`;

/**
 * Serves the built renderer from `root`: existing files as they are, any other GET path without a file
 * extension as `index.html` (the SPA decides the route). Paths are decoded and confined to `root`.
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string | null,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (root === null) {
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      .end(NOT_BUILT);
    return;
  }
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const file = normalize(join(root, relative));
  if (
    relative.includes('\0') ||
    (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep))
  ) {
    res.writeHead(404).end();
    return;
  }
  const found = await confinedFile(root, file);
  if (found !== null) return sendFile(req, res, found.path, found.size);
  if (extname(relative) === '') {
    const index = await confinedFile(root, join(root, 'index.html'));
    if (index !== null) return sendFile(req, res, index.path, index.size);
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
}

/**
 * The regular file at `path` by its real path and size, or null when there is none or it resolves
 * outside `root`'s real path: a symbolic link in the renderer folder (a stray link in a build, a
 * folder linked in for development) must not serve what it points to elsewhere.
 */
async function confinedFile(root: string, path: string): Promise<{ path: string; size: number } | null> {
  try {
    const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
    if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return null;
    const s = await stat(real);
    return s.isFile() ? { path: real, size: s.size } : null;
  } catch {
    return null;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string, size: number): void {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  // Hashed asset names never change content; index.html must be revalidated to pick up a new build.
  const cache = path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Cache-Control': cache });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

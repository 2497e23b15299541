// Which file an `app://` request names, kept free of Electron so it can be tested in plain Node.
import nodePath from 'node:path';
import { APP_HOST } from './app-origin.ts';

/** The `node:path` functions used; tests pass `path.win32` to check Windows separators. */
export type PathApi = Pick<typeof nodePath, 'extname' | 'join' | 'normalize' | 'sep'>;

/**
 * The file under `root` (the built renderer) that an `app://loadstone/…` URL names, or null (404):
 * another host, a path that is not properly encoded or holds a NUL, or one that leaves `root` however
 * it is written (`..`, `%2e%2e`, `..%2f`, a backslash, which Windows reads as a separator). A path
 * without an extension is a client-side route and gets `index.html`.
 */
export function rendererFile(root: string, requestUrl: string, path: PathApi = nodePath): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.host !== APP_HOST) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  const base = path.normalize(root);
  const file = path.normalize(path.join(base, relative));
  if (!file.startsWith(base.endsWith(path.sep) ? base : base + path.sep)) return null;
  return path.extname(file) === '' ? path.join(base, 'index.html') : file;
}

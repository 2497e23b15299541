import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rendererFile } from './renderer-file.ts';

/** Null (404), or a file inside `root`: `..` a URL parser already resolved stays at the top. */
function inside(root: string, file: string | null, p: typeof path.posix): boolean {
  return file === null || file.startsWith(root + p.sep);
}

describe('app:// paths', () => {
  const root = '/opt/loadstone/dist/renderer';

  it('serves files of the renderer folder, and index.html for client-side routes', () => {
    expect(rendererFile(root, 'app://loadstone/assets/index-1.js', path.posix)).toBe(
      `${root}/assets/index-1.js`,
    );
    expect(rendererFile(root, 'app://loadstone/index.html', path.posix)).toBe(`${root}/index.html`);
    expect(rendererFile(root, 'app://loadstone/runs/r_1', path.posix)).toBe(`${root}/index.html`);
    expect(rendererFile(root, 'app://loadstone/', path.posix)).toBe(`${root}/index.html`);
  });

  it('never leaves the renderer folder, however the path is written', () => {
    for (const url of [
      'app://loadstone/../../etc/passwd',
      'app://loadstone/%2e%2e/%2e%2e/etc/passwd',
      'app://loadstone/assets/..%2f..%2f..%2fetc%2fpasswd',
      'app://loadstone/%2e%2e%2frenderer-old%2fapp.js',
      'app://loadstone/x%00.js',
      'app://loadstone/%E0%A4%A',
      'app://loadstone/..%2f..%2f..%2f..%2fetc%2fpasswd',
      'app://evil/index.html',
      'not a url',
    ]) {
      expect(inside(root, rendererFile(root, url, path.posix), path.posix), url).toBe(true);
    }
  });

  it('on Windows, an encoded backslash is a separator too', () => {
    const winRoot = 'C:\\Program Files\\Loadstone\\resources\\app.asar\\dist\\renderer';
    expect(rendererFile(winRoot, 'app://loadstone/assets/a.js', path.win32)).toBe(`${winRoot}\\assets\\a.js`);
    for (const url of [
      'app://loadstone/..%5c..%5c..%5cWindows%5cwin.ini',
      'app://loadstone/assets%5c..%5c..%5csecret.txt',
      'app://loadstone/C:%5cWindows%5cwin.ini',
    ]) {
      expect(inside(winRoot, rendererFile(winRoot, url, path.win32), path.win32), url).toBe(true);
    }
  });
});

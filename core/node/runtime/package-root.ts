import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding Loadstone's `package.json` (the repository, or the installed package), found
 * by walking up from this module, so it is right whether the code runs from its TypeScript source
 * or from a bundle (the CLI's, in `node_modules/.cache/loadstone/`). Used for what ships beside the
 * code: `migrations/`, the built renderer.
 * @throws Error when no such folder is above this module (a packaged app passes its paths instead)
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'loadstone') return (cached = dir);
    } catch {
      // no package.json here, or not readable: look further up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Loadstone package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

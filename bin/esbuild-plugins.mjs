// esbuild plugins shared by the CLI's bundle (bin/loadstone.mjs) and the Electron build
// (scripts/build-electron.mjs).
import { readFile } from 'node:fs/promises';

/** The function pg asks, at import, whether it runs on Cloudflare Workers. */
export const PG_CLOUDFLARE_CHECK = 'function isCloudflareRuntime() {';

/**
 * pg's `lib/stream.js` decides at import whether it runs on Cloudflare Workers, and on Node 20 (no
 * `navigator`) it does so by creating a `Response`: that loads Node's whole fetch implementation
 * (undici), 35–55 ms of every CLI command's start (measured 2026-12-07, `--cpu-prof`). Loadstone's
 * bundles run on Node or Electron only, so in them the check answers false at once. A pg whose file no
 * longer has the function is bundled unchanged (bin/esbuild-plugins.test.ts notices).
 */
export function pgNodeOnly(text) {
  return text.replace(PG_CLOUDFLARE_CHECK, `${PG_CLOUDFLARE_CHECK}\n  return false;`);
}

/** @type {import('esbuild').Plugin} */
export const pgNodeOnlyPlugin = {
  name: 'pg-node-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => ({
      contents: pgNodeOnly(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

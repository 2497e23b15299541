#!/usr/bin/env node
// Gives the Electron app a better-sqlite3 built for Electron's ABI without touching the project's own
// node_modules (whose Node build the CLI and the tests use):
//   1. copies better-sqlite3 (sources included) and its run-time dependencies into dist/electron/node_modules;
//   2. rebuilds that copy with @electron/rebuild for the installed Electron version.
// The engine bundle (dist/electron/engine.mjs) resolves `better-sqlite3` from dist/electron/node_modules
// first, so development (`npm start`) and packaging (`npm run dist`) both load the Electron build.
// A stamp file skips the work when Electron's and better-sqlite3's versions have not changed.
// Needs network the first time (Electron headers or a prebuilt binary), like any Electron native rebuild.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'electron');
const modules = join(out, 'node_modules');
const require = createRequire(join(root, 'package.json'));

const electronVersion = require('electron/package.json').version;
const sqliteVersion = require('better-sqlite3/package.json').version;
const stampFile = join(modules, '.loadstone-native.json');
const stamp = JSON.stringify({
  electronVersion,
  sqliteVersion,
  platform: process.platform,
  arch: process.arch,
});

if (!process.argv.includes('--force') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log(
    `electron-native: better-sqlite3 ${sqliteVersion} already built for Electron ${electronVersion}`,
  );
  process.exit(0);
}

// better-sqlite3 → bindings → file-uri-to-path: the whole run-time closure (prebuild-install is install-time only).
const closure = ['better-sqlite3', 'bindings', 'file-uri-to-path'];
rmSync(modules, { recursive: true, force: true });
mkdirSync(modules, { recursive: true });
for (const name of closure) {
  const from = dirname(require.resolve(`${name}/package.json`));
  // The Node build output stays behind: the copy is rebuilt from its sources below.
  cpSync(from, join(modules, name), {
    recursive: true,
    filter: (src) => !src.startsWith(join(from, 'build')),
  });
}
// @electron/rebuild walks the dependencies named by the package.json at buildPath.
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify({ name: 'loadstone-electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }, null, 2)}\n`,
);

const { rebuild } = await import('@electron/rebuild');
try {
  await rebuild({
    buildPath: out,
    electronVersion,
    onlyModules: ['better-sqlite3'],
    force: true,
    mode: 'sequential',
  });
} catch (error) {
  // Leave nothing half-built behind: a copy without its binary would shadow nothing useful.
  rmSync(modules, { recursive: true, force: true });
  rmSync(join(out, 'package.json'), { force: true });
  console.error(
    `electron-native: could not rebuild better-sqlite3 for Electron ${electronVersion}: ${error instanceof Error ? error.message : error}\n` +
      'It needs a C++ toolchain (python3, make, g++) and network access to fetch Electron headers or a prebuilt binary.',
  );
  process.exit(1);
}
writeFileSync(stampFile, stamp);
console.log(
  `electron-native: better-sqlite3 ${sqliteVersion} rebuilt for Electron ${electronVersion} in ${modules}`,
);

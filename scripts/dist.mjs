#!/usr/bin/env node
// `npm run dist`: packages the desktop app for this OS with electron-builder (electron-builder.yml):
// Linux AppImage + deb, macOS dmg, Windows nsis, into dist/packages/. Native modules cannot be
// cross-compiled, so build each OS's package on that OS. Extra arguments go to electron-builder
// (e.g. `npm run dist -- --linux deb`).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// electron-builder downloads its own Electron unless given a local one; say early why it may fail.
const electron = findElectronBinary(root);
const electronDist = 'error' in electron ? [] : ['-c.electronDist=node_modules/electron/dist'];
if ('error' in electron) {
  console.warn(
    'dist: no local Electron binary; electron-builder will download Electron itself (needs network).',
  );
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [join(root, 'scripts', 'ensure-renderer.mjs'), '--force']);
run(process.execPath, [join(root, 'scripts', 'build-electron.mjs'), '--production']);
run(process.execPath, [join(root, 'scripts', 'electron-native.mjs')]);
run(process.execPath, [
  join(root, 'node_modules', 'electron-builder', 'cli.js'),
  '--config',
  'electron-builder.yml',
  ...electronDist,
  ...process.argv.slice(2),
]);

#!/usr/bin/env node
// `npm start`: builds what is stale and launches the desktop app.
//   npm start            renderer (vite build, when stale) + Electron bundles + native modules, then `electron .`
//   npm start -- --dev   the Vite dev server (hot reload) + Electron pointed at it
// Fails at once, with the way out, when no Electron binary is installed.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');

const electron = findElectronBinary(root);
if ('error' in electron) {
  console.error(`npm start: ${electron.error}`);
  process.exit(1);
}

function step(script, args = []) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', script), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!dev) step('ensure-renderer.mjs');
step('build-electron.mjs');
step('electron-native.mjs');

const env = { ...process.env };
let vite = null;
if (dev) {
  const port = 5173;
  vite = spawn(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), '--port', String(port), '--strictPort'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  env.LOADSTONE_DEV_SERVER_URL = `http://127.0.0.1:${port}/`;
  await waitForServer(env.LOADSTONE_DEV_SERVER_URL);
}

const app = spawn(electron.path, ['.'], { cwd: root, stdio: 'inherit', env });
app.on('exit', (code) => {
  vite?.kill();
  process.exit(code ?? 0);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.kill(signal));

async function waitForServer(url) {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  console.error(`npm start --dev: the Vite dev server did not answer at ${url}`);
  vite?.kill();
  process.exit(1);
}

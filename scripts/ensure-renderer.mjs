#!/usr/bin/env node
// Builds the renderer (vite build → dist/renderer) when it is missing or older than its sources, so
// `npm run serve` and `npm start` always show the current UI. `--force` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const index = join(root, 'dist', 'renderer', 'index.html');
// What the renderer bundle is made of: its own folder, the shared contract and rules, and Vite's config.
const sources = ['renderer', 'core/common', 'vite.config.ts', 'package.json'].map((p) => join(root, p));

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    latest = Math.max(latest, newest(join(path, name)));
  }
  return latest;
}

if (!existsSync(join(root, 'vite.config.ts'))) {
  console.error('ensure-renderer: no vite.config.ts; the renderer cannot be built');
  process.exit(1);
}
const built = existsSync(index) ? statSync(index).mtimeMs : 0;
const stale = process.argv.includes('--force') || built === 0 || sources.some((s) => newest(s) > built);
if (!stale) process.exit(0);

console.log('ensure-renderer: building the renderer (vite build)…');
const result = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);

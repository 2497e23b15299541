#!/usr/bin/env node
// Enforces the layer table of STYLE.md: which folder may import what.
// Runs in `npm run lint`; exits 1 listing every forbidden import with file and line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Browser-safe npm packages `core/common` may use (validation only, no I/O). */
const COMMON_PACKAGES = new Set(['zod', 'croner', 'vitest', 'fast-check']);

/**
 * Each layer: folder, which project folders it may import, and whether Node built-ins,
 * npm packages and Electron are allowed.
 */
const LAYERS = [
  { dir: 'core/common', mayImport: ['core/common'], node: false, packages: COMMON_PACKAGES, electron: false },
  { dir: 'core/node', mayImport: ['core/common', 'core/node'], node: true, packages: 'any', electron: false },
  // Floors inside core/node: the run orchestrator (`runs/`) sits above `pipeline/` and `load/`; the
  // loader knows PostgreSQL and nothing of runs, the store or sources.
  {
    dir: 'core/node/load',
    mayImport: ['core/common', 'core/node/load', 'core/node/pg'],
    node: true,
    packages: 'any',
    electron: false,
  },
  {
    dir: 'core/node/pipeline',
    mayImport: ['core/common', 'core/node/pipeline', 'core/node/sources', 'core/node/load'],
    node: true,
    packages: 'any',
    electron: false,
  },
  {
    dir: 'electron/preload',
    mayImport: ['core/common/contract', 'electron/preload'],
    node: false,
    packages: new Set(),
    electron: true,
  },
  {
    dir: 'electron/utility',
    mayImport: ['core/common', 'core/node', 'electron/utility'],
    node: true,
    packages: 'any',
    electron: true,
  },
  {
    dir: 'electron/main',
    mayImport: ['core/common', 'electron/main'],
    node: true,
    packages: 'any',
    electron: true,
  },
  { dir: 'renderer', mayImport: ['core/common', 'renderer'], node: false, packages: 'any', electron: false },
  {
    dir: 'bench',
    mayImport: ['core/common', 'core/node', 'bench'],
    node: true,
    packages: 'any',
    electron: false,
  },
];

const importRe =
  /(?:^|[^\w.$])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) yield full;
  }
}

const problems = [];
for (const layer of LAYERS) {
  for (const file of walk(join(root, layer.dir))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importRe)) {
      const spec = match[1] ?? match[2];
      const line = text.slice(0, match.index).split('\n').length;
      const where = `${relative(root, file)}:${line}`;
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec))
          .split(sep)
          .join('/');
        if (!layer.mayImport.some((allowed) => target === allowed || target.startsWith(`${allowed}/`))) {
          problems.push(`${where}: ${layer.dir} may not import ${target}`);
        }
      } else if (nodeBuiltins.has(spec) || spec.startsWith('node:')) {
        if (!layer.node) problems.push(`${where}: ${layer.dir} may not import Node built-in '${spec}'`);
      } else if (spec === 'electron' || spec.startsWith('electron/')) {
        if (!layer.electron) problems.push(`${where}: ${layer.dir} may not import Electron`);
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (layer.packages !== 'any' && !layer.packages.has(pkg)) {
          problems.push(`${where}: ${layer.dir} may not import package '${pkg}'`);
        }
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Layer rule broken (${problems.length}):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('layers: ok');

// Finds the Electron executable, or explains why there is none. Shared by start-electron.mjs and dist.mjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * @param {string} root the project folder
 * @returns {{ path: string } | { error: string }}
 */
export function findElectronBinary(root) {
  const require = createRequire(join(root, 'package.json'));
  const version = require('electron/package.json').version;
  const help =
    `Loadstone's desktop app needs the Electron ${version} binary, which is not installed ` +
    '(node_modules/electron has no dist/: its download is skipped where ELECTRON_SKIP_BINARY_DOWNLOAD is set ' +
    'or install scripts are denied).\n' +
    'Install it with network access:  node node_modules/electron/install.js\n' +
    'or point to an unpacked Electron:  ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-dist npm start\n' +
    'Without Electron, `npm run serve` runs the same app in your browser.';
  let path;
  try {
    path = require('electron');
  } catch {
    return { error: help };
  }
  if (typeof path !== 'string' || !existsSync(path)) return { error: help };
  return { path };
}

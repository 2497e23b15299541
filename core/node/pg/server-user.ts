import { spawnSync } from 'node:child_process';
import { chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';

/** The OS account the PostgreSQL server runs as, when it is not the current one. */
export interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const SERVER_USER = 'postgres';
let cached: RunAs | null | undefined;

/**
 * `initdb` and `postgres` refuse to run as root. As root we run them as the `postgres` system
 * user, creating it (and its group) only when it is missing; as any other user we run them as
 * ourselves (`null`).
 * @throws LoadstoneError TARGET_UNREACHABLE when the user is missing and cannot be created.
 */
export function serverRunAs(): RunAs | null {
  if (cached !== undefined) return cached;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    cached = null;
    return cached;
  }
  cached = lookupUser(SERVER_USER) ?? createUser(SERVER_USER);
  return cached;
}

function lookupUser(name: string): RunAs | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function createUser(name: string): RunAs {
  const groupExists = spawnSync('getent', ['group', name]).status === 0;
  // A system account without a home or login shell: it only owns the server's files.
  const args = ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin'];
  args.push(...(groupExists ? ['--gid', name] : ['--user-group']), name);
  const result = spawnSync('useradd', args, { encoding: 'utf8' });
  const created = lookupUser(name);
  if (created) return created;
  const why = result.error ? result.error.message : result.stderr.trim() || `exit code ${result.status}`;
  throw new LoadstoneError(
    'TARGET_UNREACHABLE',
    `PostgreSQL cannot run as root and the '${name}' system user could not be created (useradd: ${why}); ` +
      `create it, or run Loadstone as a normal user`,
  );
}

/** Options for `spawn`/`execFile` that run a program as the server user. */
export function spawnIdentity(runAs: RunAs | null): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

/** Hands `path` to the server user (no-op when we are that user). */
export function giveToServerUser(path: string, runAs: RunAs | null): void {
  if (runAs) chownSync(path, runAs.uid, runAs.gid);
}

/** Hands `dir` and everything under it to the server user (a copied cluster belongs to whoever copied it). */
export function giveTreeToServerUser(dir: string, runAs: RunAs | null): void {
  if (!runAs) return;
  chownSync(dir, runAs.uid, runAs.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) giveTreeToServerUser(full, runAs);
    else chownSync(full, runAs.uid, runAs.gid);
  }
}

/**
 * Whether the server user can reach (enter) `dir`. As root, a folder under a private home
 * (e.g. `/root`, mode 0700) is out of the `postgres` user's reach, which would fail deep inside
 * initdb with an obscure message; we check first and say so.
 */
export function serverUserCanReach(dir: string, runAs: RunAs | null): boolean {
  if (!runAs) return true;
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'probe', dir], {
    uid: runAs.uid,
    gid: runAs.gid,
  });
  return probe.status === 0;
}

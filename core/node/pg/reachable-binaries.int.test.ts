import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPgBinaries } from './binaries.ts';
import { reachableNativeDir } from './reachable-binaries.ts';
import { serverRunAs, serverUserCanReach } from './server-user.ts';

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-bin-'));
fs.chmodSync(scratch, 0o755);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The package's real `native/` tree (bin, lib, share), wherever this project lives. */
async function packageNativeDir(): Promise<string> {
  const { initdb } = await findPgBinaries();
  return path.dirname(path.dirname(initdb));
}

describe('reachableNativeDir', () => {
  it('uses the binaries where they are when not running as root', async () => {
    const native = await packageNativeDir();
    expect(reachableNativeDir(native, null, 'any', path.join(scratch, 'unused'))).toBe(native);
    expect(fs.existsSync(path.join(scratch, 'unused'))).toBe(false);
  });

  it.runIf(asRoot)(
    'as root, copies binaries out of a private (0700) folder once and runs the server from the copy',
    async () => {
      const runAs = serverRunAs()!;
      // A project cloned into `mktemp -d` (0700): the postgres user cannot enter it.
      const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-private-'));
      try {
        fs.chmodSync(privateDir, 0o700);
        const native = path.join(privateDir, 'native');
        fs.cpSync(await packageNativeDir(), native, { recursive: true, verbatimSymlinks: true });
        expect(serverUserCanReach(path.join(native, 'bin'), runAs)).toBe(false);

        const base = path.join(scratch, 'pg-binaries');
        const copy = reachableNativeDir(native, runAs, 'linux-x64-test', base);
        expect(copy).toBe(path.join(base, 'linux-x64-test'));
        expect(serverUserCanReach(path.join(copy, 'bin'), runAs)).toBe(true);
        expect(fs.statSync(copy).mode & 0o777).toBe(0o755);
        expect(fs.statSync(path.join(copy, 'bin', 'initdb')).mode & 0o777).toBe(0o755);

        // The server user runs the copied programs, libraries and share files included.
        const cluster = path.join(scratch, 'cluster');
        fs.mkdirSync(cluster, { mode: 0o700 });
        fs.chownSync(cluster, runAs.uid, runAs.gid);
        execFileSync(path.join(copy, 'bin', 'initdb'), [`--pgdata=${cluster}`, '--auth=trust', '--no-sync'], {
          uid: runAs.uid,
          gid: runAs.gid,
          stdio: 'pipe',
          env: { ...process.env, LC_ALL: 'C' },
        });
        expect(fs.existsSync(path.join(cluster, 'PG_VERSION'))).toBe(true);

        // A second call reuses the finished copy.
        const marker = fs.statSync(path.join(copy, '.loadstone-complete')).mtimeMs;
        expect(reachableNativeDir(native, runAs, 'linux-x64-test', base)).toBe(copy);
        expect(fs.statSync(path.join(copy, '.loadstone-complete')).mtimeMs).toBe(marker);
        expect(fs.readdirSync(base)).toEqual(['linux-x64-test']);
      } finally {
        fs.rmSync(privateDir, { recursive: true, force: true });
      }
    },
  );
});

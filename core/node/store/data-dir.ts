import os from 'node:os';
import path from 'node:path';

/** Where the run store and the embedded warehouse live. */
export interface DataDirOptions {
  /** `--data-dir` flag (or the Electron userData folder): wins over everything. */
  dataDir?: string;
  env: NodeJS.ProcessEnv;
  /** Defaults to `process.platform`; settable so every platform's rule is testable anywhere. */
  platform?: NodeJS.Platform;
  /** Defaults to `os.homedir()`. */
  home?: string;
  /** Base for relative `dataDir` / `LOADSTONE_HOME` values; defaults to `process.cwd()`. */
  cwd?: string;
}

/**
 * Resolves the data folder: flag > `LOADSTONE_HOME` > the platform's per-user data folder
 * (Linux `$XDG_DATA_HOME/loadstone` or `~/.local/share/loadstone`, macOS
 * `~/Library/Application Support/Loadstone`, Windows `%APPDATA%\Loadstone`).
 * Only resolves the path: `openStore` creates the folder on first use.
 */
export function resolveDataDir(opts: DataDirOptions): string {
  const platform = opts.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = nonEmpty(opts.dataDir) ?? nonEmpty(opts.env.LOADSTONE_HOME);
  if (explicit) return p.resolve(cwd, explicit);

  const home = opts.home ?? os.homedir();
  switch (platform) {
    case 'win32':
      return p.join(nonEmpty(opts.env.APPDATA) ?? p.join(home, 'AppData', 'Roaming'), 'Loadstone');
    case 'darwin':
      return p.join(home, 'Library', 'Application Support', 'Loadstone');
    default: {
      // The XDG spec says relative values are invalid and must be ignored.
      const xdg = nonEmpty(opts.env.XDG_DATA_HOME);
      const base = xdg && p.isAbsolute(xdg) ? xdg : p.join(home, '.local', 'share');
      return p.join(base, 'loadstone');
    }
  }
}

/** The run store's file inside a data folder. */
export function storeFileIn(dataDir: string): string {
  return path.join(dataDir, 'loadstone.db');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

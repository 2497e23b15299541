import { resolveDataDir } from '../store/data-dir.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { NoSecretStore } from '../store/secret-store.ts';
import type { CliIo } from './io.ts';

/** The `--data-dir` option shared by the store commands (runs, errors, connections). */
export const DATA_DIR_OPTION = { 'data-dir': { type: 'string' } } as const;
export const DATA_DIR_HELP =
  '  --data-dir <path>  Data folder (default: $LOADSTONE_HOME, else the per-user data folder)';

/**
 * Opens the run store for one CLI command, runs `fn`, closes the store. The CLI has no OS
 * keychain: it uses `NoSecretStore`, so saving a password is refused. Failures go to the CLI's one
 * error report (an unknown run or connection, NOT_FOUND, exits 2: see `exitCodeFor`).
 */
/** A run id as the operator gave it: `last` is the most recent run (`errors last`, `runs last`). */
export function runIdArg(store: RunStore, given: string): string {
  return given === 'last' ? (store.runs.list({ limit: 1 })[0]?.id ?? given) : given;
}

export async function withCliStore(
  dataDir: string | undefined,
  io: CliIo,
  fn: (store: RunStore) => Promise<number>,
): Promise<number> {
  const dir = resolveDataDir({ dataDir, env: io.env, cwd: io.cwd });
  const store = openStore(dir, { secretStore: new NoSecretStore() });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/**
 * Makes stored text safe for a terminal: control characters (escape sequences a hostile file
 * could carry) become visible `\xNN`, line breaks `⏎`, tabs `→`.
 */
export function terminalSafe(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, '⏎')
    .replace(/\t/g, '→')
    .replace(
      /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
}

/** Shortens for a table cell (after making it terminal-safe). */
export function cell(text: string, width: number): string {
  const safe = terminalSafe(text);
  return safe.length <= width ? safe : `${safe.slice(0, width - 1)}…`;
}

/** Pads the cells of the given columns on the left so numbers line up on the right. */
export function alignRight(
  rows: string[][],
  columns: readonly number[],
  header?: readonly string[],
): string[][] {
  for (const c of columns) {
    const width = Math.max(header?.[c]?.length ?? 0, ...rows.map((r) => (r[c] ?? '').length));
    for (const r of rows) r[c] = (r[c] ?? '').padStart(width);
  }
  return rows;
}

/** `2026-11-27 17:05:01` in the machine's time zone. */
export function localTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A run's one duration (`RunSummary.durationMs`): `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`; empty when unknown. */
export function durationText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

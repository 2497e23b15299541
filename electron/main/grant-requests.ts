// Main's part of file grants, kept free of Electron so it can be tested in plain Node: what a dialog's
// result or a dropped file's path becomes. The engine checks every request again (FileGrants).
import { isAbsolute } from 'node:path';
import type { GrantRequest } from '../../core/common/contract/engine-protocol.ts';

/** The read grant for what the operator chose in the open dialog, or null when it was cancelled. */
export function openDialogGrant(result: {
  canceled: boolean;
  filePaths: readonly string[];
}): GrantRequest | null {
  const path = result.filePaths[0];
  if (result.canceled || !path) return null;
  return { kind: 'read', path };
}

/**
 * The write grant for what the operator chose in the save dialog, or null when it was cancelled.
 * A file that exists now was confirmed in the dialog (`showOverwriteConfirmation`, and macOS and
 * Windows always ask), so it may be replaced; anything else may only be created.
 */
export function saveDialogGrant(
  result: { canceled: boolean; filePath?: string | undefined },
  exists: (path: string) => boolean,
): GrantRequest | null {
  const path = result.filePath;
  if (result.canceled || !path) return null;
  return { kind: 'write', path, overwrite: exists(path) };
}

/**
 * The read grant for a file the operator dropped on (or picked in) the page: the preload sends the
 * path `webUtils.getPathForFile` gave for a real File, '' for one made in memory (which names nothing).
 */
export function droppedFileGrant(path: unknown): GrantRequest | null {
  if (typeof path !== 'string' || path === '' || path.includes('\0') || !isAbsolute(path)) return null;
  return { kind: 'read', path };
}

/**
 * Only a file name is taken from the page for the save dialog; the folder is the operator's choice.
 * The page's name is a suggestion the operator may accept with one key, so it is never one that would
 * hide the file (`.bashrc`) or name a Windows device (`NUL.csv`), and has no control characters.
 */
export function saveDialogDefaultName(name: string): string {
  const base = name
    .replace(/[\\/\u0000-\u001f\u007f]/g, '_')
    .trim()
    .replace(/^[.\s]+/, '')
    .slice(0, 200);
  if (base === '') return 'export';
  return /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/i.test(base) ? `_${base}` : base;
}

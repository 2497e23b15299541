import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedSecretStore, NoSecretStore, type SecretStore } from '../store/secret-store.ts';
import type { Logger } from './logger.ts';

/**
 * Seals and opens small blobs with the OS keychain. In the desktop app this is Electron's `safeStorage`,
 * which exists only in the main process, so the engine reaches it asynchronously over IPC.
 */
export interface KeyProtector {
  protect(data: Buffer): Promise<Buffer>;
  unprotect(data: Buffer): Promise<Buffer>;
}

/** File (in the data folder) holding the engine's secret key, sealed by the OS keychain. */
export const ENGINE_KEY_FILE = 'secret-key.sealed';

/**
 * The engine's SecretStore in the desktop app (envelope encryption).
 *
 * `SecretStore` is synchronous and the engine runs in a utility process, while `safeStorage` lives in
 * main and is asynchronous from here. So one random 256-bit key, sealed by the OS keychain and kept in
 * `<dataDir>/secret-key.sealed`, is opened once at start; connection secrets are then encrypted with it
 * (AES-256-GCM, `KeyedSecretStore`) synchronously. The key at rest is only as readable as the
 * keychain makes it; in memory it lives as long as the decrypted secrets would anyway.
 *
 * - no protector (no OS encryption) → `NoSecretStore`: secrets are refused, never written in clear;
 * - a sealed key the keychain can no longer open (other user, reset keychain) is set aside as
 *   `secret-key.sealed.unreadable-<time>` and a new key is made: old secrets then fail to decrypt
 *   and the operator re-enters them, which the store already reports clearly.
 */
export async function openEngineSecretStore(
  dataDir: string,
  protector: KeyProtector | null,
  log: Logger,
): Promise<SecretStore> {
  if (!protector) return new NoSecretStore();
  const file = join(dataDir, ENGINE_KEY_FILE);
  let sealed: Buffer | null = null;
  try {
    sealed = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (sealed) {
    try {
      const key = await protector.unprotect(sealed);
      if (key.length === 32) return new KeyedSecretStore(key);
      log.warn('the sealed secret key has the wrong length; making a new one');
    } catch {
      log.warn('the OS keychain cannot open the sealed secret key; saved passwords must be entered again');
    }
    await rename(file, `${file}.unreadable-${Date.now()}`);
  }
  const key = randomBytes(32);
  // Private, like the store makes it: the data folder holds rejected rows and this key.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, await protector.protect(key), { mode: 0o600, flag: 'wx' });
  return new KeyedSecretStore(key);
}

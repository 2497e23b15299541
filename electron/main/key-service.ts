import { safeStorage } from 'electron';
import type { KeyService } from './engine-process.ts';

/**
 * The engine's key protector, or null when the OS offers no real encryption. On Linux without a
 * keyring safeStorage falls back to `basic_text` (a hard-coded key): that is no protection, so secrets
 * are refused instead, exactly as the CLI does. Must be called after `app.ready`.
 */
export function createKeyService(): KeyService | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return null;
  // safeStorage works on strings; the key travels as base64 text inside the sealed blob.
  return (op, data) =>
    op === 'encrypt'
      ? safeStorage.encryptString(data.toString('base64'))
      : Buffer.from(safeStorage.decryptString(data), 'base64');
}

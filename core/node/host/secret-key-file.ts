import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { KeyedSecretStore, type SecretStore } from '../store/index.ts';

/**
 * A KeyedSecretStore whose key lives in `file` (32 random bytes, created with mode 0600 when missing).
 * The key opens every saved password, so, as ssh does with a private key, a key file that others may
 * read or write (any group or other permission bit, on POSIX) is refused rather than used.
 * @throws LoadstoneError BAD_USAGE when the file cannot be read, is open to others or does not hold
 *   32 bytes.
 */
export async function keyFileSecretStore(file: string): Promise<SecretStore> {
  let key: Buffer;
  try {
    const found = await stat(file);
    if (process.platform !== 'win32' && (found.mode & 0o077) !== 0) {
      const mode = (found.mode & 0o777).toString(8).padStart(4, '0');
      throw new LoadstoneError(
        'BAD_USAGE',
        `--secret-key-file ${file} is open to other users (mode ${mode}); it opens every saved password: chmod 600 it`,
      );
    }
    key = await readFile(file);
  } catch (error) {
    if (error instanceof LoadstoneError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LoadstoneError(
        'BAD_USAGE',
        `cannot read --secret-key-file ${file}: ${(error as Error).message}`,
      );
    }
    key = randomBytes(32);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, key, { mode: 0o600, flag: 'wx' });
  }
  if (key.length !== 32) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--secret-key-file ${file} must hold exactly 32 bytes, it has ${key.length}`,
    );
  }
  return new KeyedSecretStore(key);
}

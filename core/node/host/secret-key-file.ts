import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { KeyedSecretStore, type SecretStore } from '../store/index.ts';

/**
 * A KeyedSecretStore whose key lives in `file` (32 random bytes, created with mode 0600 when missing).
 * @throws LoadstoneError BAD_USAGE when the file cannot be read or does not hold 32 bytes.
 */
export async function keyFileSecretStore(file: string): Promise<SecretStore> {
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (error) {
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

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LoadstoneError } from '../../common/errors.ts';

/**
 * Encrypts connection secrets at rest. The shape of Electron's `safeStorage`
 * (see `fromSafeStorage`); the CLI has no OS keychain and uses `NoSecretStore`.
 */
export interface SecretStore {
  /** Whether secrets can be encrypted here; when false nothing secret may be saved. */
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  /** @throws when the data was not produced by this store (other key, other user, corrupted). */
  decrypt(data: Buffer): string;
}

/** The CLI's store: no OS encryption, so every secret is refused rather than written in clear. */
export class NoSecretStore implements SecretStore {
  isAvailable(): boolean {
    return false;
  }
  encrypt(): Buffer {
    throw new LoadstoneError('SECRET_UNAVAILABLE', 'no OS encryption is available to store secrets');
  }
  decrypt(): string {
    throw new LoadstoneError('SECRET_UNAVAILABLE', 'no OS encryption is available to read saved secrets');
  }
}

const FORMAT_V1 = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a caller-supplied 32-byte key: real authenticated encryption, used where
 * Electron's safeStorage cannot run (tests, headless hosts that manage their own key).
 * Layout: version byte | 12-byte IV | 16-byte tag | ciphertext.
 */
export class KeyedSecretStore implements SecretStore {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32)
      throw new RangeError(`KeyedSecretStore needs a 32-byte key, got ${key.length} bytes`);
    this.#key = Buffer.from(key);
  }

  isAvailable(): boolean {
    return true;
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT_V1), iv, cipher.getAuthTag(), body]);
  }

  decrypt(data: Buffer): string {
    if (data.length < 1 + IV_BYTES + TAG_BYTES || data[0] !== FORMAT_V1) {
      throw new Error('not a secret written by this store');
    }
    const iv = data.subarray(1, 1 + IV_BYTES);
    const tag = data.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAuthTag(tag);
    // final() throws when the tag does not match: wrong key or tampered bytes.
    return Buffer.concat([
      decipher.update(data.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** The part of Electron's `safeStorage` this adapter needs (structural: no Electron import here). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** Adapts Electron's `safeStorage` to `SecretStore`. */
export function fromSafeStorage(safeStorage: SafeStorageLike): SecretStore {
  return {
    isAvailable: () => safeStorage.isEncryptionAvailable(),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (data) => safeStorage.decryptString(data),
  };
}

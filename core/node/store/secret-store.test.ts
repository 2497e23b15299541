import { describe, expect, it } from 'vitest';
import { fromSafeStorage, KeyedSecretStore, NoSecretStore } from './secret-store.ts';

describe('KeyedSecretStore', () => {
  it('encrypts with a fresh IV each time and decrypts', () => {
    const store = new KeyedSecretStore(Buffer.alloc(32, 1));
    const a = store.encrypt('hunter2');
    const b = store.encrypt('hunter2');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('hunter2'))).toBe(false);
    expect(store.decrypt(a)).toBe('hunter2');
    expect(store.decrypt(store.encrypt(''))).toBe('');
  });

  it('refuses another key and tampered bytes', () => {
    const store = new KeyedSecretStore(Buffer.alloc(32, 1));
    const data = store.encrypt('hunter2');
    expect(() => new KeyedSecretStore(Buffer.alloc(32, 2)).decrypt(data)).toThrow();
    const tampered = Buffer.from(data);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => store.decrypt(tampered)).toThrow();
    expect(() => store.decrypt(Buffer.from('plain'))).toThrow('not a secret written by this store');
  });

  it('needs a 32-byte key', () => {
    expect(() => new KeyedSecretStore(Buffer.alloc(16))).toThrow('32-byte key');
  });
});

describe('NoSecretStore', () => {
  it('is unavailable and refuses to encrypt', () => {
    const store = new NoSecretStore();
    expect(store.isAvailable()).toBe(false);
    expect(() => store.encrypt()).toThrow('no OS encryption');
  });
});

describe('fromSafeStorage', () => {
  it('adapts the Electron API', () => {
    const keyed = new KeyedSecretStore(Buffer.alloc(32, 3));
    const adapted = fromSafeStorage({
      isEncryptionAvailable: () => true,
      encryptString: (s) => keyed.encrypt(s),
      decryptString: (b) => keyed.decrypt(b),
    });
    expect(adapted.isAvailable()).toBe(true);
    expect(adapted.decrypt(adapted.encrypt('x'))).toBe('x');
  });
});

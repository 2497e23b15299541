import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINE_KEY_FILE, type KeyProtector, openEngineSecretStore } from './engine-key.ts';
import { memoryLogger } from './test-support.ts';

// Electron's safeStorage exists only inside Electron; this protector stands in for it (a reversible
// seal that only "this keychain" opens), so the envelope logic around it is tested for real.
function keychain(name: string): KeyProtector {
  const tag = Buffer.from(`sealed-by:${name}:`);
  return {
    protect: async (data) => Buffer.concat([tag, data]),
    unprotect: async (data) => {
      if (!data.subarray(0, tag.length).equals(tag)) throw new Error('cannot decrypt');
      return data.subarray(tag.length);
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-')), 'data');
});
afterEach(() => {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('openEngineSecretStore', () => {
  it('refuses secrets when the OS offers no encryption', async () => {
    const store = await openEngineSecretStore(dir, null, memoryLogger());
    expect(store.isAvailable()).toBe(false);
    expect(() => store.encrypt('pw')).toThrow(/no OS encryption/);
    expect(fs.existsSync(path.join(dir, ENGINE_KEY_FILE))).toBe(false);
  });

  it('makes a sealed key on first use and opens the same key next time', async () => {
    const first = await openEngineSecretStore(dir, keychain('me'), memoryLogger());
    const sealed = first.encrypt('hunter22');
    const file = path.join(dir, ENGINE_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).subarray(0, 13).toString()).toBe('sealed-by:me:');
    expect(sealed.includes(Buffer.from('hunter22'))).toBe(false);

    const second = await openEngineSecretStore(dir, keychain('me'), memoryLogger());
    expect(second.decrypt(sealed)).toBe('hunter22');
  });

  it('sets an unopenable key aside and starts a new one (old secrets then fail to decrypt)', async () => {
    const mine = await openEngineSecretStore(dir, keychain('me'), memoryLogger());
    const sealed = mine.encrypt('hunter22');
    const log = memoryLogger();
    const other = await openEngineSecretStore(dir, keychain('someone-else'), log);
    expect(() => other.decrypt(sealed)).toThrow();
    expect(other.decrypt(other.encrypt('new'))).toBe('new');
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(`${ENGINE_KEY_FILE}.unreadable-`))).toHaveLength(1);
    expect(log.lines.join('\n')).toContain('saved passwords must be entered again');
  });
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyFileSecretStore } from './secret-key-file.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-keyfile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--secret-key-file', () => {
  it('creates a missing key file 0600, and uses it after', async () => {
    const file = path.join(dir, 'new.key');
    const store = await keyFileSecretStore(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file).size).toBe(32);
    const sealed = store.encrypt('hunter2');
    expect((await keyFileSecretStore(file)).decrypt(sealed)).toBe('hunter2');
  });

  it.skipIf(process.platform === 'win32')('refuses a key file others may read or write', async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602]) {
      const file = path.join(dir, `open-${mode.toString(8)}.key`);
      fs.writeFileSync(file, randomBytes(32), { mode: 0o600 });
      fs.chmodSync(file, mode);
      await expect(keyFileSecretStore(file)).rejects.toMatchObject({
        code: 'BAD_USAGE',
        message: expect.stringMatching(/open to other users.*chmod 600/),
      });
    }
    const owner = path.join(dir, 'owner-only.key');
    fs.writeFileSync(owner, randomBytes(32), { mode: 0o400 });
    await expect(keyFileSecretStore(owner)).resolves.toBeDefined();
  });

  it('refuses a key of the wrong length', async () => {
    const file = path.join(dir, 'short.key');
    fs.writeFileSync(file, randomBytes(16), { mode: 0o600 });
    await expect(keyFileSecretStore(file)).rejects.toMatchObject({ code: 'BAD_USAGE' });
  });
});

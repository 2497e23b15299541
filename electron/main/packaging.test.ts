import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../core/common/csp.ts';
import { rendererSource } from './app-origin.ts';

// The Electron binary cannot be downloaded on the build machines, so a packaged app's fuses cannot be
// read here. What can be checked: electron-builder, reading electron-builder.yml with its own loader
// and schema, gets every fuse the packaged app must have.

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

/** electron-builder's own config loading and validation (app-builder-lib is electron-builder's engine). */
async function builderConfig(): Promise<Record<string, unknown>> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(dir: string, file: string | null, extra: null): Promise<Record<string, unknown>>;
    validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = await getConfig(root, 'electron-builder.yml', null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

describe('packaged app', () => {
  it('flips every Electron fuse the app relies on (electron-builder electronFuses)', async () => {
    const config = await builderConfig();
    expect(config.electronFuses).toEqual({
      // ELECTRON_RUN_AS_NODE would turn the app into a plain Node runtime (the engine is a utilityProcess).
      runAsNode: false,
      // NODE_OPTIONS / NODE_EXTRA_CA_CERTS and --inspect would let anyone who starts it inject code.
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      // Only the signed app.asar, validated against the hash embedded in the binary.
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // Chromium's cookie store encrypted with the OS keychain.
      enableCookieEncryption: true,
      // The renderer is served from app://, never file://.
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });

  it("unpacks the SQLite reader's worker next to the native module it loads (batch-worker.ts starts it there)", async () => {
    const config = await builderConfig();
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        'dist/electron/node_modules/better-sqlite3/**',
        'dist/electron/sqlite-read-worker.mjs',
      ]),
    );
  });

  it("serves the renderer with the app's one CSP (the page's meta tag and the browser host say the same)", () => {
    expect(rendererSource(undefined, true).csp).toBe(CONTENT_SECURITY_POLICY);
  });
});

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import { REPO_ROOT } from './serve-process.ts';

/** The desktop app under test, with the one native dialog the specs need answered. */
export interface ElectronApp {
  readonly app: ElectronApplication;
  readonly page: Page;
  /** Makes the next native save dialog answer `file` (Playwright cannot click OS dialogs). */
  answerSaveDialog(file: string): Promise<void>;
  close(): Promise<void>;
}

/** Path of the Electron binary installed by the `electron` package, or null when it was not downloaded. */
export function electronBinary(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const binary = require('electron') as unknown as string;
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/**
 * Launches the built desktop app (`npm run build:electron` → dist/electron/main.cjs) with its own data
 * folder. Used when LOADSTONE_E2E_ELECTRON=1; fails loudly when the binary or the build is missing.
 */
export async function launchElectronApp(opts: { dataDir: string }): Promise<ElectronApp> {
  const binary = electronBinary();
  if (!binary) {
    throw new Error(
      'LOADSTONE_E2E_ELECTRON=1 but the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD?). ' +
        'Install it (`node node_modules/electron/install.js`) or run without LOADSTONE_E2E_ELECTRON.',
    );
  }
  const main = path.join(REPO_ROOT, 'dist/electron/main.cjs');
  if (!existsSync(main))
    throw new Error(`No desktop build at ${main}: run \`npm run build:electron\` first.`);
  const app = await _electron.launch({
    executablePath: binary,
    args: [main],
    cwd: REPO_ROOT,
    env: { ...process.env, LOADSTONE_HOME: opts.dataDir },
  });
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  return {
    app,
    page,
    async answerSaveDialog(file) {
      await app.evaluate(({ dialog }, chosen) => {
        const answer = async () => ({ canceled: false, filePath: chosen });
        dialog.showSaveDialog = answer as typeof dialog.showSaveDialog;
      }, file);
    },
    close: () => app.close(),
  };
}

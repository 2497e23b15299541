import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, type Download, expect, type Page } from '@playwright/test';
import {
  createTestDatabase,
  removeRootCluster,
  startTestServer,
  type TestServer,
} from '../../core/node/pg/test-server.ts';
import { launchElectronApp } from './electron-app.ts';
import { REPO_ROOT, startServe } from './serve-process.ts';

/** Whether this run drives the desktop app (Electron) instead of the browser host. */
export const ELECTRON = process.env.LOADSTONE_E2E_ELECTRON === '1';

/** What a spec gets: the app's page and the things around it. */
export interface LoadstoneApp {
  readonly page: Page;
  readonly transport: 'http' | 'electron';
  /** The app's data folder (fresh for every test). */
  readonly dataDir: string;
  /** A folder for the test's input and output files. */
  readonly workDir: string;
  /**
   * Saves a screenshot of the screen as it is now under e2e/output/screens/<test>/NN-<name>.png.
   * Returns the path.
   */
  shot(name: string): Promise<string>;
  /**
   * Triggers an export with `click` and returns the file's bytes: a download in the browser host,
   * the native save dialog (answered with a temp path) in Electron.
   */
  exportFile(click: () => Promise<void>, fileName: string): Promise<Buffer>;
}

/** A PostgreSQL server for the worker, with a fresh database per test. */
export interface PgTarget {
  /** `postgresql://postgres:pw@127.0.0.1:port/<db>` of this test's database. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

const SCREENS_DIR = path.join(REPO_ROOT, 'e2e/output/screens');

export const test = base.extend<{ app: LoadstoneApp; pg: PgTarget }, { pgServer: TestServer }>({
  pgServer: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies destructured.
    async ({}, use) => {
      const server = await startTestServer();
      try {
        await use(server);
      } finally {
        await server.stop();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  pg: async ({ pgServer }, use, testInfo) => {
    const url = new URL(
      await createTestDatabase(pgServer.url, `e2e_${testInfo.workerIndex}_${slug(testInfo.title)}`),
    );
    await use({
      url: url.toString(),
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    });
  },

  app: async ({ page }, use, testInfo) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
    const dataDir = path.join(root, 'data');
    const workDir = path.join(root, 'work');
    fs.mkdirSync(dataDir);
    fs.mkdirSync(workDir);
    const shotsDir = path.join(SCREENS_DIR, slug(`${testInfo.titlePath.slice(1).join(' ')}`));
    fs.rmSync(shotsDir, { recursive: true, force: true });
    fs.mkdirSync(shotsDir, { recursive: true });
    let shots = 0;

    const make = (appPage: Page, transport: 'http' | 'electron', saveAs: LoadstoneApp['exportFile']) => ({
      page: appPage,
      transport,
      dataDir,
      workDir,
      async shot(name: string) {
        const file = path.join(shotsDir, `${String(++shots).padStart(2, '0')}-${slug(name)}.png`);
        await appPage.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
        return file;
      },
      exportFile: saveAs,
    });

    if (ELECTRON) {
      const electron = await launchElectronApp({ dataDir });
      try {
        await use(
          make(electron.page, 'electron', async (click, fileName) => {
            const target = path.join(workDir, fileName);
            await electron.answerSaveDialog(target);
            await click();
            await expect.poll(() => fs.existsSync(target), { timeout: 30_000 }).toBe(true);
            return fs.readFileSync(target);
          }),
        );
      } finally {
        await electron.close();
        removeRootCluster(dataDir); // as root the local warehouse lives outside the data folder
        fs.rmSync(root, { recursive: true, force: true });
      }
      return;
    }

    const serve = await startServe({ dataDir });
    // The page runs under the app's strict CSP (no 'unsafe-inline'); Chromium reports anything it
    // refuses in the console. Any such report fails the test: the UI must not need a looser policy.
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    try {
      await page.goto(serve.url);
      await use(
        make(page, 'http', async (click) => {
          const [download] = await Promise.all([page.waitForEvent('download'), click()]);
          return readDownload(download);
        }),
      );
      expect(cspViolations, 'CSP violations reported in the browser console').toEqual([]);
    } finally {
      await serve.stop();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('host-stderr', { body: serve.log(), contentType: 'text/plain' });
      }
      removeRootCluster(dataDir); // as root the local warehouse lives outside the data folder
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
});

export { expect };

async function readDownload(download: Download): Promise<Buffer> {
  const failure = await download.failure();
  if (failure) throw new Error(`the download failed: ${failure}`);
  const file = await download.path();
  return fs.readFileSync(file);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

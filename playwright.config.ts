import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the built renderer behind the real browser host and engine, in Debian's Chromium
 * (never a downloaded browser), one worker (the machine has two cores and each test runs PostgreSQL).
 */
const chromium = process.env.LOADSTONE_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  // A missing browser must fail the run loudly: a silently skipped e2e suite looks like a green one.
  throw new Error(
    `No Chromium at ${chromium}. Install Debian's: \`apt-get install -y chromium\` ` +
      '(or point LOADSTONE_CHROMIUM at a Chromium binary). Never `npx playwright install` here.',
  );
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'e2e/output/test-results',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['html', { outputFolder: 'e2e/output/report', open: 'never' }]],
  use: {
    viewport: { width: 1440, height: 900 },
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: process.env.LOADSTONE_E2E_ELECTRON === '1' ? 'electron' : 'chromium',
      use: { browserName: 'chromium' },
    },
  ],
});

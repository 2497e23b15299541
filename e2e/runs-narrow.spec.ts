import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/serve-process.ts';

// The runs list fits a 1024 × 768 window: no sideways scroll, whatever the job's name or the target.

function loadstone(dataDir: string, cwd: string, args: string[]): string {
  return execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/loadstone.mjs'), ...args, '--data-dir', dataDir],
    { cwd, env: { ...process.env, PGPASSFILE: path.join(cwd, 'no-pgpass') }, encoding: 'utf8' },
  );
}

const JOB = 'nightly-orders-from-the-european-warehouse-export-with-every-region-and-currency-v2';
const TABLE = 'orders_from_the_european_warehouse_export_every_region_currency';

test('the runs list fits a 1024 px window without scrolling sideways', async ({ app, pg: target }) => {
  const { page } = app;
  fs.writeFileSync(path.join(app.workDir, 'orders.csv'), 'id,amount\n1,1.5\n2,2x\n3,3.5\n');
  fs.writeFileSync(
    path.join(app.workDir, 'orders.json'),
    JSON.stringify({ source: { path: 'orders.csv' }, columns: [{ source: 'amount', type: 'numeric' }] }),
  );
  loadstone(app.dataDir, app.workDir, ['jobs', 'import', 'orders.json', '--name', JOB]);
  const run = (args: string[]) =>
    JSON.parse(loadstone(app.dataDir, app.workDir, [...args, '--json'])) as { runId: string };
  // A job's run into a long table over a whole (masked) URL, a plain file load, and a dry run.
  const ids = [
    run(['jobs', 'run', JOB, '--target', target.url, '--table', TABLE, '--max-error-rate', '1']).runId,
    run(['load', 'orders.csv', '--target', target.url, '--table', 'short', '--max-error-rate', '1']).runId,
    run(['jobs', 'run', JOB, '--target', target.url, '--table', TABLE, '--dry-run', '--max-error-rate', '1'])
      .runId,
  ];

  await page.setViewportSize({ width: 1024, height: 768 });
  await new Shell(page).go('runs');
  for (const id of ids)
    await expect(page.locator(`[data-testid="run-row"][data-run-id="${id}"]`)).toBeVisible();
  const row = page.locator(`[data-testid="run-row"][data-run-id="${ids[0]}"]`);
  await expect(row).toContainText(JOB);
  await expect(row.getByTestId('run-target')).toContainText(TABLE);

  // Neither the page nor the table scrolls sideways.
  const widths = await page.evaluate(() => {
    const doc = document.scrollingElement as HTMLElement;
    const main = document.querySelector('main') as HTMLElement | null;
    const wrap = document.querySelector('[data-testid="runs-table"]')?.parentElement as HTMLElement;
    return {
      doc: [doc.scrollWidth, doc.clientWidth],
      main: main ? [main.scrollWidth, main.clientWidth] : [0, 0],
      table: [wrap.scrollWidth, wrap.clientWidth],
    };
  });
  expect(widths.doc[0], `document ${widths.doc}`).toBeLessThanOrEqual(widths.doc[1]!);
  expect(widths.main[0], `main ${widths.main}`).toBeLessThanOrEqual(widths.main[1]!);
  expect(widths.table[0], `runs table ${widths.table}`).toBeLessThanOrEqual(widths.table[1]!);
  // What matters stays in view: when, status, what, where, rejected, duration.
  for (const cell of ['run-link', 'run-status', 'run-source', 'run-target', 'run-rejected', 'run-duration']) {
    await expect(row.getByTestId(cell)).toBeInViewport({ ratio: 1 });
  }
  await expect(row.getByTestId('run-rejected')).toHaveText('1');
  await app.shot('runs list at 1024 px');
});

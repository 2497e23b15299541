import { ConnectionsPage } from './pages/connections-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { writeBigCsv } from './support/files.ts';
import { expect, test } from './support/fixtures.ts';
import { tableCount } from './support/pg-check.ts';

/** Rows in the big file: a few seconds of loading, so Cancel lands mid-load. */
const BIG_ROWS = 3_000_000;

test('cancelling a load mid-way leaves the table as it was', async ({ app, pg: target }) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  const small = writeBigCsv(app.workDir, 5, 'first.csv');
  const big = writeBigCsv(app.workDir, BIG_ROWS, 'big.csv');

  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);

  // A first, small load puts 5 rows in the table.
  await shell.go('load');
  await wizard.openPath(small);
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.orders', mode: 'append' });
  await wizard.toPlan();
  await wizard.startLoad();
  const first = await wizard.finished();
  await expect(first).toHaveAttribute('data-status', 'succeeded');
  expect(await tableCount(target.url, 'orders')).toBe(5);

  // The big load into the same table: cancel it once rows are flowing.
  await page.getByTestId('new-load').click();
  await wizard.openPath(big);
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.orders', mode: 'append' });
  await expect(wizard.compatibility()).toHaveAttribute('data-state', 'ok');
  await wizard.toPlan();
  await wizard.startLoad();
  const progress = wizard.progress();
  await expect(progress).toBeVisible();
  await expect
    .poll(
      async () =>
        Number(((await progress.getByTestId('progress-loaded').textContent()) ?? '').replace(/\D/g, '')),
      {
        timeout: 60_000,
      },
    )
    .toBeGreaterThan(0);
  await app.shot('load in progress');

  await progress.getByTestId('cancel-load').click();
  const dialog = page.getByTestId('cancel-dialog');
  await expect(dialog).toBeVisible();
  await app.shot('cancel confirmation');
  // "Keep going" first: the dialog closes and the load is still running.
  await dialog.getByTestId('confirm-no').click();
  await expect(dialog).toBeHidden();
  await expect(progress).toBeVisible();
  await progress.getByTestId('cancel-load').click();
  await dialog.getByTestId('confirm-yes').click();

  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'cancelled');
  expect(await countOf(summary, 'read')).toBeLessThan(BIG_ROWS);
  expect(await tableCount(target.url, 'orders')).toBe(5);
  await app.shot('cancelled');
});

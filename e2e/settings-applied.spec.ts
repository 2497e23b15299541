import fs from 'node:fs';
import path from 'node:path';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

test('the default date order and time zone saved in Settings apply to a new preview, which says so', async ({
  app,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  // Neither 03/04/2024 nor 05/06/2024 settles day/month; the times carry no offset.
  const file = path.join(app.workDir, 'events.csv');
  fs.writeFileSync(file, 'day,at\n03/04/2024,2024-01-15 10:00:00\n05/06/2024,2024-07-15 10:00:00\n');

  // Nothing saved yet: the built-in defaults apply, and the preview says they are built in.
  await shell.go('load');
  await wizard.openPath(file);
  await wizard.toPreview();
  await expect(wizard.cell(2, 'day')).toHaveText('2024-03-04');
  await expect(page.getByTestId('default-date-order-used')).toHaveAttribute('data-from', 'built-in');

  await shell.go('settings');
  const form = page.getByTestId('settings-form');
  await expect(form.getByTestId('settings-time-zone-applies')).toContainText(
    'Not set: the built-in UTC applies.',
  );
  await form.getByTestId('settings-date-order').selectOption('DMY');
  await form.getByTestId('settings-time-zone').fill('Europe/Berlin');
  await form.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();

  // Back to the open preview: it is run again with the new defaults.
  await shell.go('load');
  await wizard.settled();
  // Read day-first, by the Settings date order; naive times in Berlin (UTC+1 in winter, +2 in summer).
  await expect(wizard.cell(2, 'day')).toHaveText('2024-04-03');
  await expect(wizard.cell(3, 'day')).toHaveText('2024-06-05');
  await expect(wizard.cell(2, 'at')).toContainText('2024-01-15T09:00:00');
  await expect(wizard.cell(3, 'at')).toContainText('2024-07-15T08:00:00');
  // Where each default came from: the file defaults panel and the column panel say it.
  await expect(page.getByTestId('default-date-order-used')).toHaveText('DMY');
  await expect(page.getByTestId('default-date-order-used')).toHaveAttribute('data-from', 'settings');
  await expect(page.getByTestId('default-time-zone-used')).toHaveText('Europe/Berlin');
  await expect(page.getByTestId('defaults-origin')).toContainText('from Settings');
  await expect(page.getByTestId('default-date-order')).toContainText('Settings default (DMY)');
  // The ambiguity warning names the control, not the spec field, and where DMY came from.
  await expect(wizard.header('day').getByTestId('column-warning')).toHaveAttribute(
    'title',
    /using DMY \(the default date order in Settings\) — set Date order to change it/,
  );
  const panel = await wizard.selectColumn('at');
  await expect(panel.getByTestId('column-zone-origin')).toHaveText('Europe/Berlin, from Settings');
  await app.shot('preview with settings defaults');

  // A date order set for the file wins over Settings, and the preview says where it came from.
  await page.getByTestId('column-panel').getByRole('button', { name: 'Close column panel' }).click();
  await page.getByTestId('default-date-order').selectOption('MDY');
  await wizard.settled();
  await expect(wizard.cell(2, 'day')).toHaveText('2024-03-04');
  await expect(page.getByTestId('default-date-order-used')).toHaveAttribute('data-from', 'job');
});

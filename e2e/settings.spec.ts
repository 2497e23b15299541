import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

test('settings show the data folder and keep the defaults and retention the operator saves', async ({
  app,
}) => {
  const { page } = app;
  await new Shell(page).go('settings');
  await expect(page.getByTestId('data-dir')).toHaveText(app.dataDir);

  const form = page.getByTestId('settings-form');
  await form.getByTestId('settings-time-zone').fill('Europe/Paris');
  await form.getByTestId('settings-date-order').selectOption('DMY');
  await form.getByTestId('settings-keep-runs').fill('50');
  await form.getByTestId('settings-keep-days').fill('');
  await form.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  await app.shot('settings saved');

  // A bad retention value is caught before it is sent.
  await form.getByTestId('settings-keep-days').fill('-3');
  await expect(form.getByTestId('settings-save')).toBeDisabled();
  // An unknown time zone is the engine's to refuse, with its message, shown once, under the control.
  await form.getByTestId('settings-keep-days').fill('');
  await form.getByTestId('settings-time-zone').fill('Mars/Olympus_Mons');
  await form.getByTestId('settings-save').click();
  const refused = form.getByTestId('settings-time-zone-error');
  await expect(refused).toHaveText(/^‘Mars\/Olympus_Mons’ is not an IANA time zone/);
  await expect(page.getByText('is not an IANA time zone')).toHaveCount(1);
  await expect(page.getByTestId('settings-error')).toHaveCount(0);
  await app.shot('settings error');

  // What was saved is what the engine now reports, after a reload.
  await page.reload();
  await expect(form.getByTestId('settings-time-zone')).toHaveValue('Europe/Paris');
  await expect(form.getByTestId('settings-time-zone-applies')).toContainText('Saved: Europe/Paris');
  await expect(form.getByTestId('settings-date-order')).toHaveValue('DMY');
  await expect(form.getByTestId('settings-keep-runs')).toHaveValue('50');
  await expect(form.getByTestId('settings-keep-days')).toHaveValue('');
});

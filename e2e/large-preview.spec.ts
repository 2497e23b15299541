import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { writeBigCsv } from './support/files.ts';
import { expect, test } from './support/fixtures.ts';

test('a 10,000-row preview is virtualized: few rows in the page, every row reachable by scrolling', async ({
  app,
}) => {
  const { page } = app;
  const wizard = new LoadWizardPage(page);
  const file = writeBigCsv(app.workDir, 12_000, 'wide.csv');
  await new Shell(page).go('load');
  await wizard.openPath(file);
  await wizard.toPreview();
  await page.getByTestId('preview-limit').selectOption('10000');
  await wizard.settled();
  await expect(page.getByTestId('rejected-count')).toContainText(
    '0 of 10,000 sampled rows would be rejected',
  );

  const rendered = await wizard.grid().getByTestId('preview-row').count();
  expect(rendered).toBeGreaterThan(10);
  expect(rendered).toBeLessThan(100);

  // The last row of the sample (line 10,001: the header is line 1) comes into view at the bottom.
  await wizard.grid().evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(wizard.grid().locator('[data-testid="preview-row"][data-line="10001"]')).toBeVisible();
  await expect(wizard.cell(10001, 'id')).toHaveText('10000');
  expect(await wizard.grid().getByTestId('preview-row').count()).toBeLessThan(100);
  await app.shot('preview scrolled to row 10000');
});

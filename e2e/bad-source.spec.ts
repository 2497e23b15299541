import fs from 'node:fs';
import path from 'node:path';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

test('a missing or unreadable file gets a clear message, and a good one then works', async ({ app }) => {
  const { page } = app;
  await new Shell(page).go('load');
  const wizard = new LoadWizardPage(page);

  // A path that does not exist: the message names it.
  const missing = path.join(app.workDir, 'no-such-file.csv');
  await wizard.openPath(missing);
  await expect(wizard.sourceError()).toBeVisible();
  await expect(wizard.sourceError()).toContainText(missing);
  await expect(wizard.sourceError()).toContainText(`${missing}: no such file`);
  await expect(wizard.sourceError().getByTestId('error-code')).toHaveText('source_not_found');
  await app.shot('missing file');

  // A folder is not a file.
  const folder = path.join(app.workDir, 'a-folder.csv');
  fs.mkdirSync(folder);
  await wizard.openPath(folder);
  await expect(wizard.sourceError()).toBeVisible();
  await expect(wizard.sourceError()).toContainText(`${folder} is a folder, not a file`);
  await expect(wizard.sourceError().getByTestId('error-code')).toHaveText('source_unreadable');
  await app.shot('folder');

  // Binary garbage that no reader accepts.
  const garbage = path.join(app.workDir, 'garbage.xlsx');
  fs.writeFileSync(
    garbage,
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]),
  );
  await wizard.openPath(garbage);
  await expect(wizard.sourceError()).toContainText('not an XLSX workbook');
  await expect(wizard.sourceError().getByTestId('error-code')).toHaveText('source_format');
  await app.shot('unreadable workbook');

  // Then a good file: the error is gone and the format shows.
  const good = path.join(app.workDir, 'good.csv');
  fs.writeFileSync(good, 'a,b\n1,2\n');
  await wizard.openPath(good);
  await expect(wizard.detected()).toBeVisible();
  await expect(wizard.sourceError()).toHaveCount(0);

  // In the browser, a picked file is uploaded to the host and read from there.
  if (app.transport === 'http') {
    const picked = path.join(app.workDir, 'picked.tsv');
    fs.writeFileSync(picked, 'x\ty\n1\t2\n');
    await page.getByTestId('source-file-input').setInputFiles(picked);
    await expect(page.getByTestId('source-path')).toHaveValue(/uploads.*picked\.tsv$/);
    await expect(page.getByTestId('detected-delimiter')).toHaveText('Tab');
  }
});

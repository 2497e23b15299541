import fs from 'node:fs';
import path from 'node:path';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

test('an unreadable file gets a clear message naming it, and a good one then works', async ({ app }) => {
  const { page } = app;
  await new Shell(page).go('load');
  const wizard = new LoadWizardPage(page);

  // There is nowhere to type a path: files are picked (uploaded in the browser), never named.
  await expect(page.getByTestId('source-path')).toHaveCount(0);

  // Binary garbage that no reader accepts.
  const garbage = path.join(app.workDir, 'garbage.xlsx');
  fs.writeFileSync(
    garbage,
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]),
  );
  await wizard.openPath(garbage);
  await expect(wizard.sourceError()).toContainText('Cannot read garbage.xlsx');
  await expect(wizard.sourceError()).toContainText('garbage.xlsx: not an XLSX workbook');
  // The uploaded copy is named as the operator knows it, not by where the host keeps it.
  if (app.transport === 'http') await expect(wizard.sourceError()).not.toContainText('uploads');
  await expect(wizard.sourceError().getByTestId('error-code')).toHaveText('source_format');
  await app.shot('unreadable workbook');

  // Then a good file: the error is gone and the format shows.
  const good = path.join(app.workDir, 'good.csv');
  fs.writeFileSync(good, 'a,b\n1,2\n');
  await wizard.openPath(good);
  await expect(wizard.detected()).toBeVisible();
  await expect(wizard.sourceError()).toHaveCount(0);

  // In the browser, a picked file is uploaded to the host and read from there; the page says so.
  const picked = path.join(app.workDir, 'picked.tsv');
  fs.writeFileSync(picked, 'x\ty\n1\t2\n');
  await wizard.openPath(picked);
  await expect(wizard.chosenFile()).toContainText('picked.tsv');
  if (app.transport === 'http') await expect(page.getByTestId('source-uploaded')).toHaveText('uploaded copy');
  await expect(page.getByTestId('detected-delimiter')).toHaveText('Tab');
});

import fs from 'node:fs';
import path from 'node:path';
import { ConnectionsPage } from './pages/connections-page.ts';
import { JobsPage } from './pages/jobs-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { tableCount } from './support/pg-check.ts';

test('a job saved from an uploaded file: its name, "uploaded copy", a Run now that says what it does, and an update prompt', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  const jobs = new JobsPage(page);
  const file = path.join(app.workDir, 'Ventes été.csv');
  fs.writeFileSync(file, 'sku;price\nA-1;3,50\nB-2;4,75\nC-3;1,00\n');

  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);

  // Pick the file, load it once (append), and save the job.
  await shell.go('load');
  await wizard.openPath(file);
  await expect(wizard.chosenFile()).toContainText('Ventes été.csv');
  if (app.transport === 'http') await expect(page.getByTestId('source-uploaded')).toBeVisible();
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.ventes', mode: 'append' });
  await wizard.toPlan();
  await wizard.saveJob('ventes-daily');
  await wizard.startLoad();
  await expect(await wizard.finished()).toHaveAttribute('data-status', 'succeeded');
  expect(await tableCount(target.url, 'ventes')).toBe(3);

  // Jobs: the operator's file name, and (browser host) that the job reads an uploaded copy.
  await shell.go('jobs');
  const row = jobs.row('ventes-daily');
  await expect(row.getByTestId('job-source')).toHaveText('Ventes été.csv');
  await expect(row.getByTestId('job-mode')).toHaveText('append');
  if (app.transport === 'http') {
    await expect(row.getByTestId('job-uploaded')).toHaveText('uploaded copy');
  } else {
    await expect(row.getByTestId('job-uploaded')).toHaveCount(0);
  }
  await app.shot('jobs with an uploaded copy');

  // Run now asks first, and says that an append adds the rows again; "Not now" runs nothing.
  const dialog = await jobs.askRunNow('ventes-daily');
  await expect(dialog).toContainText('Run job ventes-daily now (append)?');
  await expect(dialog.getByTestId('run-job-effect')).toHaveText(
    'Append adds every row of Ventes été.csv to public.ventes again: rows that earlier runs of this job loaded will be in the table twice.',
  );
  if (app.transport === 'http') {
    await expect(dialog.getByTestId('run-job-source')).toContainText('uploaded when the job was saved');
  }
  await app.shot('run now confirmation');
  await dialog.getByTestId('confirm-no').click();
  await expect(dialog).toBeHidden();
  await shell.go('runs');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  // The runs list and the run page name the file as the operator knows it, not the host's copy.
  const runRow = page.getByTestId('run-row');
  await expect(runRow.getByTestId('run-source')).toHaveText('Ventes été.csv');
  await runRow.getByTestId('run-link').click();
  if (app.transport === 'http') {
    await expect(page.getByTestId('run-source')).toHaveText('Ventes été.csv uploaded copy');
    await expect(page.getByTestId('run-facts')).not.toContainText('uploads');
  } else {
    await expect(page.getByTestId('run-source')).toContainText('Ventes été.csv');
  }

  // Confirmed, it runs as saved: the three rows are appended again.
  await shell.go('jobs');
  await jobs.runNow('ventes-daily');
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-status', 'succeeded', {
    timeout: 60_000,
  });
  expect(await countOf(page.getByTestId('run-summary'), 'inserted')).toBe(3);
  expect(await tableCount(target.url, 'ventes')).toBe(6);

  // Open the job, change its mode: the plan says the job has unsaved changes, and Load asks whether
  // to update it. Updated, the job's next Run now replaces.
  await shell.go('jobs');
  await jobs.open('ventes-daily');
  await wizard.setTarget({ connection: 'warehouse', table: 'public.ventes', mode: 'replace' });
  await wizard.toPlan();
  await expect(page.getByTestId('job-unsaved')).toContainText('Unsaved changes to job ventes-daily');
  await page.getByTestId('start-load').click();
  await expect(page.getByTestId('update-job-dialog')).toContainText(
    'Update job ventes-daily before loading?',
  );
  await app.shot('update job prompt');
  await page.getByTestId('update-job-save').click();
  await expect(await wizard.finished()).toHaveAttribute('data-status', 'succeeded');
  expect(await tableCount(target.url, 'ventes')).toBe(3);
  await shell.go('jobs');
  await expect(jobs.row('ventes-daily').getByTestId('job-mode')).toHaveText('replace');
  await expect(await jobs.askRunNow('ventes-daily')).toContainText(
    'Replace swaps the contents of public.ventes',
  );
});

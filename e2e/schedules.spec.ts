import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConnectionsPage } from './pages/connections-page.ts';
import { JobsPage, ScheduleDialogPage } from './pages/jobs-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { tableCount } from './support/pg-check.ts';
import { REPO_ROOT } from './support/serve-process.ts';

/** Runs the `loadstone` CLI on the app's data folder (what an operator's terminal or cron does). */
function loadstone(
  dataDir: string,
  cwd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'loadstone.mjs'), ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: cwd, LOADSTONE_HOME: dataDir } },
      (error, out, err) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, out, err }),
    ),
  );
}

test('a job imported from the CLI gets a schedule in the app, runs by itself, pauses and resumes', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const jobs = new JobsPage(page);

  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);

  // The job comes from the CLI, into the data folder the app has open.
  fs.writeFileSync(path.join(app.workDir, 'stock.csv'), 'sku,qty\nA-1,4\nB-2,7\n');
  fs.writeFileSync(
    path.join(app.workDir, 'stock.json'),
    JSON.stringify({
      name: 'stock',
      source: { path: 'stock.csv' },
      target: { connection: 'warehouse', table: 'stock', mode: 'replace' },
    }),
  );
  const imported = await loadstone(app.dataDir, app.workDir, ['jobs', 'import', 'stock.json']);
  expect([imported.code, imported.err]).toEqual([0, '']);

  await shell.go('jobs');
  const row = jobs.row('stock');
  await expect(row.getByTestId('job-schedule')).toHaveText('—');
  await expect(row.getByTestId('job-last-run')).toHaveText('—');

  // The editor previews the next three runs, and names what is wrong before anything is saved.
  const editor = await ScheduleDialogPage.open(jobs, 'stock');
  await editor.fill({ cron: '0 25 * * *', timezone: 'UTC' });
  await expect(editor.dialog.getByTestId('schedule-cron-error')).toContainText('hour');
  await expect(editor.save()).toBeDisabled();
  await editor.fill({ cron: '30 6 * * 1-5', timezone: 'Europe/Paris' });
  await expect(editor.nextRuns()).toHaveCount(3);
  await expect(editor.nextRuns().first()).toContainText('06:30 (Europe/Paris)');
  await app.shot('schedule editor');
  // Every 2 seconds, to see it run.
  await editor.fill({ cron: '*/2 * * * * *', timezone: 'UTC', maxRunMinutes: '5' });
  await expect(editor.nextRuns()).toHaveCount(3);
  await editor.save().click();
  await expect(editor.dialog).toBeHidden();
  await expect(row.getByTestId('job-schedule')).toHaveText('*/2 * * * * * · UTC');

  // The engine runs it by itself: the last run is a scheduled one, and the table is there.
  await expect(row.getByTestId('job-last-run')).toContainText('(scheduled)', { timeout: 60_000 });
  await expect(row.getByTestId('job-last-run')).toContainText(/succeeded/i, { timeout: 60_000 });
  expect(await tableCount(target.url, 'stock')).toBe(2);
  await app.shot('scheduled job ran');

  // Paused: the app and the CLI both say so, and there is no next run; resumed, there is one again.
  await row.getByTestId('pause-job').click();
  await expect(row.getByTestId('job-paused')).toHaveText('paused');
  await expect(row.getByTestId('job-next-run')).toHaveText(/—|running now/);
  const listed = await loadstone(app.dataDir, app.workDir, ['jobs', 'list', '--json']);
  expect(JSON.parse(listed.out)[0]).toMatchObject({ name: 'stock', paused: true, nextRunAt: null });
  await row.getByTestId('resume-job').click();
  await expect(row.getByTestId('job-paused')).toHaveCount(0);
  await expect(row.getByTestId('pause-job')).toBeVisible();

  // The schedule can be removed; Run now still runs it.
  await row.getByTestId('pause-job').click();
  const again = await ScheduleDialogPage.open(jobs, 'stock');
  await again.dialog.getByTestId('schedule-remove').click();
  await expect(again.dialog).toBeHidden();
  await expect(row.getByTestId('job-schedule')).toHaveText('—');
  await expect(row.getByTestId('job-next-run')).toHaveText('—');
  await jobs.runNow('stock');
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-status', 'succeeded', {
    timeout: 60_000,
  });
});

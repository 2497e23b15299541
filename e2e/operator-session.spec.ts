import fs from 'node:fs';
import path from 'node:path';
import { ConnectionsPage } from './pages/connections-page.ts';
import { JobsPage } from './pages/jobs-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { RunPage } from './pages/run-page.ts';
import { Shell } from './pages/shell.ts';
import { MESSY_GOOD_ROWS, MESSY_REJECTS, writeMessyCsv } from './support/files.ts';
import { expect, test } from './support/fixtures.ts';
import { tableCount } from './support/pg-check.ts';
import { REPO_ROOT } from './support/serve-process.ts';

const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs/screenshot-load-wizard.png');

test('an operator loads a messy Latin-1 CSV end to end and re-runs it as an incremental job', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  const file = writeMessyCsv(app.workDir);

  // 1. Add a connection to the PostgreSQL server and test it: the server's version comes back.
  await shell.go('connections');
  await expect(new ConnectionsPage(page).row('local')).toBeVisible();
  const connections = new ConnectionsPage(page);
  await connections.add({
    name: 'warehouse',
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
  });
  const tested = await connections.testResult('warehouse');
  expect(tested.ok).toBe(true);
  expect(tested.text).toMatch(/\d+\.\d+/);
  await app.shot('connections');

  // 2. Pick the messy file: Windows-1252 and `;` are detected.
  await shell.go('load');
  await wizard.openPath(file);
  await expect(wizard.detected()).toBeVisible();
  await expect(page.getByTestId('detected-encoding')).toContainText(/windows-1252|latin1/);
  await expect(page.getByTestId('detected-delimiter')).toContainText('Semicolon');
  await app.shot('source detected');

  // 3. The preview shows normalized values; the unreadable row is rejected, and the columns with a
  //    value that does not fit carry a warning on their headers. (What is inferred may evolve; every
  //    check below this one sets the types explicitly.)
  await wizard.toPreview();
  await expect(wizard.grid().locator('thead th').first()).toHaveText('Line');
  await expect(wizard.cell(2, 'name')).toHaveText('José Müller');
  await expect(wizard.cell(3, 'city')).toHaveText('Malmö');
  await expect(wizard.cell(2, 'updated_at')).toHaveText('2024-03-25T10:15:00Z');
  await expect(wizard.rowProblems()).toHaveCount(1);
  await expect(wizard.rowProblems().first()).toHaveAttribute('data-reason', 'too_few_fields');
  expect(await wizard.rejectedCount()).toBeGreaterThanOrEqual(1);
  await expect(wizard.header('amount').getByTestId('column-warning')).toBeVisible();
  await expect(wizard.header('signup').getByTestId('column-warning')).toBeVisible();
  await app.shot('preview as inferred');

  // 4. Change column types and see the preview change. As text, amounts are kept as written…
  await wizard.setColumnType('amount', 'text');
  await expect(wizard.cell(2, 'amount')).toHaveText('1.234,50');
  await expect(wizard.cell(5, 'amount')).toHaveAttribute('data-testid', 'cell');
  // …as numbers, decimal commas and thousands dots are read, and '12,5x' is rejected with its reason.
  await wizard.setColumnType('amount', 'numeric');
  await expect(wizard.cell(2, 'amount')).toHaveText('1234.50');
  await expect(wizard.cell(4, 'amount')).toHaveText('-7.25');
  await expect(wizard.cell(14, 'amount')).toHaveText('1000000.00');
  const badAmount = wizard.cell(5, 'amount');
  await expect(badAmount).toHaveAttribute('data-testid', 'cell-rejected');
  await expect(badAmount).toHaveAttribute('data-reason', 'invalid_number');
  // Day-first dates, with 31 February rejected.
  await wizard.setColumnType('signup', 'date');
  await expect(wizard.cell(2, 'signup')).toHaveText('2024-03-25');
  await expect(wizard.cell(6, 'signup')).toHaveAttribute('data-reason', 'impossible_date');
  // Codes keep their leading zeros as text (as integers they would lose them).
  await wizard.setColumnType('code', 'integer');
  await expect(wizard.cell(2, 'code')).toHaveText('123');
  await wizard.setColumnType('code', 'text');
  await expect(wizard.cell(2, 'code')).toHaveText('00123');
  expect(await wizard.rejectedCount()).toBe(MESSY_REJECTS.length);

  // Keyboard: focusing a rejected cell says why, in words.
  await badAmount.getByRole('button').focus();
  await expect(wizard.inspector()).toContainText('12,5x');
  await expect(wizard.inspector()).toContainText('invalid_number');
  await wizard.selectColumn('amount');
  await wizard.view('both');
  await wizard.grid().evaluate((el) => el.scrollTo(0, 0));
  await badAmount.hover();
  await expect(wizard.inspector()).toContainText('12,5x');
  const shot = await app.shot('preview side by side with column panel');
  if (!fs.existsSync(DOCS_SCREENSHOT) || process.env.LOADSTONE_UPDATE_DOCS === '1') {
    fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
    fs.copyFileSync(shot, DOCS_SCREENSHOT);
  }
  await wizard.view('normalized');

  // 5. Target: upsert on `id` into a new table, tolerating the three bad rows of thirteen.
  await wizard.toTarget();
  await wizard.setTarget({
    connection: 'warehouse',
    table: 'public.customers',
    mode: 'upsert',
    key: ['id'],
    maxErrorRatePercent: 50,
  });
  await expect(wizard.compatibility()).toHaveAttribute('data-state', 'new');
  await app.shot('target');
  await wizard.toPlan();

  // 6. Dry run: the plan says what would happen, and nothing is written.
  const plan = await wizard.dryRun();
  await expect(plan).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(plan, 'inserted')).toBe(MESSY_GOOD_ROWS);
  expect(await countOf(plan, 'updated')).toBe(0);
  expect(await countOf(plan, 'rejected')).toBe(MESSY_REJECTS.length);
  expect(await tableCount(target.url, 'customers')).toBeNull();
  await app.shot('dry run plan');
  await wizard.saveJob('customers-daily');

  // 7. Load: progress runs to the end; the summary links to the error report.
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(summary, 'read')).toBe(MESSY_GOOD_ROWS + MESSY_REJECTS.length);
  expect(await countOf(summary, 'inserted')).toBe(MESSY_GOOD_ROWS);
  expect(await countOf(summary, 'rejected')).toBe(MESSY_REJECTS.length);
  expect(await tableCount(target.url, 'customers')).toBe(MESSY_GOOD_ROWS);
  await app.shot('load summary');

  // 8. The error report lists exactly the rejected rows, with reasons.
  await summary.getByTestId('open-report').click();
  const run = new RunPage(page);
  await expect(run.report()).toBeVisible();
  await expect(page.getByTestId('rejected-rows').locator('thead th').first()).toHaveText('Line');
  await expect(run.summaryRows()).toHaveCount(MESSY_REJECTS.length);
  const rows = await run.rejectedRows();
  expect(rows.map((r) => ({ line: r.line, column: r.column, reason: r.reason }))).toEqual(
    MESSY_REJECTS.map((r) => ({ line: r.line, column: r.column ?? '(row)', reason: r.reason })),
  );
  await app.shot('error report');

  // 9. Export CSV: the file holds the same rows, raw values and reasons.
  const csv = (await app.exportFile(() => run.clickExport('csv'), 'rejected.csv')).toString('utf8');
  const lines = csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  expect(lines).toHaveLength(1 + MESSY_REJECTS.length);
  expect(lines[0]).toContain('line');
  expect(lines[0]).toContain('reason');
  for (const r of MESSY_REJECTS) {
    const line = lines.find((l) => l.includes(r.reason));
    expect(line, `export has a ${r.reason} row`).toBeDefined();
    if (r.value) expect(line).toContain(r.value);
  }
  expect(csv).toContain('Søren Kierkegård');
  // JSON: the same rows, with every error as data.
  const json = JSON.parse(
    (await app.exportFile(() => run.clickExport('json'), 'rejected.json')).toString('utf8'),
  ) as { line: number; errors: { reason: string }[] }[];
  expect(json.map((r) => [r.line, r.errors.map((e) => e.reason)])).toEqual(
    MESSY_REJECTS.map((r) => [r.line, [r.reason]]),
  );

  // 10. Re-run the saved job as incremental on `updated_at`: nothing is new.
  await shell.go('jobs');
  const jobs = new JobsPage(page);
  await jobs.open('customers-daily');
  await wizard.setTarget({
    connection: 'warehouse',
    table: 'public.customers',
    mode: 'incremental',
    watermark: 'updated_at',
  });
  await expect(wizard.compatibility()).toHaveAttribute('data-state', 'ok');
  await wizard.toPlan();
  // The job was opened and changed (incremental now): Load asks; this run leaves the job as saved.
  await expect(page.getByTestId('job-unsaved')).toBeVisible();
  await wizard.startLoad('keep');
  const again = await wizard.finished();
  await expect(again).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(again, 'inserted')).toBe(0);
  expect(await countOf(again, 'updated')).toBe(0);
  expect(await tableCount(target.url, 'customers')).toBe(MESSY_GOOD_ROWS);
  await app.shot('incremental re-run');

  // 11. "Run now" runs the job as saved (upsert, as its confirmation says): the same rows again change nothing.
  await shell.go('jobs');
  await expect(await jobs.askRunNow('customers-daily')).toContainText('Upsert inserts the keys');
  await page.getByTestId('run-job-dialog').getByTestId('confirm-yes').click();
  await expect(page.getByTestId('screen-run')).toBeVisible();
  const rerun = page.getByTestId('run-summary');
  await expect(rerun).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  expect(await countOf(rerun, 'inserted')).toBe(0);
  expect(await tableCount(target.url, 'customers')).toBe(MESSY_GOOD_ROWS);

  // 12. Runs: the history has the dry run and the three loads; the filter narrows it.
  await shell.go('runs');
  await expect(page.getByTestId('run-row')).toHaveCount(4);
  await page.getByTestId('runs-filter').selectOption('cancelled');
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await page.getByTestId('runs-filter').selectOption('succeeded');
  await expect(page.getByTestId('run-row')).toHaveCount(4);
  await app.shot('runs');
});

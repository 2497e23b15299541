import path from 'node:path';
import Database from 'better-sqlite3';
import { ConnectionsPage } from './pages/connections-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { tableRows } from './support/pg-check.ts';

test('an SQLite file picked under File opens as a Database: its tables listed, one previewed and loaded', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  // Named .dat: an SQLite database is known by its header, whatever its name.
  const file = path.join(app.workDir, 'crm-export.dat');
  const db = new Database(file);
  // 40 customers, one with a date that does not exist: its cell is rejected (2.5%, within the 5% allowed).
  db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, joined DATE);
    INSERT INTO customers VALUES (1, 'Ada', '2024-02-29'), (2, 'Bob', NULL);
    WITH RECURSIVE g(n) AS (SELECT 3 UNION ALL SELECT n + 1 FROM g WHERE n < 40)
    INSERT INTO customers SELECT n, 'c' || n, CASE n WHEN 17 THEN '2024-02-30' ELSE '2024-03-01' END FROM g;
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);`);
  db.close();

  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);
  await shell.go('load');
  await wizard.openPath(file);
  // Not an error about a file that is not text: the Database view, the file chosen, its tables.
  await expect(page.getByTestId('source-kind-database')).toBeChecked();
  await expect(page.getByTestId('source-database')).toHaveValue('\u0000sqlite');
  await expect(page.getByTestId('source-table-customers')).toBeVisible();
  await expect(page.getByTestId('source-table-notes')).toBeVisible();
  await expect(page.getByTestId('source-error')).toHaveCount(0);
  await app.shot('sqlite file opened as a database');
  await page.getByTestId('source-table-customers').check();
  await wizard.toPreview();
  await expect(wizard.grid()).toContainText('2024-02-29');
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.crm_customers', mode: 'append' });
  await wizard.toPlan();
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(summary, 'inserted')).toBe(39);
  expect(await countOf(summary, 'rejected')).toBe(1);
  const rows = await tableRows(target.url, 'crm_customers', 'id');
  expect(rows.slice(0, 2).map((r) => [Number(r.id), r.name])).toEqual([
    [1, 'Ada'],
    [2, 'Bob'],
  ]);
  expect(rows.map((r) => Number(r.id))).not.toContain(17);

  // The report places the rejected row by its key, under "Where" (not a file's "Line").
  await summary.getByTestId('open-report').click();
  const report = page.getByTestId('rejected-rows');
  await expect(report.locator('thead th').first()).toHaveText('Where');
  await expect(report.getByTestId('rejected-line')).toHaveText('key id=17');
  await expect(report.getByTestId('rejected-reason')).toHaveText('impossible_date');
  // One of each, said in the singular.
  await expect(page.getByTestId('report-summary').locator('caption')).toHaveText(
    '1 problem, grouped by reason and column',
  );
  await expect(page.getByTestId('fix-and-reload')).toContainText('Export the 1 rejected row as a CSV file');
});

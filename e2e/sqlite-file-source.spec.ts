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
  db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, joined DATE);
    INSERT INTO customers VALUES (1, 'Ada', '2024-02-29'), (2, 'Bob', NULL);
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
  expect(await countOf(summary, 'inserted')).toBe(2);
  const rows = await tableRows(target.url, 'crm_customers', 'id');
  expect(rows.map((r) => [Number(r.id), r.name])).toEqual([
    [1, 'Ada'],
    [2, 'Bob'],
  ]);
});

import pg from 'pg';
import { createTestDatabase } from '../core/node/pg/test-server.ts';
import { ConnectionsPage } from './pages/connections-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(text);
    return Array.isArray(result) ? [] : (result.rows as Record<string, unknown>[]);
  } finally {
    await client.end();
  }
}

test('a table of a second database of the server is browsed, previewed and loaded as the source', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  // The source: another database of the same test server, with a table of exact values.
  const sourceUrl = new URL(await createTestDatabase(target.url, `e2e_dbsource_${process.pid}`));
  await sql(
    sourceUrl.toString(),
    `CREATE SCHEMA crm;
     CREATE TABLE crm.customers (id int PRIMARY KEY, name text, balance numeric(14,4), joined date);
     INSERT INTO crm.customers VALUES (1, 'Ada', 12345678.1250, '2024-02-29'), (2, 'Bob', -0.0001, NULL);
     ANALYZE crm.customers;`,
  );

  await shell.go('connections');
  const connections = new ConnectionsPage(page);
  await connections.addServer('warehouse', target);
  await connections.addServer('replica', {
    ...target,
    database: decodeURIComponent(sourceUrl.pathname.slice(1)),
  });
  await shell.go('load');
  await page.getByTestId('source-kind-database').check();
  // Below the form, the file picker is for an SQLite database only, and says so.
  await expect(page.getByTestId('source-file-hint')).toContainText('Or an SQLite database file');
  await page.getByTestId('source-database').selectOption('replica');
  const table = page.getByTestId('source-table-crm.customers');
  await expect(page.getByTestId('source-tables')).toContainText('≈ 2 rows');
  await table.check();
  await expect(page.getByTestId('source-database-chosen')).toContainText('table crm.customers from replica');
  await app.shot('database source chosen');
  await wizard.toPreview();
  await expect(wizard.grid()).toContainText('12345678.1250');
  // A database's rows are numbered as rows, not as lines of a file; the defaults are the source's.
  await expect(wizard.grid().locator('thead th').first()).toHaveText('Row');
  await expect(page.getByTestId('file-defaults')).toContainText('Source defaults');
  await app.shot('database source preview');
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.customers', mode: 'append' });
  await wizard.toPlan();
  // The plan names what it reads as what it is, not as a file (it showed an empty name for a table).
  await expect(page.getByTestId('plan-source')).toHaveText('table crm.customers from replica');
  await expect(
    page.getByText('Reads the whole table and computes the plan without writing anything.'),
  ).toBeVisible();
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(summary, 'inserted')).toBe(2);
  expect(
    await sql(
      target.url,
      'SELECT id, name, balance::text AS balance, joined::text AS joined FROM customers ORDER BY id',
    ),
  ).toEqual([
    { id: 1, name: 'Ada', balance: '12345678.1250', joined: '2024-02-29' },
    { id: 2, name: 'Bob', balance: '-0.0001', joined: null },
  ]);

  // A query that returns nothing says so, not "The file has no data rows".
  await page.getByTestId('step-source').click();
  await page.getByTestId('source-mode-query').check();
  await page.getByTestId('source-query').fill('SELECT * FROM crm.customers WHERE false');
  await wizard.toPreview();
  await expect(page.getByTestId('preview-empty')).toHaveText('The query returned no rows.');
});

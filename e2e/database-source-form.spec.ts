import pg from 'pg';
import { createTestDatabase } from '../core/node/pg/test-server.ts';
import { ConnectionsPage } from './pages/connections-page.ts';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

test('the Database picker names a MySQL connection as MySQL; a query edited after "Use this query" is what is previewed', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const wizard = new LoadWizardPage(page);
  const shell = new Shell(page);
  const sourceUrl = new URL(await createTestDatabase(target.url, `e2e_dbquery_${process.pid}`));
  await sql(
    sourceUrl.toString(),
    `CREATE SCHEMA crm;
     CREATE TABLE crm.customers (id int PRIMARY KEY, name text);
     INSERT INTO crm.customers VALUES (1, 'Ada'), (2, 'Bob');`,
  );
  await shell.go('connections');
  const connections = new ConnectionsPage(page);
  await connections.addServer('replica', {
    ...target,
    database: decodeURIComponent(sourceUrl.pathname.slice(1)),
  });
  // A MySQL connection (no server needed to list it).
  await page.getByTestId('add-connection').click();
  const form = page.getByTestId('connection-form');
  await form.getByTestId('conn-kind-mysql').check({ force: true });
  await form.getByTestId('conn-name').fill('shop');
  await form.getByTestId('conn-host').fill('127.0.0.1');
  await form.getByTestId('conn-port').fill('3306');
  await form.getByTestId('conn-database').fill('shop');
  await form.getByTestId('conn-user').fill('reader');
  await form.getByTestId('conn-save').click();
  await expect(connections.row('shop')).toBeVisible();

  await shell.go('load');
  await page.getByTestId('source-kind-database').check();
  const options = page.getByTestId('source-database').locator('option');
  await expect(options.filter({ hasText: 'shop' })).toHaveText(
    'shop — MySQL / MariaDB reader@127.0.0.1:3306/shop',
  );
  await expect(options.filter({ hasText: 'replica' })).toContainText('replica — PostgreSQL');

  await page.getByTestId('source-database').selectOption('replica');
  await page.getByTestId('source-mode-query').check();
  await page.getByTestId('source-query').fill('SELECT id FROM crm.customers WHERE id = 1');
  await page.getByTestId('source-query-use').click();
  await expect(page.getByTestId('source-database-chosen')).toHaveText('Reading the query from replica.');
  // Edited after "Use this query": Preview reads the query as shown.
  await page.getByTestId('source-query').fill('SELECT id, name FROM crm.customers ORDER BY id');
  await wizard.toPreview();
  await expect(wizard.grid()).toContainText('Bob');
  await page.getByTestId('step-source').click();
  await expect(page.getByTestId('source-query')).toHaveValue(
    'SELECT id, name FROM crm.customers ORDER BY id',
  );
  // While the box differs from what is read, the notice says so and the later steps wait.
  await page.getByTestId('source-query').fill('SELECT name FROM crm.customers');
  await expect(page.getByTestId('source-database-chosen')).toContainText('the query as typed above');
  await expect(page.getByTestId('step-columns')).toBeDisabled();
  // A look at another screen keeps the edit: the box, the notice and the waiting steps as left.
  await shell.go('runs');
  await shell.go('load');
  await expect(page.getByTestId('source-kind-database')).toBeChecked();
  await expect(page.getByTestId('source-query')).toHaveValue('SELECT name FROM crm.customers');
  await expect(page.getByTestId('source-database-chosen')).toContainText('the query as typed above');
  await expect(page.getByTestId('step-columns')).toBeDisabled();
});

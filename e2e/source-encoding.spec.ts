import pg from 'pg';
import { sqlAsciiDatabase } from '../core/node/sources/postgres/test-sql-ascii.ts';
import { ConnectionsPage } from './pages/connections-page.ts';
import { JobsPage } from './pages/jobs-page.ts';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

// A SQL_ASCII PostgreSQL database keeps whatever bytes a program stored: Latin-1 text there is not
// UTF-8, so the preview rejects those rows as invalid_encoding and says what to do; the Text
// encoding (Windows-1252) reads them, and a saved job keeps it.

test("a SQL_ASCII database's Latin-1 text is rejected, then read with the Text encoding", async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  const url = await sqlAsciiDatabase(target.url, `e2e_sql_ascii_${process.pid}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Bytes as a legacy program stored them: é (0xe9) and ß (0xdf) in Latin-1, one UTF-8 row.
    await client.query("SET client_encoding = 'SQL_ASCII'");
    await client.query(`CREATE TABLE people (id int PRIMARY KEY, name text);
      INSERT INTO people VALUES (1, 'plain'), (2, E'caf\\xe9'), (3, E'Stra\\xdfe');
      ANALYZE people;`);
  } finally {
    await client.end();
  }

  await shell.go('connections');
  const connections = new ConnectionsPage(page);
  await connections.addServer('warehouse', target);
  await connections.addServer('legacy', { ...target, database: new URL(url).pathname.slice(1) });
  await shell.go('load');
  await page.getByTestId('source-kind-database').check();
  await page.getByTestId('source-database').selectOption('legacy');
  const field = page.getByTestId('source-encoding');
  await expect(field).toHaveValue('');
  await expect(field.locator('option:checked')).toHaveText('Automatic (UTF-8)');
  await page.getByTestId('source-table-public.people').check();
  await wizard.toPreview();

  // Read as UTF-8: the two Latin-1 rows are rejected, and the hint offers the encoding.
  expect(await wizard.rejectedCount()).toBe(2);
  await expect(wizard.rowProblems()).toHaveCount(2);
  await expect(wizard.rowProblems().first()).toContainText('not valid UTF-8');
  const hint = page.getByTestId('encoding-hint');
  await expect(hint).toContainText('2 rows hold bytes that are not UTF-8: this database is SQL_ASCII');
  await app.shot('SQL_ASCII rows rejected, the encoding hint');

  // Windows-1252: the preview runs again and the values are text.
  await hint.getByTestId('encoding-hint-select').selectOption('windows-1252');
  await wizard.settled();
  await expect(wizard.grid()).toContainText('café');
  await expect(wizard.grid()).toContainText('Straße');
  expect(await wizard.rejectedCount()).toBe(0);
  await expect(hint).toBeHidden();

  // The source step shows the encoding chosen; the job saves it and opens with it.
  await page.getByRole('button', { name: '← Source' }).click();
  await expect(page.getByTestId('source-encoding')).toHaveValue('windows-1252');
  await wizard.toPreview();
  await expect(wizard.grid()).toContainText('café');
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.people', mode: 'append' });
  await wizard.toPlan();
  await wizard.saveJob('legacy-people');

  // Start over (the wizard forgets the source), then open the job: the encoding comes back with it.
  await page.getByRole('button', { name: 'Start over' }).click();
  await expect(page.getByTestId('source-encoding')).toHaveCount(0);
  await shell.go('jobs');
  await new JobsPage(page).open('legacy-people');
  await page.getByTestId('step-source').click();
  await expect(page.getByTestId('source-encoding')).toHaveValue('windows-1252');
  await page.getByTestId('step-columns').click();
  await wizard.settled();
  await expect(wizard.grid()).toContainText('Straße');
  expect(await wizard.rejectedCount()).toBe(0);
});

import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ConnectionsPage } from './pages/connections-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { tableRows } from './support/pg-check.ts';

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

test('the target step refuses an upsert key without a unique index, offers the index, and the load says what happened', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  await sql(
    target.url,
    "CREATE TABLE public.people (id integer, name text); INSERT INTO people VALUES (1, 'old')",
  );
  // Key 1 twice: the second row supersedes the first.
  const file = path.join(app.workDir, 'people.csv');
  fs.writeFileSync(file, 'id,name\n1,Ann\n2,Bob\n1,Anna\n');

  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);
  await shell.go('load');
  await wizard.openPath(file);
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.people', mode: 'upsert', key: ['id'] });

  // Refused before anything runs, with the exact statement, and Plan stays disabled.
  await expect(wizard.compatibility()).toHaveAttribute('data-state', 'problems');
  await expect(page.getByTestId('compat-problems')).toContainText(
    "mode 'upsert' needs a primary key or unique constraint on (id)",
  );
  const offer = page.getByTestId('fix-offer');
  await expect(offer).toHaveAttribute('data-kind', 'create_unique_index');
  await expect(offer.getByTestId('fix-sql')).toHaveText('CREATE UNIQUE INDEX ON "public"."people" ("id");');
  await expect(page.getByTestId('target-next')).toBeDisabled();
  await app.shot('target refuses the key');
  // The stepper reaches Plan, but Load and the dry run stay disabled there too.
  await page.getByTestId('step-plan').click();
  await expect(page.getByTestId('plan-blocked')).toContainText('needs a primary key or unique constraint');
  await expect(page.getByTestId('start-load')).toBeDisabled();
  await expect(page.getByTestId('dry-run')).toBeDisabled();
  await page.getByTestId('step-target').click();

  // A schema that does not exist is offered too, with its statement.
  await page.getByTestId('target-table').fill('sales.people');
  await expect(page.getByTestId('fix-sql')).toHaveText('CREATE SCHEMA "sales";');
  await expect(page.getByTestId('ddl-preview')).toContainText('CREATE TABLE "sales"."people"');
  await page.getByTestId('target-table').fill('public.people');

  // Creating the index lets the load go ahead (once the check of public.people is back).
  await expect(page.getByTestId('fix-sql')).toHaveText('CREATE UNIQUE INDEX ON "public"."people" ("id");');
  await page.getByTestId('fix-offer').getByTestId('apply-fix').click();
  await expect(wizard.compatibility()).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('target-next')).toBeEnabled();
  await wizard.toPlan();
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  // Key 1: Ann superseded by Anna, an update of the table's 'old'; key 2 inserted.
  expect(await countOf(summary, 'inserted')).toBe(1);
  expect(await countOf(summary, 'updated')).toBe(1);
  expect(Number(await summary.getByTestId('count-superseded').getAttribute('data-value'))).toBe(1);
  await expect(summary.getByTestId('run-outcome')).toHaveText(
    'Of 3 rows read, 2 were loaded; 1 row was superseded by a later row with the same key.',
  );
  expect(await tableRows(target.url, 'people', 'id')).toEqual([
    { id: 1, name: 'Anna' },
    { id: 2, name: 'Bob' },
  ]);
  await app.shot('load summary with superseded');
});

test('append can empty the table first, and the target step shows the statement', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  await sql(
    target.url,
    "CREATE TABLE public.notes (id integer, note text); INSERT INTO notes VALUES (9, 'old')",
  );
  const file = path.join(app.workDir, 'notes.csv');
  fs.writeFileSync(file, 'id,note\n1,new\n');
  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);
  await shell.go('load');
  await wizard.openPath(file);
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.notes', mode: 'append' });
  await page.getByTestId('target-truncate').check();
  await expect(page.getByTestId('ddl-preview')).toContainText('TRUNCATE "public"."notes";');
  await wizard.toPlan();
  await expect(page.getByTestId('plan-truncate')).toBeVisible();
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  expect(await tableRows(target.url, 'notes', 'id')).toEqual([{ id: 1, note: 'new' }]);
});

test('an existing table types the columns the job does not: dates the preview read as text load as dates, the rest rejected', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  await sql(target.url, 'CREATE TABLE public.shipments (id integer, shipped date)');
  // Half the values are not dates: the sample alone reads the column as text.
  const file = path.join(app.workDir, 'shipments.csv');
  fs.writeFileSync(file, 'id,shipped\n1,2024-03-01\n2,soon\n3,2024-03-03\n4,later\n');
  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);
  await shell.go('load');
  await wizard.openPath(file);
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'public.shipments', mode: 'append' });
  // Not refused (text into a date column would be): the check says the table decides.
  await expect(wizard.compatibility()).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('compat-retyped')).toContainText(
    'shipped loads as date (its column is date; the preview read text): values that are not dates are rejected cell by cell',
  );
  await page.getByTestId('max-error-rate').fill('60');
  await wizard.toPlan();
  await expect(page.getByTestId('plan-retyped')).toHaveText('date (the table’s; the preview read text)');
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(summary, 'inserted')).toBe(2);
  expect(await countOf(summary, 'rejected')).toBe(2);
  expect(await tableRows(target.url, 'shipments', 'id')).toEqual([
    { id: 1, shipped: expect.any(Date) },
    { id: 3, shipped: expect.any(Date) },
  ]);
});

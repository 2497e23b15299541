import fs from 'node:fs';
import path from 'node:path';
import { ConnectionsPage } from './pages/connections-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

// A PostgreSQL connection saved from a URL with sslrootcert, application_name and connect_timeout
// shows them in the form's fields, and an edit by fields changes one and keeps the others.

test('a connection saved from a URL with its options edits them by fields', async ({ app, pg: target }) => {
  const { page } = app;
  const ca = path.join(app.workDir, 'private-ca.pem');
  fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  await new Shell(page).go('connections');
  const connections = new ConnectionsPage(page);
  const form = page.getByTestId('connection-form');

  await page.getByTestId('add-connection').click();
  await form.getByTestId('conn-name').fill('with-options');
  await form.getByText('URL', { exact: true }).click();
  const base = `${target.host}:${target.port}/${target.database}`;
  await form
    .getByTestId('conn-url')
    .fill(
      `postgres://${target.user}:${encodeURIComponent(target.password)}@${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}&application_name=etl-first&connect_timeout=9`,
    );
  await form.getByTestId('conn-save').click();
  await expect(form).toBeHidden();
  const row = connections.row('with-options');
  await expect(row).toBeVisible();

  // Edit: the fields show the options as saved.
  await row.getByTestId('edit-connection').click();
  await expect(form.getByTestId('conn-ssl')).toHaveValue('verify-full');
  await expect(form.getByTestId('conn-sslrootcert')).toHaveValue(ca);
  await expect(form.getByTestId('conn-application-name')).toHaveValue('etl-first');
  await expect(form.getByTestId('conn-connect-timeout')).toHaveValue('9');

  // A bad value is named under its field and not sent.
  await form.getByTestId('conn-connect-timeout').fill('9.5');
  await expect(form.getByTestId('conn-connect-timeout-error')).toHaveText(
    "Connect timeout (s): '9.5' is not a whole number of seconds",
  );
  await expect(form.getByTestId('conn-save')).toBeDisabled();
  await expect(form.getByTestId('conn-test')).toBeDisabled();
  await form.getByTestId('conn-connect-timeout').fill('9');
  await expect(form.getByTestId('conn-connect-timeout-error')).toBeHidden();

  // The CA file field belongs to the SSL modes that use one.
  await form.getByTestId('conn-ssl').selectOption('disable');
  await expect(form.getByTestId('conn-sslrootcert')).toBeHidden();
  await form.getByTestId('conn-ssl').selectOption('verify-full');
  await expect(form.getByTestId('conn-sslrootcert')).toHaveValue(ca);

  // A new application name, carried to the URL box and back.
  await form.getByTestId('conn-application-name').fill('etl-nightly');
  await form.getByText('URL', { exact: true }).click();
  const shown = `postgres://${target.user}@${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}&application_name=etl-nightly&connect_timeout=9`;
  await expect(form.getByTestId('conn-url')).toHaveValue(shown);
  await form.getByText('Fields', { exact: true }).click();
  await expect(form.getByTestId('conn-application-name')).toHaveValue('etl-nightly');
  await app.shot('connection options in the fields');
  await form.getByTestId('conn-save').click();
  await expect(form).toBeHidden();

  // Saved by fields: the engine's URL of it keeps the CA file and the timeout, with the new name.
  await row.getByTestId('edit-connection').click();
  await expect(form.getByTestId('conn-application-name')).toHaveValue('etl-nightly');
  await expect(form.getByTestId('conn-sslrootcert')).toHaveValue(ca);
  await expect(form.getByTestId('conn-connect-timeout')).toHaveValue('9');
  await form.getByText('URL', { exact: true }).click();
  await expect(form.getByTestId('conn-url')).toHaveValue(shown);
  await form.getByRole('button', { name: 'Cancel' }).click();

  // The form's Test takes the options too: without TLS (this server has none) it connects with them.
  await row.getByTestId('edit-connection').click();
  await form.getByTestId('conn-ssl').selectOption('disable');
  await form.getByTestId('conn-test').click();
  await expect(form.getByTestId('form-test-result')).toHaveAttribute('data-ok', 'true');
  await form.getByRole('button', { name: 'Cancel' }).click();

  // A MySQL connection has none of these fields.
  await page.getByTestId('add-connection').click();
  await expect(form.getByTestId('conn-application-name')).toBeVisible();
  await form.getByText('MySQL / MariaDB', { exact: true }).click();
  await expect(form.getByTestId('conn-port')).toHaveValue('3306');
  await expect(form.getByTestId('conn-application-name')).toBeHidden();
  await expect(form.getByTestId('conn-connect-timeout')).toBeHidden();
  await form.getByRole('button', { name: 'Cancel' }).click();
});

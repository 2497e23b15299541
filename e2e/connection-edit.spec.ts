import { ConnectionsPage } from './pages/connections-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

// Editing a saved connection shows it as it was saved (fields and URL alike, never the password),
// and closing the form gives the keyboard focus back to the button that opened it.

test('a connection saved from a URL edits as saved, and the focus goes back where it came from', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  await new Shell(page).go('connections');
  const connections = new ConnectionsPage(page);
  const form = page.getByTestId('connection-form');
  const addButton = page.getByTestId('add-connection');

  // Add, then Cancel: the focus is back on Add connection, not on the page's body.
  await addButton.focus();
  await page.keyboard.press('Enter');
  await expect(form.getByTestId('conn-name')).toBeFocused();
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toBeHidden();
  await expect(addButton).toBeFocused();

  // Saved from a URL with its password in it.
  await addButton.click();
  await form.getByTestId('conn-name').fill('from-url');
  await form.getByText('URL', { exact: true }).click();
  const url = `postgres://${target.user}:${encodeURIComponent(target.password)}@${target.host}:${target.port}/${target.database}?sslmode=disable`;
  await form.getByTestId('conn-url').fill(url);
  await form.getByTestId('conn-save').click();
  await expect(form).toBeHidden();
  const row = connections.row('from-url');
  await expect(row.getByTestId('test-result')).toHaveAttribute('data-ok', 'true');
  // Saved: the focus is on the saved connection's Edit button.
  await expect(row.getByTestId('edit-connection')).toBeFocused();

  // Edit: the fields hold the connection as saved; the password box is empty (write-only).
  await page.keyboard.press('Enter');
  await expect(form).toBeVisible();
  await expect(form.getByTestId('conn-name')).toHaveValue('from-url');
  await expect(form.getByTestId('conn-host')).toHaveValue(target.host);
  await expect(form.getByTestId('conn-port')).toHaveValue(String(target.port));
  await expect(form.getByTestId('conn-database')).toHaveValue(target.database);
  await expect(form.getByTestId('conn-user')).toHaveValue(target.user);
  await expect(form.getByTestId('conn-ssl')).toHaveValue('disable');
  await expect(form.getByTestId('conn-password')).toHaveValue('');
  await expect(form.getByTestId('conn-password')).toHaveAttribute(
    'placeholder',
    'saved — leave empty to keep',
  );
  // … and so does the URL box, without the password.
  await form.getByText('URL', { exact: true }).click();
  const shown = `postgres://${target.user}@${target.host}:${target.port}/${target.database}?sslmode=disable`;
  await expect(form.getByTestId('conn-url')).toHaveValue(shown);
  expect(await form.getByTestId('conn-url').inputValue()).not.toContain(target.password);
  await app.shot('edit a connection saved from a URL');

  // Cancel: the focus is back on the Edit button that opened the form.
  await form.getByRole('button', { name: 'Cancel' }).press('Enter');
  await expect(form).toBeHidden();
  await expect(row.getByTestId('edit-connection')).toBeFocused();

  // An emptied URL is named by its control and not sent (it would save 'localhost', no database).
  await row.getByTestId('edit-connection').click();
  await form.getByText('URL', { exact: true }).click();
  await form.getByTestId('conn-url').fill('');
  await expect(form.getByTestId('conn-url-error')).toContainText('URL: enter');
  await expect(form.getByTestId('conn-save')).toBeDisabled();

  // A URL edited by hand carries into the fields (its password into the password box)…
  await form.getByTestId('conn-url').fill(`postgres://someone:typed@db.example.com:6543/other`);
  await form.getByText('Fields', { exact: true }).click();
  await expect(form.getByTestId('conn-host')).toHaveValue('db.example.com');
  await expect(form.getByTestId('conn-port')).toHaveValue('6543');
  await expect(form.getByTestId('conn-database')).toHaveValue('other');
  await expect(form.getByTestId('conn-user')).toHaveValue('someone');
  await expect(form.getByTestId('conn-password')).toHaveValue('typed');
  await form.getByRole('button', { name: 'Cancel' }).click();

  // Saved again from the URL box as shown (no password typed): the saved password is kept.
  await row.getByTestId('edit-connection').click();
  await form.getByText('URL', { exact: true }).click();
  await expect(form.getByTestId('conn-url')).toHaveValue(shown);
  await form.getByTestId('conn-save').click();
  await expect(form).toBeHidden();
  await expect(row.getByTestId('test-result')).toHaveAttribute('data-ok', 'true');
  await expect(row.getByTestId('edit-connection')).toBeFocused();
});

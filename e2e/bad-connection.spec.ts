import { ConnectionsPage } from './pages/connections-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

test('a bad connection shows the server’s own error', async ({ app, pg: target }) => {
  const { page } = app;
  await new Shell(page).go('connections');
  const connections = new ConnectionsPage(page);

  // Wrong password: PostgreSQL's exact complaint reaches the operator, and the password does not.
  await connections.add({
    name: 'wrong-password',
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: 'not-the-password',
  });
  const refused = await connections.testResult('wrong-password');
  expect(refused.ok).toBe(false);
  expect(refused.text).toContain(`password authentication failed for user "${target.user}"`);
  expect(refused.text).not.toContain('not-the-password');

  // Nothing listening: the network error says where it tried.
  await connections.add({
    name: 'nobody-home',
    host: '127.0.0.1',
    port: 1,
    database: 'nope',
    user: 'nobody',
    password: 'x',
  });
  const unreachable = await connections.testResult('nobody-home');
  expect(unreachable.ok).toBe(false);
  // In words first: what is wrong and what to check.
  expect(unreachable.text).toContain('nothing is listening on 127.0.0.1:1 — is the server running');
  expect(refused.text).toContain(`the server refused the password for user '${target.user}'`);
  await app.shot('connection errors');

  // Test before saving: the form as it stands, with the password typed in it, saves nothing.
  await page.getByTestId('add-connection').click();
  const draft = page.getByTestId('connection-form');
  await draft.getByTestId('conn-name').fill('not-saved');
  await draft.getByTestId('conn-host').fill(target.host);
  await draft.getByTestId('conn-port').fill(String(target.port));
  await draft.getByTestId('conn-database').fill(target.database);
  await draft.getByTestId('conn-user').fill(target.user);
  await draft.getByTestId('conn-password').fill(target.password);
  await draft.getByTestId('conn-ssl').selectOption('disable');
  await draft.getByTestId('conn-test').click();
  await expect(draft.getByTestId('form-test-result')).toHaveAttribute('data-ok', 'true');
  await expect(draft.getByTestId('form-test-result')).toContainText('not saved yet');
  await draft.getByTestId('conn-port').fill('1');
  await expect(draft.getByTestId('form-test-result')).toHaveCount(0);
  await draft.getByTestId('conn-test').click();
  await expect(draft.getByTestId('form-test-result')).toContainText(
    `nothing is listening on ${target.host}:1`,
  );
  await draft.getByRole('button', { name: 'Cancel' }).click();
  await expect(connections.row('not-saved')).toHaveCount(0);

  // The right password, edited in: the same connection now works.
  await connections.row('wrong-password').getByTestId('edit-connection').click();
  const form = page.getByTestId('connection-form');
  await form.getByTestId('conn-password').fill(target.password);
  await form.getByTestId('conn-save').click();
  await expect(form).toBeHidden();
  const result = connections.row('wrong-password').getByTestId('test-result');
  await expect(result).toHaveAttribute('data-ok', 'true');
  // The test servers have no TLS: the operator is told the connection is not encrypted.
  await expect(result).toHaveText(/^✓ PostgreSQL \d+\S*, not encrypted$/);

  // Saved again with a wrong password and no test after saving: the ✓ of its old password goes
  // (it said the connection worked); Test tells again.
  await connections.row('wrong-password').getByTestId('edit-connection').click();
  await form.getByTestId('conn-password').fill('wrong-again');
  await form.getByText('Test after saving').click();
  await form.getByTestId('conn-save').click();
  await expect(form).toBeHidden();
  await expect(result).toHaveCount(0);
  await connections.test('wrong-password');
  await expect(result).toHaveAttribute('data-ok', 'false');

  // A port that is not a number is named by its control, and nothing is sent.
  await page.getByTestId('add-connection').click();
  await form.getByTestId('conn-name').fill('typo');
  await form.getByTestId('conn-port').fill('54x2');
  await expect(form.getByTestId('conn-port-error')).toHaveText("Port: '54x2' is not a whole number");
  await expect(form.getByTestId('conn-port')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByTestId('conn-save')).toBeDisabled();
  await expect(form.getByTestId('conn-test')).toBeDisabled();
  await form.getByTestId('conn-port').press('Enter');
  await expect(form.getByTestId('conn-save-error')).toHaveCount(0);
  await app.shot('port typo named by its control');
  await form.getByTestId('conn-port').fill('5432');
  await expect(form.getByTestId('conn-port-error')).toHaveCount(0);
  await expect(form.getByTestId('conn-save')).toBeEnabled();
});

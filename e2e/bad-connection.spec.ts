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
  expect(unreachable.text).toMatch(/ECONNREFUSED|refused|127\.0\.0\.1:1/);
  await app.shot('connection errors');

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
});

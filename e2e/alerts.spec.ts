import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { type Receiver, startReceiver } from '../core/node/alerts/test-support.ts';
import { AlertsPage } from './pages/alerts-page.ts';
import { ConnectionsPage } from './pages/connections-page.ts';
import { countOf, LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let receiver: Receiver;

test.beforeEach(async () => {
  // A real webhook receiver on 127.0.0.1, bounded in requests.
  receiver = await startReceiver(() => ({ status: 200, body: 'thanks' }), 10);
});
test.afterEach(async () => {
  await receiver.close();
});

test('a webhook alert added in Settings reports a load above its warning rate, recorded with the run', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  const shell = new Shell(page);

  // 1. Settings → Alerts: a signed webhook; its test message arrives and verifies.
  await shell.go('settings');
  const alerts = new AlertsPage(page);
  await alerts.addWebhook('ops', `${receiver.url}/loadstone`, SECRET);
  // The secret is saved, never shown again.
  await expect(alerts.channel('ops')).toContainText('(secret saved)');
  await expect(alerts.panel()).not.toContainText(SECRET.slice(6));
  const tested = await alerts.test('ops');
  await expect(tested).toHaveAttribute('data-ok', 'true');
  await expect(tested).toContainText('Sent to ops: HTTP 200 thanks');
  expect(receiver.requests).toHaveLength(1);
  const wh = new Webhook(SECRET);
  const first = receiver.requests[0]!;
  expect(wh.verify(first.body, first.headers as Record<string, string>)).toMatchObject({
    type: 'alert.test',
  });
  await app.shot('alert channel tested');

  // 2. A load with 2 bad amounts in 200 rows (1 %): under the 5 % abort threshold, over a 0.5 % warning rate.
  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);
  const file = path.join(app.workDir, 'orders.csv');
  const lines = ['id,amount'];
  for (let i = 1; i <= 200; i++) lines.push(`${i},${i % 70 === 0 ? `bad-${i}` : `${i}.50`}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);

  await shell.go('load');
  const wizard = new LoadWizardPage(page);
  await wizard.openPath(file);
  await wizard.toPreview();
  await wizard.toTarget();
  await wizard.setTarget({ connection: 'warehouse', table: 'orders', mode: 'append' });
  const rules = page.getByTestId('target-alerts');
  await rules.getByTestId('target-alert-ops').check();
  await rules.getByTestId('target-alert-warn-rate').fill('0.5');
  await app.shot('alert rule on the target step');
  await wizard.toPlan();
  await wizard.startLoad();
  const summary = await wizard.finished();
  await expect(summary).toHaveAttribute('data-status', 'succeeded');
  expect(await countOf(summary, 'rejected')).toBe(2);

  // 3. The run screen shows the delivery; the receiver got a signed run.warning without cell values.
  await summary.getByTestId('open-report').click();
  const delivery = page.getByTestId('run-alerts').getByTestId('run-alert-ops');
  await expect(delivery).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });
  await expect(delivery).toContainText('run.warning');
  await expect(delivery).toContainText('HTTP 200 thanks');
  await app.shot('run with its alert');
  expect(receiver.requests).toHaveLength(2);
  const alert = receiver.requests[1]!;
  const body = wh.verify(alert.body, alert.headers as Record<string, string>);
  expect(body).toMatchObject({
    type: 'run.warning',
    status: 'succeeded',
    target: 'warehouse',
    table: 'orders',
    counts: { read: 200, loaded: 198, rejected: 2 },
    reasons: [{ reason: 'invalid_number', column: 'amount', count: 2 }],
  });
  expect(alert.body).not.toContain('bad-');
});

test('a desktop alert channel shows its test message in the page', async ({ app }) => {
  test.skip(app.transport !== 'http', 'the desktop app shows an OS notification from main instead');
  const { page } = app;
  await new Shell(page).go('settings');
  const alerts = new AlertsPage(page);
  await alerts.panel().getByTestId('alert-add').click();
  const form = page.getByTestId('alert-form');
  await form.getByTestId('alert-kind').selectOption('desktop');
  await form.getByTestId('alert-name').fill('me');
  await form.getByTestId('alert-save').click();
  await expect(alerts.channel('me')).toBeVisible();
  const tested = await alerts.test('me');
  await expect(tested).toContainText('Sent to me: shown');
  const toast = page.getByTestId('alert-toast');
  await expect(toast).toContainText('Test message from Loadstone: (test)');
  await toast.getByRole('button', { name: 'Dismiss' }).click();
  await expect(toast).toHaveCount(0);
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionsPage } from './pages/connections-page.ts';
import { JobsPage } from './pages/jobs-page.ts';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { tableRows } from './support/pg-check.ts';

const TOKEN = 'tok-E2E-SECRET-5150';

/** A local orders API: bearer auth, `data` pages of 2, cursor in `next_cursor`; 5 orders, one 20-digit id. */
async function startOrdersApi(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const orders = [
    '{"id":1,"amount":12.50,"customer":"ann"}',
    '{"id":2,"amount":7.10,"customer":"bob"}',
    '{"id":3,"amount":1.00,"customer":"cy"}',
    '{"id":4,"amount":99.99,"customer":"dee"}',
    '{"id":12345678901234567890,"amount":0.01,"customer":"big"}',
  ];
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (requests.length > 100) return res.writeHead(599).end();
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"error":"unauthorized"}');
    }
    // The header and query parameter the form's request fields add, on every page.
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    if (req.headers['x-tenant'] !== 'acme' || params.get('region') !== 'eu') {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end('{"error":"x-tenant header and region parameter required"}');
    }
    const page = Number(params.get('cursor') ?? 0);
    const next = page * 2 + 2 < orders.length ? `"p${page + 1}"`.replace('p', '') : 'null';
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r-1' });
    res.end(`{"data":[${orders.slice(page * 2, page * 2 + 2).join(',')}],"next_cursor":${next}}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('an HTTP API source: the form, Test request, preview, load to a table, saved job keeps the API; the token never shows', async ({
  app,
  pg: target,
}) => {
  const api = await startOrdersApi();
  try {
    const { page } = app;
    const shell = new Shell(page);
    const wizard = new LoadWizardPage(page);
    await shell.go('connections');
    await new ConnectionsPage(page).addServer('warehouse', target);

    await shell.go('load');
    const result = await wizard.openApi({
      url: `${api.url}/v1/orders`,
      token: TOKEN,
      records: 'data',
      cursorPath: 'next_cursor',
      cursorParam: 'cursor',
      headers: 'Accept: application/json\nX-Tenant: acme',
      query: 'region=eu',
    });
    await expect(result.getByTestId('api-test-request')).toHaveText(`GET ${api.url}/v1/orders?region=***`);
    await expect(result.getByTestId('api-test-status')).toHaveText('200');
    await expect(result.getByTestId('api-test-count')).toHaveText('2 in the first page');
    await expect(result.getByTestId('api-test-next')).toHaveText(
      `cursor from next_cursor, sent as cursor: ${api.url}/v1/orders?region=***&cursor=***`,
    );
    await expect(result.getByTestId('api-test-records')).toContainText('"customer": "ann"');
    // Numbers as the API wrote them, not turned into strings to keep their digits.
    await expect(result.getByTestId('api-test-records')).toContainText('"amount": 12.50,');
    // Write-only: the field is emptied once saved and says so.
    await expect(page.getByTestId('api-auth-secret')).toHaveValue('');
    await expect(page.getByTestId('api-auth-secret')).toHaveAttribute(
      'placeholder',
      'saved (type to replace)',
    );
    await app.shot('http source tested');

    await wizard.toPreview();
    await expect(page.getByTestId('preview-grid')).toContainText('12345678901234567890');
    await wizard.toTarget();
    await wizard.setTarget({ connection: 'warehouse', table: 'public.api_orders', mode: 'append' });
    await wizard.toPlan();
    await wizard.saveJob('orders-api');
    await wizard.startLoad();
    await expect(await wizard.finished()).toHaveAttribute('data-status', 'succeeded');
    const rows = await tableRows(target.url, 'api_orders', 'customer');
    expect(rows.map((r) => [String(r.id), String(r.amount), r.customer])).toEqual([
      ['1', '12.50', 'ann'],
      ['12345678901234567890', '0.01', 'big'],
      ['2', '7.10', 'bob'],
      ['3', '1.00', 'cy'],
      ['4', '99.99', 'dee'],
    ]);
    expect(await page.content()).not.toContain(TOKEN);

    // The saved job keeps the API source: opened, it goes to the target step and loads again.
    await shell.go('jobs');
    await new JobsPage(page).open('orders-api');
    await expect(page.getByTestId('target-table')).toHaveValue('public.api_orders');
    await page.getByTestId('step-source').click();
    await expect(page.getByTestId('api-url')).toHaveValue(`${api.url}/v1/orders`);
    await expect(page.getByTestId('api-headers')).toHaveValue('Accept: application/json\nX-Tenant: acme');
    await expect(page.getByTestId('api-query')).toHaveValue('region=eu');
    await expect(page.getByTestId('api-auth-secret')).toHaveValue('');
    expect(await page.content()).not.toContain(TOKEN);
  } finally {
    await api.close();
  }
});

test('while a load reads its sample before the run begins (a slow API), the plan says so and Cancel stops it', async ({
  app,
  pg: target,
}) => {
  // Two pages of records; once `hold` is set, every request but the first page's waits until it is
  // released.
  let release: (() => void) | null = null;
  let hold: Promise<void> | null = null;
  const server = http.createServer(async (req, res) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1);
    if (hold && page > 1) await hold;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(page > 2 ? '{"data":[]}' : `{"data":[{"id":${page * 2 - 1}},{"id":${page * 2}}]}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
  try {
    const { page } = app;
    const shell = new Shell(page);
    const wizard = new LoadWizardPage(page);
    await shell.go('connections');
    await new ConnectionsPage(page).addServer('warehouse', target);
    await shell.go('load');
    await page.getByTestId('source-kind-http').check();
    await page.getByTestId('api-url').fill(url);
    await page.getByTestId('api-records').fill('data');
    await page.getByTestId('api-pagination-type').selectOption('pageNumber');
    // While the preview waits on the API's second page, it says how far it has read.
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.getByTestId('source-next').click();
    await expect(page.getByTestId('preview-loading')).toContainText('1 page, 2 records read.');
    (release as (() => void) | null)?.();
    hold = null;
    await expect(wizard.grid()).toBeVisible();
    await wizard.settled();
    await wizard.toTarget();
    await wizard.setTarget({ connection: 'warehouse', table: 'public.slow_items', mode: 'append' });
    await wizard.toPlan();
    await expect(page.getByTestId('plan-source')).toHaveText(url);

    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    await wizard.startLoad();
    // No run exists yet (nothing to follow or cancel): the plan says what the load is doing, and how
    // far it has read.
    await expect(page.getByTestId('load-starting')).toContainText(
      "Starting the load: opening the source and reading a sample of the API's records",
    );
    await expect(page.getByTestId('load-starting')).toContainText('1 page, 2 records read.');
    await app.shot('load starting');
    // Cancel reaches the load before its run exists: nothing written, nothing recorded.
    await page.getByTestId('cancel-start').click();
    await expect(page.getByTestId('start-cancelled')).toContainText(
      'Cancelled before the run began: nothing was written and no run was recorded.',
    );
    await expect(page.getByTestId('load-starting')).toHaveCount(0);
    expect(await tableRows(target.url, 'slow_items', 'id').catch(() => 'no table')).toBe('no table');
    // Then the same load, the API answering again, goes through.
    (release as (() => void) | null)?.();
    hold = null;
    await wizard.startLoad();
    await expect(await wizard.finished()).toHaveAttribute('data-status', 'succeeded');
    await expect(page.getByTestId('start-cancelled')).toHaveCount(0);
    await expect(page.getByTestId('load-starting')).toHaveCount(0);
    expect((await tableRows(target.url, 'slow_items', 'id')).map((r) => Number(r.id))).toEqual([1, 2, 3, 4]);
  } finally {
    (release as (() => void) | null)?.();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

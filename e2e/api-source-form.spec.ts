import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { ConnectionsPage } from './pages/connections-page.ts';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { tableRows } from './support/pg-check.ts';

const OLD_TOKEN = 'tok-E2E-OLD-1111';
const NEW_TOKEN = 'tok-E2E-NEW-2222';
const CLIENT_SECRET = 'cs-E2E-SECRET-3333';

interface Seen {
  method: string;
  url: string;
  authorization: string;
  body: string;
}

/**
 * A local API with the shapes the form must be able to describe:
 * - `/v1/old`: one record under `data` (bearer OLD_TOKEN);
 * - `/v1/new`: five records under `items`, pages numbered from 0, `per_page` records a page, two when
 *   the size is not sent (bearer NEW_TOKEN);
 * - `/token` + `/v1/search`: OAuth2 client credentials sent as form fields only (no Basic header),
 *   then a POST whose JSON body carries the cursor as `after`.
 */
async function startApi(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const authorization = req.headers.authorization ?? '';
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization, body });
      if (seen.length > 200) return json(res, 599, {});
      if (url.pathname === '/v1/old') {
        if (authorization !== `Bearer ${OLD_TOKEN}`) return json(res, 401, { error: 'unauthorized' });
        return json(res, 200, { data: [{ old_id: 1 }] });
      }
      if (url.pathname === '/v1/new') {
        if (authorization !== `Bearer ${NEW_TOKEN}`) return json(res, 401, { error: 'unauthorized' });
        const page = Number(url.searchParams.get('page'));
        const size = Number(url.searchParams.get('per_page') ?? 2);
        const all = [1, 2, 3, 4, 5].map((n) => ({ item_id: n, label: `new-${n}` }));
        return json(res, 200, { items: all.slice(page * size, page * size + size) });
      }
      if (url.pathname === '/token') {
        const form = new URLSearchParams(body);
        if (
          authorization !== '' ||
          form.get('client_id') !== 'cid' ||
          form.get('client_secret') !== CLIENT_SECRET
        )
          return json(res, 401, { error: 'invalid_client' });
        return json(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 });
      }
      if (url.pathname === '/v1/search') {
        if (req.method !== 'POST' || authorization !== 'Bearer at-1')
          return json(res, 401, { error: 'unauthorized' });
        const after = (JSON.parse(body || '{}') as { after?: string }).after;
        if (after === undefined) return json(res, 200, { hits: [{ hit: 'first' }], next: 'c2' });
        if (after === 'c2') return json(res, 200, { hits: [{ hit: 'second-from-body-cursor' }], next: null });
        return json(res, 400, { error: `unknown cursor ${after}` });
      }
      json(res, 404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const byId = (page: Page, id: string) => page.getByTestId(id);

test('changes made after Test request are what is previewed and loaded, with the newly typed token', async ({
  app,
  pg: target,
}) => {
  const api = await startApi();
  try {
    const { page } = app;
    const shell = new Shell(page);
    const wizard = new LoadWizardPage(page);
    await shell.go('connections');
    await new ConnectionsPage(page).addServer('warehouse', target);
    await shell.go('load');

    await byId(page, 'source-kind-http').check();
    await byId(page, 'api-url').fill(`${api.url}/v1/old`);
    await byId(page, 'api-auth-type').selectOption('bearer');
    await byId(page, 'api-records').fill('data');
    // Another screen looked at in the middle: the form is as it was left.
    await shell.go('connections');
    await shell.go('load');
    await expect(byId(page, 'source-kind-http')).toBeChecked();
    await expect(byId(page, 'api-url')).toHaveValue(`${api.url}/v1/old`);
    await expect(byId(page, 'api-auth-type')).toHaveValue('bearer');
    await expect(byId(page, 'api-records')).toHaveValue('data');
    await byId(page, 'api-auth-secret').fill(OLD_TOKEN);
    await byId(page, 'api-test').click();
    await expect(byId(page, 'api-test-status')).toHaveText('200');

    // Another endpoint, records path and token, not tested again: Preview reads them.
    await byId(page, 'api-url').fill(`${api.url}/v1/new`);
    await byId(page, 'api-records').fill('items');
    await byId(page, 'api-auth-secret').fill(NEW_TOKEN);
    await wizard.toPreview();
    await expect(wizard.grid()).toContainText('new-2');
    await expect(wizard.grid()).not.toContainText('old_id');
    expect(api.seen.filter((s) => s.url.startsWith('/v1/new'))[0]).toMatchObject({
      url: '/v1/new',
      authorization: `Bearer ${NEW_TOKEN}`,
    });

    // Pagination set on the source step (pages from 0, a page size under its parameter).
    await byId(page, 'step-source').click();
    await expect(byId(page, 'api-url')).toHaveValue(`${api.url}/v1/new`);
    await expect(byId(page, 'api-records')).toHaveValue('items');
    await byId(page, 'api-pagination-type').selectOption('pageNumber');
    await byId(page, 'api-pagination-start').fill('0');
    await byId(page, 'api-pagination-size').fill('5');
    await byId(page, 'api-pagination-short-page').check();
    // The later steps wait for the changed source: no way round Preview rows.
    await expect(byId(page, 'step-target')).toBeDisabled();
    // A page size without its parameter would silently not be sent: refused, naming the field.
    await byId(page, 'source-next').click();
    await expect(byId(page, 'api-issues')).toContainText('Page size parameter');
    await byId(page, 'api-pagination-size-param').fill('per_page');
    await wizard.toPreview();
    await expect(wizard.grid()).toContainText('new-5');
    expect(api.seen.filter((s) => s.url.startsWith('/v1/new?'))[0]).toMatchObject({
      url: '/v1/new?page=0&per_page=5',
    });

    // Back on the source step the form shows what was previewed.
    await byId(page, 'step-source').click();
    await expect(byId(page, 'api-pagination-start')).toHaveValue('0');
    await expect(byId(page, 'api-pagination-size-param')).toHaveValue('per_page');
    // The saved token is a bearer token of this server: another auth type or another server (the same
    // port on localhost) asks for the secret again instead of sending it there.
    const secret = byId(page, 'api-auth-secret');
    await expect(secret).toHaveAttribute('placeholder', 'saved (type to replace)');
    await byId(page, 'api-auth-type').selectOption('basic');
    await expect(secret).toHaveAttribute('placeholder', /^type it again/);
    await byId(page, 'api-auth-type').selectOption('bearer');
    await expect(secret).toHaveAttribute('placeholder', 'saved (type to replace)');
    await byId(page, 'api-url').fill(`${api.url.replace('127.0.0.1', 'localhost')}/v1/new`);
    await expect(secret).toHaveAttribute('placeholder', /^type it again/);
    await byId(page, 'api-url').fill(`${api.url}/v1/new`);
    await expect(secret).toHaveAttribute('placeholder', 'saved (type to replace)');
    await wizard.toPreview();
    await wizard.toTarget();
    await wizard.setTarget({ connection: 'warehouse', table: 'public.new_items', mode: 'append' });
    await wizard.toPlan();
    await wizard.saveJob('new-items');
    await wizard.startLoad();
    await expect(await wizard.finished()).toHaveAttribute('data-status', 'succeeded');
    const rows = await tableRows(target.url, 'new_items', 'item_id');
    expect(rows.map((r) => r.label)).toEqual(['new-1', 'new-2', 'new-3', 'new-4', 'new-5']);
    expect(await page.content()).not.toContain(NEW_TOKEN);
  } finally {
    await api.close();
  }
});

test('OAuth2 client credentials sent as form fields and a POST cursor in the body are set in the form', async ({
  app,
}) => {
  const api = await startApi();
  try {
    const { page } = app;
    const wizard = new LoadWizardPage(page);
    await new Shell(page).go('load');
    await byId(page, 'source-kind-http').check();
    await byId(page, 'api-method').selectOption('POST');
    await byId(page, 'api-url').fill(`${api.url}/v1/search`);
    await byId(page, 'api-body').fill('{ "q": "all" }');
    await byId(page, 'api-auth-type').selectOption('oauth2ClientCredentials');
    await byId(page, 'api-auth-token-url').fill(`${api.url}/token`);
    await byId(page, 'api-auth-client-id').fill('cid');
    await byId(page, 'api-auth-client-auth').selectOption('post');
    await byId(page, 'api-auth-secret').fill(CLIENT_SECRET);
    await byId(page, 'api-records').fill('hits');
    await byId(page, 'api-pagination-type').selectOption('cursor');
    await byId(page, 'api-pagination-path').fill('next');
    await byId(page, 'api-pagination-cursor-in').selectOption('body');
    await expect(page.getByLabel('Cursor body field')).toBeVisible();
    await byId(page, 'api-pagination-param').fill('after');
    await wizard.toPreview();
    await expect(wizard.grid()).toContainText('second-from-body-cursor');
    const bodies = api.seen.filter((s) => s.url === '/v1/search').map((s) => JSON.parse(s.body));
    expect(bodies[0]).toEqual({ q: 'all' });
    expect(bodies).toContainEqual({ q: 'all', after: 'c2' });
    expect(await page.content()).not.toContain(CLIENT_SECRET);
  } finally {
    await api.close();
  }
});

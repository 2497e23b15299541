import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/serve-process.ts';

// Issue 10 points 10 and 13: the error report's rows fill the window and mark the offending cell,
// a new filter starts at the top; the preview grid keeps its columns on a 1024 px window (the side
// panel folds), finds columns in a 74-column file, never cuts a header while there is room, and the
// inspector wraps.

const BIN = path.join(REPO_ROOT, 'bin/loadstone.mjs');
const DOCS_WIDE = path.join(REPO_ROOT, 'docs/screenshot-wide-file.png');

/** Runs a real `loadstone` command against the app's data folder (setup, not what is under test). */
function loadstone(dataDir: string, cwd: string, args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {
    cwd,
    env: { ...process.env, PGPASSFILE: path.join(cwd, 'no-pgpass') },
    encoding: 'utf8',
  });
}

/** The box of `el` (in page pixels). */
async function box(el: Locator) {
  const b = await el.boundingBox();
  if (!b) throw new Error('not rendered');
  return b;
}

/** Whether any element matching `selector` inside `el` is cut (its text wider than its box). */
function anyCut(el: Locator, selector: string): Promise<boolean> {
  return el.evaluate(
    (root, sel) =>
      Array.prototype.some.call(
        root.querySelectorAll<HTMLElement>(sel),
        (e: HTMLElement) => e.scrollWidth > e.clientWidth + 1,
      ) as boolean,
    selector,
  );
}

async function innerHeight(page: Page): Promise<number> {
  return page.evaluate(() => window.innerHeight);
}

test('the rejected rows fill the window, mark the offending cell and start at the top on a new filter', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  // 300 rows: amounts bad in odd rows, dates bad in even rows, and two rows with a bad boolean too.
  const lines = ['Nr;Betrag (EUR);Datum;Bezahlt'];
  for (let i = 1; i <= 300; i++) {
    const paid = i === 10 || i === 20 ? 'vielleicht' : 'true';
    lines.push(`${i};${i % 2 ? `${i}x` : `${i},5`};${i % 2 ? '01.02.2024' : '31.02.2024'};${paid}`);
  }
  fs.writeFileSync(path.join(app.workDir, 'bad.csv'), `${lines.join('\n')}\n`);
  const spec = {
    source: { path: 'bad.csv' },
    format: { dateOrder: 'DMY' },
    columns: [
      { source: 'Betrag (EUR)', type: 'numeric' },
      { source: 'Datum', type: 'date' },
      { source: 'Bezahlt', type: 'boolean' },
    ],
  };
  fs.writeFileSync(path.join(app.workDir, 'bad.json'), JSON.stringify(spec));
  const out = loadstone(app.dataDir, app.workDir, [
    'load',
    '--spec',
    'bad.json',
    '--target',
    target.url,
    '--table',
    'bad',
    '--max-error-rate',
    '1',
    '--json',
  ]);
  const runId = (JSON.parse(out) as { runId: string; rejected: number }).runId;

  await page.setViewportSize({ width: 1440, height: 900 });
  await page.evaluate((id) => {
    window.location.hash = `#/runs/${id}`;
  }, runId);
  const grid = page.getByTestId('rejected-rows');
  await expect(grid).toHaveAttribute('data-total', '300');

  // The grid is as tall as the window less the report's toolbar, at two window sizes.
  for (const size of [
    { width: 1440, height: 900 },
    { width: 1280, height: 700 },
  ]) {
    await page.setViewportSize(size);
    await expect.poll(async () => (await box(grid)).height).toBeCloseTo((await innerHeight(page)) - 110, 0);
  }

  // Each row marks its offending cell, found by the source header although errors name the target
  // column (betrag_eur, datum).
  const first = grid.getByTestId('rejected-row').first();
  await expect(first.getByTestId('rejected-cell')).toHaveAttribute('data-column', 'Betrag (EUR)');
  const second = grid.getByTestId('rejected-row').nth(1);
  await expect(second.getByTestId('rejected-cell')).toHaveAttribute('data-column', 'Datum');
  await app.shot('error report fills the window');

  // Scrolled down, a new filter starts at the top of its rows.
  await grid.evaluate((el) => el.scrollTo({ top: 4000 }));
  await expect.poll(() => grid.evaluate((el) => el.scrollTop)).toBeGreaterThan(3000);
  await page.getByTestId('filter-reason').selectOption('impossible_date');
  await expect(grid).toHaveAttribute('data-total', '150');
  await expect.poll(() => grid.evaluate((el) => el.scrollTop)).toBe(0);
  await grid.evaluate((el) => el.scrollTo({ top: 2000 }));
  await expect.poll(() => grid.evaluate((el) => el.scrollTop)).toBeGreaterThan(1000);
  await page.getByTestId('filter-reason').selectOption('');
  await expect(grid).toHaveAttribute('data-total', '300');
  await expect.poll(() => grid.evaluate((el) => el.scrollTop)).toBe(0);

  // Two rows (the bad booleans): both whole inside the grid, none cut.
  await page.getByTestId('filter-reason').selectOption('invalid_boolean');
  await expect(grid).toHaveAttribute('data-total', '2');
  const g = await box(grid);
  const rows = grid.getByTestId('rejected-row');
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    const r = await box(row);
    expect(r.y + r.height).toBeLessThanOrEqual(g.y + g.height);
    await expect(row.getByTestId('rejected-cell').last()).toHaveAttribute('data-column', 'Bezahlt');
  }
});

test('wide files: five columns at 1024 px with the panel folded, a column search, whole headers, a wrapping inspector', async ({
  app,
}) => {
  const { page } = app;
  const shell = new Shell(page);
  const wizard = new LoadWizardPage(page);
  // 74 columns, the way exports of accounting systems come: a renamed one and one long value.
  const headers = [
    'Betrag (EUR) netto',
    ...Array.from({ length: 73 }, (_, i) => `col_${String(i + 2).padStart(2, '0')}`),
  ];
  const long = `${'a long remark that goes on '.repeat(12)}end`;
  const rows = Array.from({ length: 20 }, (_, r) =>
    headers.map((_, c) => (c === 0 ? `${r},50` : c === 5 ? long : `v${r}`)).join(';'),
  );
  const file = path.join(app.workDir, 'wide.csv');
  fs.writeFileSync(file, `${headers.join(';')}\n${rows.join('\n')}\n`);

  await page.setViewportSize({ width: 1024, height: 768 });
  await shell.go('load');
  await wizard.openPath(file);
  await wizard.toPreview();
  const grid = wizard.grid();

  // 1024 px: the side panel is a rail and at least five columns are whole inside the grid.
  await expect(page.getByTestId('panel-expand')).toBeVisible();
  await expect(page.getByTestId('file-defaults')).toHaveCount(0);
  const g = await box(grid);
  const headersShown = await grid.getByTestId('column-header').all();
  let whole = 0;
  for (const h of headersShown) {
    const b = await box(h);
    if (b.x >= g.x && b.x + b.width <= g.x + g.width) whole++;
  }
  expect(whole).toBeGreaterThanOrEqual(5);
  await page.mouse.move(0, 0);
  await wizard.inspector().evaluate((el) => el.scrollIntoView());
  const shot = await app.shot('1024 px with the panel folded');
  if (!fs.existsSync(DOCS_WIDE) || process.env.LOADSTONE_UPDATE_DOCS === '1')
    fs.copyFileSync(shot, DOCS_WIDE);
  // The rail opens the panel again; its fold button folds it.
  await page.getByTestId('panel-expand').click();
  await expect(page.getByTestId('file-defaults')).toBeVisible();
  await page.getByTestId('file-defaults').getByTestId('panel-collapse').click();
  await expect(page.getByTestId('panel-expand')).toBeVisible();

  // The column search shows only matching columns.
  await page.getByTestId('column-search').fill('col_7');
  await expect(page.getByTestId('column-search-count')).toHaveAttribute('data-count', '5');
  await expect(grid.getByTestId('column-header')).toHaveCount(5);
  await page.getByTestId('column-search').fill('betrag');
  await expect(grid.getByTestId('column-header')).toHaveCount(1);
  await page.getByTestId('column-search').fill('');
  await expect(grid.getByTestId('column-header')).toHaveCount(74);

  // 1600 px: no header is cut, the renamed one's "← Betrag (EUR) netto" included.
  await page.setViewportSize({ width: 1600, height: 900 });
  const renamed = wizard.header('betrag_eur_netto');
  await expect(renamed).toContainText('← Betrag (EUR) netto');
  expect(await anyCut(grid.locator('thead'), '.hcell-name, .hcell-meta, .hcell-meta > span')).toBe(false);

  // The inspector wraps a long value instead of cutting it.
  await wizard.cell(2, 'col_06').hover();
  const inspector = wizard.inspector();
  await expect(inspector).toContainText('end');
  expect(await inspector.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  expect((await box(inspector)).height).toBeGreaterThan(40);
  await app.shot('wide file at 1600 px');
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { RunPage } from './pages/run-page.ts';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/serve-process.ts';

// The error report's row inspector: the whole rejected row — every raw value in full, line breaks
// and all, NULL as NULL — reached by keyboard, copied as JSON, and the focus back on the row after.

const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs/screenshot-row-inspector.png');
const BIG = '12345678901234567890';
/** A bad amount of three lines and over 2 KB: the grid shows its first characters only. */
const LONG = `12,5x — see note\n  second line, indented\n${'{"k":"v"},'.repeat(220)}end`;

function loadstone(dataDir: string, cwd: string, args: string[]): string {
  return execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/loadstone.mjs'), ...args, '--data-dir', dataDir],
    {
      cwd,
      env: { ...process.env, PGPASSFILE: path.join(cwd, 'no-pgpass') },
      encoding: 'utf8',
    },
  );
}

/** Presses Tab until a rejected row has the focus (the Find box comes a few stops before it). */
async function tabToRow(page: Page): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'rejected-row'))
      return;
  }
  throw new Error('Tab did not reach a rejected row');
}

test('the row inspector shows a rejected row whole, by keyboard, and gives the focus back', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  // NDJSON keeps what a CSV cannot: a NULL, a 20-digit number as written, a nested object.
  const records = [
    { id: 1, amount: '1.5', note: 'fine', big: 1, extra: null },
    { id: 2, amount: LONG, note: null, big: BIG, extra: { tags: ['a', 'b'] } },
    { id: 3, amount: '3x', note: ' padded ', big: 3, extra: null },
  ];
  const text = records.map((r) => JSON.stringify(r).replace(/"big":"(\d+)"/, '"big":$1')).join('\n');
  fs.writeFileSync(path.join(app.workDir, 'notes.ndjson'), `${text}\n`);
  fs.writeFileSync(
    path.join(app.workDir, 'notes.json'),
    JSON.stringify({ source: { path: 'notes.ndjson' }, columns: [{ source: 'amount', type: 'numeric' }] }),
  );
  const { runId, rejected } = JSON.parse(
    loadstone(app.dataDir, app.workDir, [
      'load',
      '--spec',
      'notes.json',
      '--target',
      target.url,
      '--table',
      'notes',
      '--max-error-rate',
      '1',
      '--json',
    ]),
  ) as { runId: string; rejected: number };
  expect(rejected).toBe(2);

  await page.evaluate((id) => {
    window.location.hash = `#/runs/${id}`;
  }, runId);
  const grid = page.getByTestId('rejected-rows');
  await expect(grid).toHaveAttribute('data-total', '2');
  const rows = grid.getByTestId('rejected-row');
  // The grid cuts the long value to one line (the whole row is the inspector's).
  const cut = await rows
    .first()
    .locator('[data-column="amount"] .v')
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what is asked.
    .evaluate((el) => el.scrollWidth > el.clientWidth && !(el as HTMLElement).innerText.includes('\n'));
  expect(cut).toBe(true);

  // By keyboard: Tab reaches the first row, Enter opens the inspector.
  await page.getByTestId('filter-text').focus();
  await tabToRow(page);
  await expect(rows.first()).toBeFocused();
  await page.keyboard.press('Enter');
  const inspector = page.getByRole('dialog', { name: /Rejected row, line 2/ });
  await expect(inspector).toBeVisible();
  await expect(inspector.getByTestId('inspector-where')).toContainText('Line2');
  await expect(inspector.getByTestId('inspector-where')).toContainText('Stagenormalize');
  await expect(inspector.getByTestId('inspector-problem-column')).toHaveText('amount');
  await expect(inspector.getByTestId('inspector-problem-reason')).toHaveText('invalid_number');

  // Every value whole: the long one with its line breaks and indent, the 20-digit number as written,
  // NULL as a NULL marker (not empty text), the nested object laid out.
  const value = (column: string) =>
    inspector.locator(`[data-testid="inspector-value"][data-column="${column}"]`);
  await expect(value('amount')).toHaveAttribute('data-kind', 'text');
  expect(await value('amount').getByTestId('inspector-value-text').textContent()).toBe(LONG);
  // Rendered on separate lines, not joined by a space.
  const shown = await value('amount')
    .getByTestId('inspector-value-text')
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what is asked.
    .evaluate((el) => (el as HTMLElement).innerText);
  expect(shown.split('\n')[1]).toBe('  second line, indented');
  expect(await value('big').textContent()).toBe(BIG);
  await expect(value('note')).toHaveAttribute('data-kind', 'null');
  await expect(value('note')).toHaveText('NULL');
  expect(await value('extra').textContent()).toBe('{\n  "tags": [\n    "a",\n    "b"\n  ]\n}');
  // The long value wraps inside the dialog instead of running off its side.
  const fits = await value('amount').evaluate((el) => el.scrollWidth <= el.clientWidth);
  expect(fits).toBe(true);
  const shot = await app.shot('row inspector with a long multi-line value');
  if (!fs.existsSync(DOCS_SCREENSHOT) || process.env.LOADSTONE_UPDATE_DOCS === '1') {
    fs.copyFileSync(shot, DOCS_SCREENSHOT);
  }

  // Copy: the raw values as JSON, exactly.
  if (app.transport === 'http') {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await inspector.getByTestId('inspector-copy').click();
    await expect(inspector.getByTestId('inspector-copy-status')).toHaveText('Raw values copied as JSON.');
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    expect(copied).toEqual({ id: 2, amount: LONG, note: null, big: BIG, extra: { tags: ['a', 'b'] } });
  }

  // Escape closes it and the focus is back on the row it showed.
  await page.keyboard.press('Escape');
  await expect(inspector).toBeHidden();
  await expect(rows.first()).toBeFocused();

  // Arrow down to the next row; Space opens it; Close gives the focus back to that row.
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  await page.keyboard.press(' ');
  const second = page.getByRole('dialog', { name: /Rejected row, line 3/ });
  await expect(second).toBeVisible();
  // Blanks at the ends of a value are kept (and marked).
  expect(await second.locator('[data-testid="inspector-value"][data-column="note"]').textContent()).toBe(
    ' padded ',
  );
  await second.getByRole('button', { name: 'Close' }).click();
  await expect(second).toBeHidden();
  await expect(rows.nth(1)).toBeFocused();
  // A click opens a row too.
  await rows.first().click();
  await expect(inspector).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(rows.first()).toBeFocused();

  // The export is offered under one name, the run's, saying when it holds filtered rows only.
  if (app.transport === 'http') {
    const report = new RunPage(page);
    const [all] = await Promise.all([page.waitForEvent('download'), report.clickExport('csv')]);
    expect(all.suggestedFilename()).toBe(`loadstone-run-${runId}-rejected.csv`);
    await page.getByRole('searchbox', { name: 'Find' }).fill('3x');
    await expect(grid).toHaveAttribute('data-total', '1');
    const [some] = await Promise.all([page.waitForEvent('download'), report.clickExport('json')]);
    expect(some.suggestedFilename()).toBe(`loadstone-run-${runId}-rejected-filtered.json`);
  }
});

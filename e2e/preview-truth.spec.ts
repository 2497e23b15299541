import fs from 'node:fs';
import path from 'node:path';
import { LoadWizardPage } from './pages/load-wizard-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';

/**
 * 12,000 data rows (lines 2–12,001) whose bad rows all lie beyond the 200 shown: in the 10,000-row
 * sample 14 bad amounts, 33 impossible days and 3 stray quotes; after the sample more bad amounts,
 * which no preview count may include.
 */
function writeLargeMessyCsv(dir: string): string {
  const badAmount = new Set(Array.from({ length: 14 }, (_, i) => 300 + i * 500));
  const badDay = new Set(Array.from({ length: 33 }, (_, i) => 260 + i * 250));
  const stray = new Set([4_000, 6_000, 9_000]);
  const lines = ['id,amount,day'];
  for (let line = 2; line <= 12_001; line++) {
    const id = line - 1;
    if (stray.has(line)) lines.push(`${id},12"5,2024-01-01`);
    else if (badAmount.has(line) || line > 10_001)
      lines.push(`${id},${line > 10_001 && line % 2 ? '9.5' : '12.5x'},2024-01-01`);
    else if (badDay.has(line)) lines.push(`${id},3.25,2024-02-31`);
    else lines.push(`${id},${(id % 1000) / 4},2024-${String((id % 12) + 1).padStart(2, '0')}-15`);
  }
  const file = path.join(dir, 'large-messy.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('the badge, the column headers, the filter and the warnings count the same rows on a file larger than the sample', async ({
  app,
}) => {
  const { page } = app;
  const wizard = new LoadWizardPage(page);
  await new Shell(page).go('load');
  await wizard.openPath(writeLargeMessyCsv(app.workDir));
  await wizard.toPreview();

  // The badge counts over the sample, and says so; the 200 rows shown are all clean.
  await expect(wizard.badge()).toHaveText(
    '50 of 10,000 sampled rows would be rejected; 200 shown, none of them rejected',
  );
  await expect(wizard.badge()).toHaveClass(/pill-bad/);
  expect(await wizard.rejectedCount()).toBe(50);
  // The headers count the same sample: their bad values plus the unreadable rows make the badge.
  expect(await wizard.badCount('amount')).toBe(14);
  expect(await wizard.badCount('day')).toBe(33);
  expect(await wizard.badCount('id')).toBe(0);
  await expect(wizard.fileWarnings()).toHaveCount(1);
  await expect(wizard.fileWarnings().first()).toContainText(
    '3 of 10,000 sampled rows could not be read and would be rejected: 3 stray_quote (first: line 4000:',
  );
  await expect(page.getByTestId('only-rejected-count')).toHaveAttribute('data-count', '50');
  await app.shot('counts over the sample');

  // The column panel says the same, over the same rows.
  const panel = await wizard.selectColumn('day');
  await expect(panel.getByTestId('column-nonfitting')).toHaveText(
    '33 of 10,000 sampled rows have a value here that would be rejected',
  );

  // "Only rejected rows" lists the rejected sampled rows beyond the first 200, unreadable ones inline.
  await wizard.onlyRejected(true);
  await wizard.settled();
  await expect(wizard.grid().locator('[data-testid="preview-row"]').first()).toHaveAttribute(
    'data-line',
    '260',
  );
  await expect(wizard.cell(260, 'day')).toHaveAttribute('data-reason', 'impossible_date');
  await expect(wizard.cell(300, 'amount')).toHaveAttribute('data-reason', 'invalid_number');
  const problem = wizard.grid().locator('[data-testid="preview-row"][data-line="4000"]');
  await problem.scrollIntoViewIfNeeded();
  await expect(problem.getByTestId('row-problem')).toHaveAttribute('data-reason', 'stray_quote');
  await expect(problem.getByTestId('row-problem')).toContainText('stray_quote');
  await expect(problem.getByTestId('row-problem-raw')).toHaveText('3999,12"5,2024-01-01');
  await app.shot('only rejected rows, a stray quote inline');
  // The last one listed is the last rejected row of the sample: nothing after line 10,001.
  await wizard.grid().evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(wizard.grid().locator('[data-testid="preview-row"]').last()).toHaveAttribute(
    'data-line',
    '9000',
  );
});

/** Semicolon-separated, day-first dates and decimal commas, as a European spreadsheet writes them. */
function writeEuropeanCsv(dir: string): string {
  const rows = [
    ['id', 'day', 'amount'],
    ['1', '25/03/2024', '1.234,50'],
    ['2', '01/02/2024', '12,00'],
    ['3', '13/01/2024', '-7,25'],
    ['4', '03/04/2024', '0,99'],
    ['5', '30/04/2024', '100'],
    ['6', '11/12/2024', '2.500,75'],
  ];
  const file = path.join(dir, 'european.csv');
  fs.writeFileSync(file, `${rows.map((r) => r.join(';')).join('\n')}\n`);
  return file;
}

test('an override that contradicts the values keeps the type and shows what it would reject', async ({
  app,
}) => {
  const { page } = app;
  const wizard = new LoadWizardPage(page);
  await new Shell(page).go('load');
  await wizard.openPath(writeEuropeanCsv(app.workDir));
  await wizard.toPreview();
  await expect(wizard.columnType('day')).toHaveText('date');
  await expect(wizard.columnType('amount')).toHaveText('numeric');
  expect(await wizard.rejectedCount()).toBe(0);

  // Date order MDY on day-first dates: still a date column, MDY applied, three values rejected.
  let panel = await wizard.selectColumn('day');
  await panel.getByTestId('column-date-order').selectOption('MDY');
  await wizard.settled();
  await expect(wizard.columnType('day')).toHaveText('date');
  await expect(panel.getByTestId('column-panel-type')).toHaveText('date (inferred)');
  await expect(panel.getByTestId('column-date-order')).toHaveValue('MDY');
  await expect(panel.getByTestId('column-warnings')).toContainText(
    'these values cannot be read as MDY dates (the date order set for this column): 3 of 6 sampled values would be rejected',
  );
  await expect(wizard.cell(2, 'day')).toHaveAttribute('data-reason', 'impossible_date');
  await expect(wizard.cell(5, 'day')).toHaveText('2024-03-04');
  expect(await wizard.badCount('day')).toBe(3);
  expect(await wizard.rejectedCount()).toBe(3);
  await app.shot('date order MDY on day-first dates');

  // Decimal separator '.' on decimal commas: still numeric, the control kept, five values rejected.
  panel = await wizard.selectColumn('amount');
  await panel.getByTestId('column-decimal').selectOption('.');
  await wizard.settled();
  await expect(wizard.columnType('amount')).toHaveText('numeric');
  await expect(panel.getByTestId('column-decimal')).toHaveValue('.');
  await expect(panel.getByTestId('column-warnings')).toContainText(
    "these values cannot be read as numbers with '.' as decimal separator (set for this column): 5 of 6 sampled values would be rejected",
  );
  await expect(wizard.cell(2, 'amount')).toHaveAttribute('data-reason', 'invalid_number');
  await expect(wizard.cell(6, 'amount')).toHaveText('100');
  expect(await wizard.badCount('amount')).toBe(5);
  // Lines 2 and 4 have both a bad day and a bad amount: the badge counts rows (3 + 5 − 2).
  expect(await wizard.rejectedCount()).toBe(6);

  // The same control undoes it.
  await panel.getByTestId('column-decimal').selectOption('');
  await wizard.settled();
  await expect(wizard.cell(2, 'amount')).toHaveText('1234.50');
  expect(await wizard.badCount('amount')).toBe(0);
  panel = await wizard.selectColumn('day');
  await panel.getByTestId('column-date-order').selectOption('');
  await wizard.settled();
  expect(await wizard.rejectedCount()).toBe(0);
});

test("a text column's Text control: kept as written, or trimmed with the null tokens, and back", async ({
  app,
}) => {
  const { page } = app;
  const wizard = new LoadWizardPage(page);
  await new Shell(page).go('load');
  const file = path.join(app.workDir, 'countries.csv');
  fs.writeFileSync(file, 'id,code\n1," Namibia "\n2,NA\n3,FR\n');
  await wizard.openPath(file);
  await wizard.toPreview();
  // Lines are the file's: the header is line 1.
  const value = (line: number) => wizard.cell(line, 'code').getByTestId('cell-value');
  // A CSV's text: trimmed, NA is NULL.
  await expect(value(2)).toHaveJSProperty('textContent', 'Namibia');
  await expect(value(3)).toHaveText('NULL');
  const panel = await wizard.selectColumn('code');
  await expect(panel.getByTestId('column-keep-text')).toHaveValue('');
  await panel.getByTestId('column-keep-text').selectOption('keep');
  await wizard.settled();
  await expect(value(2)).toHaveJSProperty('textContent', ' Namibia ');
  await expect(value(3)).toHaveText('NA');
  await expect(panel.getByTestId('column-keep-text')).toContainText('By source (kept as written)');
  // The same control undoes it.
  await panel.getByTestId('column-keep-text').selectOption('');
  await wizard.settled();
  await expect(value(3)).toHaveText('NULL');
});

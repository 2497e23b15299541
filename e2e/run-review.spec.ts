import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RunPage } from './pages/run-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/serve-process.ts';

// Reviewing what happened: the runs list keeps its counts in view, and an export holds exactly the
// rows the report's filters show, raw values intact.

const BIN = path.join(REPO_ROOT, 'bin/loadstone.mjs');

/** Runs a real `loadstone` command against the app's data folder (setup, not what is under test). */
function loadstone(dataDir: string, cwd: string, args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {
    cwd,
    env: { ...process.env, PGPASSFILE: path.join(cwd, 'no-pgpass') },
    encoding: 'utf8',
  });
}

/** RFC 4180 records of a CSV text (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** The notes of the file: what a spreadsheet does to a CSV, one of each. */
const NOTES = ['plain', 'has, comma', 'has "quotes"', 'two\nlines', 'Zoë ✓ 日本語 🚀'];
const BIG = '12345678901234567890';

test('an export holds exactly the rows the filters show, raw values intact; the runs list keeps its counts in view', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  // 60 rows: every third amount is bad, every fifth date is impossible, every seventh flag is not a
  // boolean; each note is one of NOTES, every id a 20-digit number.
  const lines = ['id,big_id,amount,day,note,paid'];
  for (let i = 1; i <= 60; i++) {
    const note = NOTES[i % NOTES.length]!;
    const quoted = /[",\n]/.test(note) ? `"${note.replace(/"/g, '""')}"` : note;
    lines.push(
      [
        i,
        i === 7 ? BIG : String(10n ** 19n + BigInt(i)),
        i % 3 === 0 ? `${i}x` : `${i}.5`,
        i % 5 === 0 ? '2024-02-31' : '2024-02-01',
        quoted,
        i % 7 === 0 ? 'maybe' : 'true',
      ].join(','),
    );
  }
  fs.writeFileSync(path.join(app.workDir, 'notes.csv'), `${lines.join('\n')}\n`);
  const spec = {
    source: { path: 'notes.csv' },
    columns: [
      { source: 'big_id', type: 'numeric' },
      { source: 'amount', type: 'numeric' },
      { source: 'day', type: 'date' },
      { source: 'paid', type: 'boolean' },
    ],
  };
  fs.writeFileSync(path.join(app.workDir, 'notes.json'), JSON.stringify(spec));
  const out = loadstone(app.dataDir, app.workDir, [
    'load',
    '--spec',
    'notes.json',
    '--target',
    target.url,
    '--table',
    'notes_with_a_long_table_name',
    '--max-error-rate',
    '1',
    '--json',
  ]);
  const { runId, rejected } = JSON.parse(out) as { runId: string; rejected: number };
  // Rows with a bad amount (i % 3), date (i % 5) or flag (i % 7).
  const bad = Array.from({ length: 60 }, (_, k) => k + 1).filter(
    (i) => i % 3 === 0 || i % 5 === 0 || i % 7 === 0,
  );
  expect(rejected).toBe(bad.length);

  // The runs list at 1440 px: the target is a whole (masked) URL, yet every column stays in view.
  await new Shell(page).go('runs');
  const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  await expect(row.getByTestId('run-target')).toContainText('notes_with_a_long_table_name');
  const wrap = page.locator('.table-wrap');
  expect(await wrap.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await expect(row.locator('td').nth(9)).toHaveText(String(bad.length));
  await expect(row.locator('td').nth(9)).toBeInViewport({ ratio: 1 });
  await app.shot('runs list with a long target');

  await row.getByTestId('run-link').click();
  const report = new RunPage(page);
  const grid = page.getByTestId('rejected-rows');
  await expect(grid).toHaveAttribute('data-total', String(bad.length));
  await expect(page.getByTestId('export-scope')).toHaveText('Export');

  // Unfiltered: every rejected row.
  const all = JSON.parse(
    (await app.exportFile(() => report.clickExport('json'), 'all.json')).toString('utf8'),
  );
  expect(all.map((r: { line: number }) => r.line)).toEqual(bad.map(lineOf));

  // Filtered by reason, then by column too: the grid and each export hold the same rows.
  const filters: Array<{ reason: string; column?: string; rows: number[] }> = [
    { reason: 'invalid_boolean', rows: bad.filter((i) => i % 7 === 0) },
    { reason: 'impossible_date', column: 'day', rows: bad.filter((i) => i % 5 === 0) },
  ];
  for (const f of filters) {
    await page.getByTestId('filter-reason').selectOption(f.reason);
    if (f.column) await page.getByTestId('filter-column').selectOption(f.column);
    await expect(grid).toHaveAttribute('data-total', String(f.rows.length));
    await expect(page.getByTestId('export-scope')).toHaveText('Export the filtered rows');
    const shown = (await report.rejectedRows()).map((r) => r.line);
    expect(shown).toEqual(f.rows.map(lineOf));

    const csv = parseCsv(
      (await app.exportFile(() => report.clickExport('csv'), `${f.reason}.csv`)).toString('utf8'),
    );
    const header = csv[0]!;
    const col = (name: string) => header.indexOf(name);
    expect(csv.slice(1).map((r) => Number(r[col('line')]))).toEqual(shown);
    for (const r of csv.slice(1)) {
      const i = Number(r[col('id')]);
      expect(r[col('note')]).toBe(NOTES[i % NOTES.length]);
      expect(r[col('big_id')]).toBe(i === 7 ? BIG : String(10n ** 19n + BigInt(i)));
      expect(r[col('reason')]).toContain(f.reason);
    }

    const json = JSON.parse(
      (await app.exportFile(() => report.clickExport('json'), `${f.reason}.json`)).toString('utf8'),
    ) as Array<{ line: number; raw: Record<string, string> }>;
    expect(json.map((r) => r.line)).toEqual(shown);
    for (const r of json) expect(r.raw.note).toBe(NOTES[Number(r.raw.id) % NOTES.length]);
    if (f.reason === 'invalid_boolean') {
      // Row 7: its 20-digit id exactly as written.
      expect(json.find((r) => r.raw.id === '7')?.raw.big_id).toBe(BIG);
    }

    const ndjson = (await app.exportFile(() => report.clickExport('ndjson'), `${f.reason}.ndjson`))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { line: number }).line);
    expect(ndjson).toEqual(shown);
  }
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(grid).toHaveAttribute('data-total', String(bad.length));
  await expect(page.getByTestId('export-scope')).toHaveText('Export');
});

/**
 * The physical line a data row starts on: the header is line 1, and each earlier note with a line
 * break (NOTES[3]) took one line more.
 */
function lineOf(i: number): number {
  let line = 2;
  for (let k = 1; k < i; k++) line += NOTES[k % NOTES.length]!.includes('\n') ? 2 : 1;
  return line;
}

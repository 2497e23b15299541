import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RunPage } from './pages/run-page.ts';
import { Shell } from './pages/shell.ts';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/serve-process.ts';

// Reviewing what happened: the runs list keeps its counts in view, a running load's report fills in
// as it runs, and an export holds exactly the rows the report's filters show, raw values intact.

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
  // Problems and rows are both counted: a row with a bad amount and a bad date is one rejected row.
  const problems = [3, 5, 7].reduce((n, k) => n + Math.floor(60 / k), 0);
  await expect(page.getByTestId('report-caption')).toHaveText(
    `${problems} problems in ${bad.length} rejected rows, grouped by reason and column`,
  );

  // Show rows of a summary line filters the rows and goes to them (they are below, out of view).
  await page.setViewportSize({ width: 1440, height: 700 });
  await page
    .locator('[data-testid="summary-row"][data-reason="invalid_boolean"]')
    .getByTestId('show-rows')
    .click();
  await expect(page.getByTestId('filter-reason')).toHaveValue('invalid_boolean');
  await expect(grid).toHaveAttribute('data-total', String(bad.filter((i) => i % 7 === 0).length));
  await expect(page.getByTestId('rejected-rows-title')).toBeFocused();
  await expect(page.getByTestId('rejected-rows-title')).toBeInViewport();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.setViewportSize({ width: 1440, height: 900 });

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

  // The Reason filter shows its longest reason whole (a 110 px select cut 'impossible_date').
  const reason = page.getByTestId('filter-reason');
  const fits = await reason.evaluate((el) => {
    const select = el as HTMLSelectElement;
    const probe = document.createElement('span');
    probe.style.font = getComputedStyle(select).font;
    probe.style.position = 'absolute';
    probe.style.whiteSpace = 'pre';
    document.body.append(probe);
    const widest = Math.max(
      ...Array.from(select.options, (o) => {
        probe.textContent = o.text;
        return probe.getBoundingClientRect().width;
      }),
    );
    probe.remove();
    return { widest, width: select.getBoundingClientRect().width };
  });
  // The select's own padding and its arrow take about 30 px besides the text.
  expect(fits.width).toBeGreaterThanOrEqual(fits.widest + 24);

  // Find: the rows holding a text in any column or message, in either case; the exports follow it.
  const search = page.getByRole('searchbox', { name: 'Find' });
  await search.fill('HAS, comma');
  const commas = bad.filter((i) => NOTES[i % NOTES.length] === 'has, comma');
  await expect(grid).toHaveAttribute('data-total', String(commas.length));
  await expect(page.getByTestId('export-scope')).toHaveText('Export the filtered rows');
  expect((await report.rejectedRows()).map((r) => r.line)).toEqual(commas.map(lineOf));
  const found = parseCsv(
    (await app.exportFile(() => report.clickExport('csv'), 'find.csv')).toString('utf8'),
  );
  const noteAt = found[0]!.indexOf('note');
  expect(found.slice(1).map((r) => r[noteAt])).toEqual(commas.map(() => 'has, comma'));
  // With a reason too: the rows both select. A 20-digit id is found as written.
  await page.getByTestId('filter-reason').selectOption('invalid_boolean');
  const both = commas.filter((i) => i % 7 === 0);
  await expect(grid).toHaveAttribute('data-total', String(both.length));
  await search.fill(BIG);
  await expect(grid).toHaveAttribute('data-total', '1');
  expect((await report.rejectedRows()).map((r) => r.line)).toEqual([lineOf(7)]);
  // A message: each row whose flag is not a boolean says so; % is a plain character.
  await page.getByTestId('filter-reason').selectOption('');
  await search.fill('IS NOT A BOOLEAN');
  await expect(grid).toHaveAttribute('data-total', String(bad.filter((i) => i % 7 === 0).length));
  await search.fill('%');
  await expect(page.getByTestId('rejected-empty')).toBeVisible();
  await app.shot('error report found nothing');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(search).toHaveValue('');
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

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A local API of `PAGE` records a page. The load's run begins once the type-inference sample (10,000
 * records) is read: pages 1–3 go out at once, all good. Page 4 (`bad` records, all rejected) waits for
 * `rejects`, page 5 (one good record) for `rest`: in between the load runs with rejected rows
 * recorded.
 */
async function startHeldApi(bad: number) {
  const PAGE = 4000;
  const rejects = gate();
  const rest = gate();
  const server = http.createServer((req, res) => {
    const pageNo = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1);
    const send = (records: string[]) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"data":[${records.join(',')}]}`);
    };
    const ids = (n: number) => Array.from({ length: n }, (_, i) => (pageNo - 1) * PAGE + i + 1);
    if (pageNo <= 3) send(ids(PAGE).map((id) => `{"id":${id},"amount":"${id}.50"}`));
    else if (pageNo === 4)
      void rejects.opened.then(() => send(ids(bad).map((id) => `{"id":${id},"amount":"${id}x"}`)));
    else if (pageNo === 5) void rest.opened.then(() => send(ids(1).map((id) => `{"id":${id},"amount":"1"}`)));
    else send([]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`,
    /** Sends page 4, the rejected records. */
    sendRejects: rejects.open,
    /** Sends page 5, the last record. */
    sendRest: rest.open,
    close: () =>
      new Promise<void>((resolve) => {
        rejects.open();
        rest.open();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('the error report of a running load fills in as it runs', async ({ app, pg: target }) => {
  const { page } = app;
  const BAD = 3000;
  const api = await startHeldApi(BAD);
  let cli: ChildProcess | undefined;
  let cliOutput = '';
  try {
    // The Runs list, open before the load begins, shows it with no reload.
    await new Shell(page).go('runs');
    await expect(page.getByTestId('runs-empty')).toBeVisible();
    const spec = {
      source: { kind: 'http', url: api.url, records: 'data', pagination: { type: 'pageNumber' } },
      columns: [{ source: 'amount', type: 'numeric' }],
      settings: { maxErrorRate: 1 },
    };
    fs.writeFileSync(path.join(app.workDir, 'held.json'), JSON.stringify(spec));
    // A headless load (as a scheduler or the CLI runs one) while the app looks at it.
    cli = spawn(
      process.execPath,
      [
        BIN,
        'load',
        '--spec',
        'held.json',
        '--target',
        target.url,
        '--table',
        'held',
        '--data-dir',
        app.dataDir,
      ],
      { cwd: app.workDir, env: { ...process.env, PGPASSFILE: path.join(app.workDir, 'no-pgpass') } },
    );
    const collect = (chunk: Buffer) => {
      cliOutput += chunk.toString();
    };
    cli.stdout?.on('data', collect);
    cli.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => cli?.once('exit', resolve));

    // The run is recorded once the CLI has read its sample; the list reads itself again meanwhile.
    const running = page.locator('[data-testid="run-row"][data-status="running"]');
    await expect(running).toHaveCount(1, { timeout: 60_000 });
    await running.getByTestId('run-link').click();
    await expect(page.getByTestId('run-progress')).toBeVisible();
    // The heading says what the load does, once ('Loading · loading' before).
    await expect(page.getByTestId('progress-title')).toHaveText(/^(Starting|Preparing|Loading rows)$/);
    await expect(page.getByTestId('report-empty')).toContainText('No rejected rows so far');

    // The rejected records arrive while the page is open; the load goes on (page 5 is held).
    api.sendRejects();
    const summary = page.locator('[data-testid="summary-row"][data-reason="invalid_number"]');
    await expect(summary).toBeVisible({ timeout: 60_000 });
    expect(Number(await summary.getAttribute('data-count'))).toBeGreaterThan(0);
    await expect(page.getByTestId('run-progress')).toBeVisible();
    await expect(page.getByTestId('rejected-rows')).not.toHaveAttribute('data-total', '0');
    await app.shot('report of a running load');

    // The runs list shows the run running and, with no reload, how it ended.
    const runId = await page.getByTestId('run-progress').getAttribute('data-run-id');
    await new Shell(page).go('runs');
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await expect(row).toHaveAttribute('data-status', 'running');
    api.sendRest();
    expect(await exited, cliOutput).toBe(0);
    await expect(row).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
    await row.getByTestId('run-link').click();
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-status', 'succeeded');
    await expect(summary).toHaveAttribute('data-count', String(BAD));
    await expect(page.getByTestId('rejected-rows')).toHaveAttribute('data-total', String(BAD));
  } finally {
    if (cli && cli.exitCode === null) cli.kill();
    await api.close();
  }
});

test('Fix and reload on a load that failed says its good rows were rolled back too', async ({
  app,
  pg: target,
}) => {
  const { page } = app;
  // 40 rows, half with a bad amount: over a 10% error rate the load fails and rolls back.
  const lines = ['id,amount'];
  for (let i = 1; i <= 40; i++) lines.push(`${i},${i % 2 ? `${i}x` : `${i}.5`}`);
  fs.writeFileSync(path.join(app.workDir, 'half.csv'), `${lines.join('\n')}\n`);
  fs.writeFileSync(
    path.join(app.workDir, 'half.json'),
    JSON.stringify({ source: { path: 'half.csv' }, columns: [{ source: 'amount', type: 'numeric' }] }),
  );
  let runId = '';
  try {
    loadstone(app.dataDir, app.workDir, [
      'load',
      '--spec',
      'half.json',
      '--target',
      target.url,
      '--table',
      'half',
      '--max-error-rate',
      '0.1',
      '--json',
    ]);
  } catch (error) {
    // A failed load exits non-zero; its --json still names the run.
    runId = (JSON.parse(String((error as { stdout: string }).stdout)) as { runId: string }).runId;
  }
  expect(runId).not.toBe('');

  await page.evaluate((id) => {
    window.location.hash = `#/runs/${id}`;
  }, runId);
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-status', 'failed');
  const rejected = Number(await page.getByTestId('count-rejected').getAttribute('data-value'));
  const read = Number(await page.getByTestId('count-read').getAttribute('data-value'));
  expect(rejected).toBeGreaterThan(0);
  const fix = page.getByTestId('fix-and-reload');
  await expect(fix.getByTestId('fix-reload-unfinished')).toHaveText(
    `This load failed: the good rows it read after its last commit were rolled back (0 of the ${read} rows read reached half). Reloading the fixed file adds its rows only: load the others too — resume the load from its last commit, or run it again.`,
  );
  await fix.scrollIntoViewIfNeeded();
  await app.shot('fix and reload on a failed load');
});

test('a run with no rejected row has nothing to export', async ({ app, pg: target }) => {
  const { page } = app;
  fs.writeFileSync(path.join(app.workDir, 'clean.csv'), 'id,amount\n1,1.5\n2,2.5\n');
  const { runId, rejected } = JSON.parse(
    loadstone(app.dataDir, app.workDir, [
      'load',
      'clean.csv',
      '--target',
      target.url,
      '--table',
      'clean',
      '--json',
    ]),
  ) as { runId: string; rejected: number };
  expect(rejected).toBe(0);
  await page.evaluate((id) => {
    window.location.hash = `#/runs/${id}`;
  }, runId);
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-status', 'succeeded');
  await expect(page.getByTestId('report-empty')).toBeVisible();
  const report = new RunPage(page);
  for (const format of ['csv', 'json', 'ndjson'] as const) {
    const button = report.exportButton(format);
    if (app.transport === 'http') {
      await expect(button).toHaveAttribute('aria-disabled', 'true');
      await expect(button).not.toHaveAttribute('href');
    } else {
      await expect(button).toBeDisabled();
    }
  }
});

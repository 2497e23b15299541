import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { ConnectionsPage } from './pages/connections-page.ts';
import { Shell } from './pages/shell.ts';
import { writeBigCsv } from './support/files.ts';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/serve-process.ts';

/** Rows in the file: enough that the CLI load is killed after some of its commits, not at its end. */
const ROWS = 1_500_000;

// A CLI load with --commit-every into the app's data folder is killed with SIGKILL after its first
// commits; the run's page then offers Resume, which loads the rest: every row exactly once.
test('an interrupted load is resumed from its page: every row exactly once', async ({ app, pg: target }) => {
  test.skip(app.transport === 'electron', 'the CLI and the Electron engine would share one store');
  test.setTimeout(240_000);
  const { page } = app;
  const file = writeBigCsv(app.workDir, ROWS, 'big.csv');
  const bin = path.join(REPO_ROOT, 'bin', 'loadstone.mjs');
  // The CLI cannot open the app's sealed secrets: the saved connection's password comes from PGPASSWORD.
  const env = { ...process.env, LOADSTONE_HOME: app.dataDir, PGPASSWORD: target.password };
  const shell = new Shell(page);
  // A saved connection: the run's spec names it, so the app resumes with its saved password.
  await shell.go('connections');
  await new ConnectionsPage(page).addServer('warehouse', target);

  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const child = spawn(
      process.execPath,
      [bin, 'load', file, '--target', 'warehouse', '--table', 'big', '--commit-every', '50000'],
      { env, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Wait for the first commit: the control row the committed transaction wrote.
    let runId = '';
    await expect
      .poll(
        async () => {
          const exists = await client.query<{ t: string | null }>(
            "SELECT to_regclass('public.loadstone_load_progress')::text AS t",
          );
          if (!exists.rows[0]?.t) return '';
          const r = await client.query<{ run_id: string }>(
            'SELECT run_id FROM public.loadstone_load_progress',
          );
          runId = r.rows[0]?.run_id ?? '';
          return runId;
        },
        { timeout: 120_000 },
      )
      .not.toBe('');
    child.kill('SIGKILL');
    await exited;
    const committed = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM big')).rows[0]!.n);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(ROWS);

    // Opening the store from another process marks the dead run interrupted; `runs` reads the
    // control row back.
    const shown = spawnSync(process.execPath, [bin, 'runs', runId, '--json'], {
      env,
      encoding: 'utf8',
    });
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      counts: { inserted: committed },
      reconciled: { origin: 'target' },
    });

    await shell.go('runs');
    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await expect(row).toHaveAttribute('data-status', 'interrupted');
    await row.getByTestId('run-link').click();
    const summary = page.locator(`[data-testid="run-summary"][data-run-id="${runId}"]`);
    await expect(summary).toHaveAttribute('data-status', 'interrupted');
    const resume = summary.getByTestId('resume-load');
    await expect(resume).toBeVisible();
    await app.shot('interrupted run with resume');
    await resume.click();

    // The new run's page opens and the load goes to its end.
    const resumed = page.locator('[data-testid="run-summary"][data-status="succeeded"]');
    await expect(resumed).toBeVisible({ timeout: 180_000 });
    expect(await resumed.getAttribute('data-run-id')).not.toBe(runId);
    // Its events say what it resumed.
    const event = page.locator('[data-testid="run-event"][data-kind="resumed"]');
    await expect(event).toContainText('Resumed');
    await expect(event).toContainText(`resumes run ${runId} after its`);
    await app.shot('resumed run finished');

    const counts = await client.query<{ n: string; d: string }>(
      'SELECT count(*) AS n, count(DISTINCT id) AS d FROM big',
    );
    expect(Number(counts.rows[0]!.n)).toBe(ROWS);
    expect(Number(counts.rows[0]!.d)).toBe(ROWS);
  } finally {
    await client.end();
  }
});

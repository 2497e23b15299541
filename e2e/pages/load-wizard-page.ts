import { expect, type Locator, type Page } from '@playwright/test';

/** The New load wizard, step by step. */
export class LoadWizardPage {
  constructor(readonly page: Page) {}

  // Step 1: source
  /**
   * Picks a file as the operator does, in the page's file chooser (the engine reads no path typed in
   * the page): the browser host uploads a copy, the desktop app reads it where it is. Waits until the
   * file is the source (or the pick failed).
   */
  async openPath(path: string): Promise<void> {
    await this.page.getByTestId('source-file-input').setInputFiles(path);
    const name = path.split(/[\\/]/).pop() ?? path;
    await expect(
      this.page
        .getByTestId('source-file-name')
        .filter({ hasText: name })
        .or(this.page.getByTestId('upload-error')),
    ).toBeVisible();
  }

  /** The chosen file's name, and its "uploaded copy" label in the browser host. */
  chosenFile(): Locator {
    return this.page.getByTestId('source-file');
  }

  detected(): Locator {
    return this.page.getByTestId('detected-format');
  }

  sourceError(): Locator {
    return this.page.getByTestId('source-error');
  }

  /** Step 1 for an HTTP API: fills the form (bearer token, cursor pagination) and tests the request. */
  async openApi(opts: {
    url: string;
    token: string;
    records: string;
    cursorPath: string;
    cursorParam: string;
    /** `Name: value` lines. */
    headers?: string;
    /** `name=value` lines. */
    query?: string;
  }) {
    await this.page.getByTestId('source-kind-http').check();
    await this.page.getByTestId('api-url').fill(opts.url);
    if (opts.headers !== undefined) await this.page.getByTestId('api-headers').fill(opts.headers);
    if (opts.query !== undefined) await this.page.getByTestId('api-query').fill(opts.query);
    await this.page.getByTestId('api-auth-type').selectOption('bearer');
    await this.page.getByTestId('api-auth-secret').fill(opts.token);
    await this.page.getByTestId('api-records').fill(opts.records);
    await this.page.getByTestId('api-pagination-type').selectOption('cursor');
    await this.page.getByTestId('api-pagination-path').fill(opts.cursorPath);
    await this.page.getByTestId('api-pagination-param').fill(opts.cursorParam);
    await this.page.getByTestId('api-test').click();
    const result = this.page.getByTestId('api-test-result');
    await expect(result).toBeVisible();
    return result;
  }

  async toPreview(): Promise<void> {
    await this.page.getByTestId('source-next').click();
    await expect(this.grid()).toBeVisible();
    await this.settled();
  }

  // Step 2–3: preview and columns
  grid(): Locator {
    return this.page.getByTestId('preview-grid');
  }

  /** Waits until the preview reflects the latest settings (debounce and fetch done). */
  async settled(): Promise<void> {
    await expect(this.page.getByTestId('preview-updating')).toHaveCount(0);
    await expect(this.grid()).toHaveAttribute('aria-busy', 'false');
  }

  /** A cell of the preview by source line and target column (rejected or not). */
  cell(line: number, column: string): Locator {
    return this.grid().locator(`td[data-line="${line}"][data-column="${column}"]`);
  }

  rejectedCells(): Locator {
    return this.grid().getByTestId('cell-rejected');
  }

  rowProblems(): Locator {
    return this.grid().getByTestId('row-problem');
  }

  /** Rejected rows of the inference sample, as the badge counts them. */
  async rejectedCount(): Promise<number> {
    return Number(await this.page.getByTestId('rejected-count').getAttribute('data-count'));
  }

  badge(): Locator {
    return this.page.getByTestId('rejected-count');
  }

  /** A column header's "N bad" (0 when it shows none). */
  async badCount(column: string): Promise<number> {
    const bad = this.header(column).getByTestId('column-bad');
    return (await bad.count()) === 0 ? 0 : Number(await bad.getAttribute('data-count'));
  }

  /** The type a column header shows. */
  columnType(column: string): Locator {
    return this.header(column).getByTestId('column-type');
  }

  fileWarnings(): Locator {
    return this.page.getByTestId('file-warning');
  }

  async onlyRejected(on: boolean): Promise<void> {
    await this.page.getByTestId('only-rejected').setChecked(on);
  }

  inspector(): Locator {
    return this.page.getByTestId('cell-inspector');
  }

  header(column: string): Locator {
    return this.grid().locator(`[data-testid="column-header"][data-column="${column}"]`);
  }

  /** Opens the column panel of a column (by its current target name). */
  async selectColumn(column: string): Promise<Locator> {
    const header = this.header(column);
    // The header toggles its panel: click only when it is not already the open one.
    if ((await header.getAttribute('aria-pressed')) !== 'true') await header.click();
    const panel = this.page.getByTestId('column-panel');
    await expect(panel).toHaveAttribute('data-source', (await header.getAttribute('data-source')) ?? column);
    return panel;
  }

  async setColumnType(column: string, type: string): Promise<void> {
    const panel = await this.selectColumn(column);
    await panel.getByTestId('column-type-select').selectOption(type);
    await this.settled();
  }

  async resetColumn(): Promise<void> {
    await this.page.getByTestId('column-panel').getByTestId('column-reset').click();
    await this.settled();
  }

  async view(mode: 'normalized' | 'raw' | 'both'): Promise<void> {
    await this.page.getByTestId(`view-${mode}`).check({ force: true });
  }

  async toTarget(): Promise<void> {
    await this.page.getByTestId('columns-next').click();
    await expect(this.page.getByTestId('target-table')).toBeVisible();
  }

  // Step 4: target
  async setTarget(opts: {
    connection: string;
    table: string;
    mode: 'append' | 'replace' | 'upsert' | 'incremental';
    key?: string[];
    watermark?: string;
    maxErrorRatePercent?: number;
  }): Promise<void> {
    await this.page.getByTestId('target-connection').selectOption(opts.connection);
    await this.page.getByTestId('target-table').fill(opts.table);
    await this.page.getByTestId(`mode-${opts.mode}`).check();
    for (const k of opts.key ?? []) await this.page.getByTestId(`key-${k}`).check();
    if (opts.watermark) await this.page.getByTestId('target-watermark').selectOption(opts.watermark);
    if (opts.maxErrorRatePercent !== undefined) {
      await this.page.getByTestId('max-error-rate').fill(String(opts.maxErrorRatePercent));
    }
  }

  compatibility(): Locator {
    return this.page.getByTestId('compat-result');
  }

  async toPlan(): Promise<void> {
    await expect(this.page.getByTestId('target-issues')).toHaveCount(0);
    await this.page.getByTestId('target-next').click();
    await expect(this.page.getByTestId('plan-summary')).toBeVisible();
  }

  // Step 5: plan
  /** Runs the dry run and waits for its plan. */
  async dryRun(): Promise<Locator> {
    await this.page.getByTestId('dry-run').click();
    const summary = this.page.getByTestId('run-summary');
    await expect(summary).toBeVisible({ timeout: 60_000 });
    return summary;
  }

  async saveJob(name: string): Promise<void> {
    await this.page.getByTestId('job-name').fill(name);
    await this.page.getByTestId('job-save').click();
    await expect(this.page.getByTestId('job-saved')).toBeVisible();
  }

  /**
   * Clicks Load. For a job that was opened and then changed, Load asks whether to update the job:
   * `job` says what to answer (`update` it, or `keep` it as saved and load once).
   */
  async startLoad(job?: 'update' | 'keep'): Promise<void> {
    await this.page.getByTestId('start-load').click();
    if (job) {
      const dialog = this.page.getByTestId('update-job-dialog');
      await expect(dialog).toBeVisible();
      await dialog.getByTestId(job === 'update' ? 'update-job-save' : 'update-job-load-only').click();
    }
  }

  progress(): Locator {
    return this.page.getByTestId('run-progress');
  }

  summary(): Locator {
    return this.page.getByTestId('run-summary');
  }

  /** Waits for the load to end and returns its summary. */
  async finished(): Promise<Locator> {
    const summary = this.summary();
    await expect(summary).toBeVisible({ timeout: 120_000 });
    return summary;
  }
}

/** Reads a count (`count-inserted`, …) from a run summary. */
export async function countOf(
  summary: Locator,
  key: 'read' | 'inserted' | 'updated' | 'unchanged' | 'rejected',
) {
  return Number(await summary.getByTestId(`count-${key}`).getAttribute('data-value'));
}

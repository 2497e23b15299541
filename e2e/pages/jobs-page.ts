import { expect, type Locator, type Page } from '@playwright/test';

/** The Jobs screen. */
export class JobsPage {
  constructor(readonly page: Page) {}

  row(name: string): Locator {
    return this.page.locator(`[data-testid="job-row"][data-name="${name}"]`);
  }

  /** Asks to run a job now: the confirmation dialog that says what the run does. */
  async askRunNow(name: string): Promise<Locator> {
    await this.row(name).getByTestId('run-job').click();
    const dialog = this.page.getByTestId('run-job-dialog');
    await expect(dialog).toBeVisible();
    return dialog;
  }

  /** Runs a job now, confirming the dialog; lands on its run page. */
  async runNow(name: string): Promise<void> {
    const dialog = await this.askRunNow(name);
    await dialog.getByTestId('confirm-yes').click();
    await expect(this.page.getByTestId('screen-run')).toBeVisible();
  }

  /** Opens a saved job in the wizard (it lands on the Target step). */
  async open(name: string): Promise<void> {
    await this.row(name).getByTestId('open-job').click();
    await expect(this.page.getByTestId('opened-job')).toContainText(name);
    await expect(this.page.getByTestId('target-table')).toBeVisible();
  }
}

/** The schedule editor of a job (the Jobs screen's "Schedule…" dialog). */
export class ScheduleDialogPage {
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByTestId('schedule-dialog');
  }

  /** Opens the editor of a job's schedule. */
  static async open(jobs: JobsPage, name: string): Promise<ScheduleDialogPage> {
    await jobs.row(name).getByTestId('schedule-job').click();
    const editor = new ScheduleDialogPage(jobs.page);
    await expect(editor.dialog).toBeVisible();
    return editor;
  }

  async fill(fields: {
    cron?: string;
    timezone?: string;
    missed?: 'skip' | 'runOnce';
    maxRunMinutes?: string;
  }) {
    if (fields.cron !== undefined) await this.dialog.getByTestId('schedule-cron').fill(fields.cron);
    if (fields.timezone !== undefined)
      await this.dialog.getByTestId('schedule-timezone').fill(fields.timezone);
    if (fields.missed !== undefined)
      await this.dialog.getByTestId('schedule-missed').selectOption(fields.missed);
    if (fields.maxRunMinutes !== undefined)
      await this.dialog.getByTestId('schedule-max-minutes').fill(fields.maxRunMinutes);
  }

  nextRuns(): Locator {
    return this.dialog.getByTestId('schedule-next-runs').locator('li');
  }

  save(): Locator {
    return this.dialog.getByTestId('confirm-yes');
  }
}

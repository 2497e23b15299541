import { expect, type Locator, type Page } from '@playwright/test';

/** The Jobs screen. */
export class JobsPage {
  constructor(readonly page: Page) {}

  row(name: string): Locator {
    return this.page.locator(`[data-testid="job-row"][data-name="${name}"]`);
  }

  /** Opens a saved job in the wizard (it lands on the Target step). */
  async open(name: string): Promise<void> {
    await this.row(name).getByTestId('open-job').click();
    await expect(this.page.getByTestId('opened-job')).toContainText(name);
    await expect(this.page.getByTestId('target-table')).toBeVisible();
  }
}

import { expect, type Locator, type Page } from '@playwright/test';

/** The app shell: the navigation every screen shares. */
export class Shell {
  constructor(readonly page: Page) {}

  /** Opens a screen from the sidebar and waits for it. */
  async go(screen: 'load' | 'jobs' | 'runs' | 'connections' | 'settings'): Promise<void> {
    await this.page.getByTestId(`nav-${screen}`).click();
    await expect(this.page.getByTestId(`screen-${screen}`)).toBeVisible();
  }

  /** The error box with a given test id (defaults to any). */
  error(testId = 'error'): Locator {
    return this.page.getByTestId(testId);
  }
}

import { expect, type Locator, type Page } from '@playwright/test';

/** Settings → Alerts: the channels and their form. */
export class AlertsPage {
  constructor(readonly page: Page) {}

  panel(): Locator {
    return this.page.getByTestId('settings-alerts');
  }

  channel(name: string): Locator {
    return this.page.getByTestId(`alert-channel-${name}`);
  }

  /** Adds a webhook channel with its signing secret, and waits until it is listed. */
  async addWebhook(name: string, url: string, secret: string): Promise<void> {
    await this.panel().getByTestId('alert-add').click();
    const form = this.page.getByTestId('alert-form');
    await form.getByTestId('alert-kind').selectOption('webhook');
    await form.getByTestId('alert-name').fill(name);
    await form.getByTestId('alert-url').fill(url);
    await form.getByTestId('alert-secret').fill(secret);
    await form.getByTestId('alert-save').click();
    await expect(form).toBeHidden();
    await expect(this.channel(name)).toBeVisible();
  }

  /** Sends a test message and returns the result line once it is in. */
  async test(name: string): Promise<Locator> {
    await this.page.getByTestId(`alert-test-${name}`).click();
    const result = this.page.getByTestId('alert-test-result');
    await expect(result).toBeVisible({ timeout: 60_000 });
    return result;
  }
}

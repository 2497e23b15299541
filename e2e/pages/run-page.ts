import { expect, type Locator, type Page } from '@playwright/test';

/** One rejected row as the report table shows it. */
export interface ReportRow {
  line: number;
  column: string;
  reason: string;
  message: string;
}

/** The run screen and its error report. */
export class RunPage {
  constructor(readonly page: Page) {}

  report(): Locator {
    return this.page.getByTestId('error-report');
  }

  summaryRows(): Locator {
    return this.report().getByTestId('summary-row');
  }

  /** Every rejected row in the (virtualized) table; scrolls it through so all rows render. */
  async rejectedRows(): Promise<ReportRow[]> {
    const table = this.page.getByTestId('rejected-rows');
    await expect(table).toBeVisible();
    const total = Number(await table.getAttribute('data-total'));
    const seen = new Map<number, ReportRow>();
    for (let guard = 0; guard < 1000 && seen.size < total; guard++) {
      await expect(table.getByTestId('rejected-row').first()).toBeVisible();
      for (const row of await table.getByTestId('rejected-row').all()) {
        const line = Number(await row.getAttribute('data-line'));
        seen.set(line, {
          line,
          column: ((await row.getByTestId('rejected-column').textContent()) ?? '').trim(),
          reason: ((await row.getByTestId('rejected-reason').textContent()) ?? '').trim(),
          message: ((await row.getByTestId('rejected-message').textContent()) ?? '').trim(),
        });
      }
      if (seen.size >= total) break;
      await table.evaluate((el) => el.scrollBy(0, el.clientHeight));
    }
    return [...seen.values()].sort((a, b) => a.line - b.line);
  }

  exportButton(format: 'csv' | 'json' | 'ndjson'): Locator {
    return this.page.getByTestId(`export-${format}`);
  }

  /**
   * Clicks an export once the report can be exported: the buttons stay disabled (a link without
   * `href`) until the page knows the run has finished, which can trail the summary by a refetch.
   */
  async clickExport(format: 'csv' | 'json' | 'ndjson'): Promise<void> {
    const button = this.exportButton(format);
    await expect(button).not.toHaveAttribute('aria-disabled', 'true');
    await expect(button).toBeEnabled();
    await button.click();
  }
}

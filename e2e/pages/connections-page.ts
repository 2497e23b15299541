import { expect, type Locator, type Page } from '@playwright/test';

/** Fields of a PostgreSQL connection, as typed into the form. */
export interface ConnectionFields {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslMode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
}

/** The Connections screen. */
export class ConnectionsPage {
  constructor(readonly page: Page) {}

  row(name: string): Locator {
    return this.page.locator(`[data-testid="connection-row"][data-name="${name}"]`);
  }

  /** Adds a connection through the form (tested right after saving) and waits for its row. */
  async add(c: ConnectionFields): Promise<void> {
    await this.page.getByTestId('add-connection').click();
    const form = this.page.getByTestId('connection-form');
    await form.getByTestId('conn-name').fill(c.name);
    await form.getByTestId('conn-host').fill(c.host);
    await form.getByTestId('conn-port').fill(String(c.port));
    await form.getByTestId('conn-database').fill(c.database);
    await form.getByTestId('conn-user').fill(c.user);
    await form.getByTestId('conn-password').fill(c.password);
    await form.getByTestId('conn-ssl').selectOption(c.sslMode ?? 'disable');
    await form.getByTestId('conn-save').click();
    await expect(form).toBeHidden();
    await expect(this.row(c.name)).toBeVisible();
  }

  /** Adds a connection named `name` to a test server (no TLS), as `add` does. */
  async addServer(
    name: string,
    server: Pick<ConnectionFields, 'host' | 'port' | 'database' | 'user' | 'password'>,
  ): Promise<void> {
    const { host, port, database, user, password } = server;
    await this.add({ name, host, port, database, user, password });
  }

  /** The Test result of a connection once it is in: `{ ok, text }`. */
  async testResult(name: string): Promise<{ ok: boolean; text: string }> {
    const result = this.row(name).getByTestId('test-result');
    await expect(result).toBeVisible({ timeout: 30_000 });
    const ok = (await result.getAttribute('data-ok')) === 'true';
    return { ok, text: ((await result.textContent()) ?? '').trim() };
  }

  /** Clicks Test on a row. */
  async test(name: string): Promise<void> {
    await this.row(name).getByTestId('test-connection').click();
  }
}

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../handlers/test-support.ts';
import { type BrowserHost, startBrowserHost } from './host.ts';
import { callApi, callValue, collectEvents } from './test-support.ts';

// Handlers through the HTTP transport against real SQLite (temp data folder) and the real embedded
// PostgreSQL the test run starts (vitest globalSetup, `inject('pgUrl')`).

const pg = new URL(inject('pgUrl'));
const password = decodeURIComponent(pg.password);

let t: TestEngine;
let host: BrowserHost;

beforeAll(async () => {
  t = await openTestEngine();
  host = await startBrowserHost({ engine: t.engine, rendererDir: null });
});

afterAll(async () => {
  await host?.close();
  await t?.close();
});

describe('connections through HTTP, against a real PostgreSQL', () => {
  it('saves a connection (secret write-only), announces the change, and tests it: server version', async () => {
    const { events } = await collectEvents(host, (e) => e.some((x) => x.event === 'data.changed'), {
      onOpen: () => {
        void callValue(host, 'connections.save', {
          name: 'warehouse',
          host: pg.hostname,
          port: Number(pg.port),
          database: 'postgres',
          user: decodeURIComponent(pg.username),
          password,
          sslMode: 'disable',
        });
      },
    });
    expect(events).toContainEqual({ event: 'data.changed', data: { domain: 'connections' } });

    const list = await callValue<Array<Record<string, unknown>>>(host, 'connections.list', {});
    expect(list.map((c) => c.name)).toEqual(['local', 'warehouse']);
    expect(list[1]).toMatchObject({ hasSecret: true, builtIn: false, port: Number(pg.port) });
    expect(JSON.stringify(list)).not.toContain(password);

    const result = await callValue<{ ok: boolean; serverVersion: string | null; error: string | null }>(
      host,
      'connections.test',
      { name: 'warehouse' },
    );
    expect(result).toMatchObject({ ok: true, error: null, tls: null });
    expect(result.serverVersion).toMatch(/^\d+(\.\d+)?/);
  });

  it("shows the server's exact error for a wrong password, without the password", async () => {
    const wrong = 'not-the-password-42';
    await callValue(host, 'connections.save', {
      name: 'wrong-password',
      url: `postgresql://${pg.username}:${wrong}@${pg.host}/postgres?sslmode=disable`,
    });
    const { status, reply } = await callApi(host, 'connections.test', { name: 'wrong-password' });
    expect(status).toBe(200);
    const value = reply.value as { ok: boolean; serverVersion: string | null; error: string };
    expect(value.ok).toBe(false);
    expect(value.serverVersion).toBeNull();
    expect(value.error).toContain(
      `password authentication failed for user "${decodeURIComponent(pg.username)}"`,
    );
    expect(value.error).not.toContain(wrong);
  });

  it('keeps the saved secret when a connection is edited without a password', async () => {
    // An edit sends every field (the form shows them all); only the password is left out.
    await callValue(host, 'connections.save', {
      previousName: 'warehouse',
      name: 'warehouse2',
      host: pg.hostname,
      port: Number(pg.port),
      database: 'postgres',
      user: decodeURIComponent(pg.username),
      sslMode: 'disable',
    });
    const result = await callValue<{ ok: boolean }>(host, 'connections.test', { name: 'warehouse2' });
    expect(result.ok).toBe(true);
  });

  it('tests the built-in local warehouse (started on demand in the data folder)', async () => {
    const result = await callValue<{ ok: boolean; serverVersion: string | null; error: string | null }>(
      host,
      'connections.test',
      { name: 'local' },
    );
    expect(result).toMatchObject({ ok: true, error: null });
    expect(result.serverVersion).toMatch(/^\d+/);
  });

  it('answers an unknown connection with 404', async () => {
    const { status, reply } = await callApi(host, 'connections.test', { name: 'nope' });
    expect(status).toBe(404);
    expect(reply.error).toMatchObject({ code: 'not_found' });
  });
});

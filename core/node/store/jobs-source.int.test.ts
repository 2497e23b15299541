import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type RunStore } from './open-store.ts';
import { tempDir, testSecretStore } from './test-fixtures/support.ts';

// `jobs list` (and the app's Jobs list) names each job's source: an HTTP API job by its URL, as runs
// name it (`http GET <url>`, the password and every query value masked), never an empty source.

let store: RunStore | undefined;
afterEach(() => store?.close());

const target = { connection: 'local', table: 'orders', mode: 'append' };

describe('jobs.list names an HTTP API source', () => {
  it('by its method and its URL, masked', () => {
    store = openStore(tempDir(), { secretStore: testSecretStore() });
    store.jobs.save('api', {
      source: {
        kind: 'http',
        url: 'https://api.example.com/v1/orders?region=eu&page_size=100',
        records: 'data',
      },
      target,
    });
    store.jobs.save('api-post', {
      source: { kind: 'http', method: 'POST', url: 'https://api.example.com/search', body: {} },
      target,
    });
    // A job an older version saved with a password and a key in its URL (listed without validating).
    const old = {
      source: { kind: 'http', url: 'https://bob:pw-SECRET@api.example.com/x?api_key=SECRET' },
      target,
    };
    store.context.db
      .prepare('INSERT INTO jobs (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?)')
      .run('api-old', JSON.stringify(old), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    store.jobs.save('file', { source: { path: '/data/orders.csv' }, target });
    const sources = Object.fromEntries(store.jobs.list().map((j) => [j.name, j.source]));
    expect(sources).toEqual({
      api: 'http GET https://api.example.com/v1/orders?region=***&page_size=***',
      'api-post': 'http POST https://api.example.com/search',
      'api-old': 'http GET https://bob:***@api.example.com/x?api_key=***',
      file: '/data/orders.csv',
    });
    expect(JSON.stringify(store.jobs.list())).not.toContain('SECRET');
    expect(store.jobs.get('api')?.source).toBe(sources.api);
  });
});

describe('jobs.save keeps no credential in clear', () => {
  it('refuses an API key written in the URL or in source.query; takes it as { "env": … }', () => {
    store = openStore(tempDir(), { secretStore: testSecretStore() });
    const inUrl = () =>
      store!.jobs.save('key-in-url', {
        source: { kind: 'http', url: 'https://api.example.com/v1/orders?api_key=KEY-IN-CLEAR-123' },
        target,
      });
    expect(inUrl).toThrow(
      `job 'key-in-url' has a credential in clear in source.url (parameter 'api_key'): give it as source.query.api_key = { "env": "NAME" }`,
    );
    expect(inUrl).not.toThrow(/KEY-IN-CLEAR/);
    expect(() =>
      store!.jobs.save('key-in-query', {
        source: {
          kind: 'http',
          url: 'https://api.example.com/v1/orders',
          query: { token: 'TOKEN-IN-CLEAR-1' },
        },
        target,
      }),
    ).toThrow(`job 'key-in-query' has a credential in clear in source.query.token (parameter 'token')`);
    // Data named like nothing secret, or too short to be a key, stays as it is.
    store.jobs.save('data-params', {
      source: {
        kind: 'http',
        url: 'https://api.example.com/v1/orders?keyword=shoes&page_token=abcdefghij',
        query: { key: 'eu' },
      },
      target,
    });
    store.jobs.save('key-from-env', {
      source: {
        kind: 'http',
        url: 'https://api.example.com/v1/orders',
        query: { api_key: { env: 'API_KEY' } },
      },
      target,
    });
    expect(store.jobs.get('key-from-env')?.spec).toMatchObject({
      source: { query: { api_key: { env: 'API_KEY' } } },
    });
    expect(
      store.jobs
        .list()
        .map((j) => j.name)
        .sort(),
    ).toEqual(['data-params', 'key-from-env']);
  });
});

import { describe, expect, it } from 'vitest';
import { hasUserInfo, httpSourceSpecSchema, maskUrl, maskUrlSecrets } from './http-source.ts';
import { parseJobSpec } from './job-spec.ts';
import { sourceLabel } from './source-label.ts';

describe('HTTP source spec', () => {
  it('takes the pinned shape and fills the defaults', () => {
    const spec = parseJobSpec({
      version: 1,
      name: 'orders-api',
      source: {
        kind: 'http',
        url: 'https://api.example.com/v1/orders',
        auth: { type: 'bearer', token: { env: 'API_TOKEN' } },
        records: 'data',
        pagination: { type: 'cursor', cursorPath: 'next_cursor', cursorParam: 'cursor' },
      },
      target: { connection: 'local', table: 'orders', mode: 'append' },
    });
    expect(spec.source).toMatchObject({
      kind: 'http',
      method: 'GET',
      timeoutMs: 60_000,
      retry: { maxAttempts: 5 },
      maxRetryWaitMs: 120_000,
    });
    expect(sourceLabel(spec.source)).toBe('http GET https://api.example.com/v1/orders');
  });

  it('refuses secrets in clear, naming each path and saying to use { "env": … }', () => {
    const result = httpSourceSpecSchema.safeParse({
      kind: 'http',
      url: 'https://x.test/',
      headers: { Authorization: 'Bearer abc', 'X-Tenant': 'acme' },
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: 'https://x.test/t',
        clientId: 'a',
        clientSecret: 's3cr3t',
      },
    });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort();
    expect(issues).toEqual([
      'auth.clientSecret: a secret may not be written in clear in a job spec: use { "env": "NAME" } (an environment variable)',
      `headers.Authorization: header 'Authorization' carries a credential: use { "env": "NAME" } instead of a value in clear (or source.auth)`,
    ]);
  });

  it('refuses in clear every header whose name says it carries a credential', () => {
    const credentials = [
      'Authorization',
      'Proxy-Authorization',
      'X-Api-Key',
      'Api-Key',
      'apikey',
      'X-Goog-Api-Key',
      'Ocp-Apim-Subscription-Key',
      'X-Api-Token',
      'X-Auth-Token',
      'X-Client-Secret',
      'X-Password',
      'X-Signature',
      'X-Session-Id',
      'Cookie',
    ];
    const headers = Object.fromEntries(
      [...credentials, 'X-Tenant', 'Accept', 'Idempotency-Key'].map((h) => [h, 'v4lue']),
    );
    const result = httpSourceSpecSchema.safeParse({ kind: 'http', url: 'https://x.test/', headers });
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(
      credentials.map((h) => `headers.${h}`).sort(),
    );
    const refs = Object.fromEntries(credentials.map((h) => [h, { env: 'H' }]));
    expect(
      httpSourceSpecSchema.safeParse({ kind: 'http', url: 'https://x.test/', headers: refs }).success,
    ).toBe(true);
  });

  it('refuses a user name or password in source.url and the token URL, saying to use basic auth', () => {
    const result = httpSourceSpecSchema.safeParse({
      kind: 'http',
      url: 'http://alice:Pw0rd@api.test/v1',
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: 'https://c:s@x.test/t',
        clientId: 'a',
        clientSecret: { env: 'S' },
      },
    });
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort();
    expect(issues).toEqual([
      'auth.tokenUrl: a user name or password in the token URL would be sent in clear: use clientId and clientSecret',
      'url: a user name or password in the URL would be sent in clear (as Basic auth) and kept with the run: ' +
        'use auth: { "type": "basic", "user": "…", "password": { "env": "NAME" } } instead',
    ]);
    for (const url of [
      'https://alice:Pw0rd@api.test/',
      'https://alice@api.test/',
      'HTTPS://:pw@api.test',
      'http:\\\\u:p@api.test/x',
      'http:/u:p@api.test/x',
      'http:u:p@api.test/x',
      ' http://u:p\t@api.test?x=1',
      'http://u%3Ap@api.test/',
    ]) {
      expect([url, hasUserInfo(url)]).toEqual([url, true]);
      expect(httpSourceSpecSchema.safeParse({ kind: 'http', url }).success).toBe(false);
    }
    for (const url of [
      'https://api.test/a@b',
      'https://api.test/?email=a@b',
      'https://api.test#@x',
      'https://api.test',
    ]) {
      expect([url, hasUserInfo(url)]).toEqual([url, false]);
    }
  });

  it('checks settings that cannot work together', () => {
    const result = httpSourceSpecSchema.safeParse({
      kind: 'http',
      url: 'ftp://x.test/',
      body: { a: 1 },
      pagination: { type: 'cursor', cursorPath: 'n', cursorBodyField: 'after' },
    });
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'body',
      'pagination.cursorBodyField',
      'url',
    ]);
  });

  it('masks URLs: every query value and a password for display, credential-like values for storage', () => {
    expect(maskUrl('https://u:pw@api.test/v1?region=eu&api_key=abc#x')).toBe(
      'https://u:***@api.test/v1?region=***&api_key=***',
    );
    expect(maskUrl('https://api.test/v1')).toBe('https://api.test/v1');
    expect(maskUrl('https://bob%3Apw@api.test/v1')).toBe('https://bob:***@api.test/v1');
    expect(maskUrlSecrets('https://u:pw@api.test/v1?region=eu&api_key=abc&access_token=t&sig=1')).toBe(
      'https://u:***@api.test/v1?region=eu&api_key=***&access_token=***&sig=***',
    );
  });
});

import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoadstoneError } from '../../common/errors.ts';
import { httpSourceSpecSchema } from '../../common/spec/http-source.ts';
import { json, startApi } from '../sources/http/test-api-server.ts';
import { openSource } from '../sources/open-source.ts';
import { openStore, type RunStore } from './open-store.ts';
import { tempDir, testSecretStore } from './test-fixtures/support.ts';

// A saved API secret goes only to the origin it was saved for: whoever can name its id (a job spec,
// the renderer) cannot send it to another server.

let store: RunStore | undefined;
afterEach(() => store?.close());

/** The error `fn` throws, as `code: message`. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isLoadstoneError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('saved source secrets', () => {
  it('are read for their own origin only (scheme, host and port)', () => {
    store = openStore(tempDir(), { secretStore: testSecretStore() });
    const id = store.sourceSecrets.save('tok-SECRET-1', 'https://api.example.com/v1/orders?x=1');
    expect(store.sourceSecrets.read(id, 'https://api.example.com/v2/other')).toBe('tok-SECRET-1');
    expect(store.sourceSecrets.read(id, 'https://API.example.com:443/')).toBe('tok-SECRET-1');
    for (const url of [
      'http://api.example.com/v1',
      'https://api.example.com:8443/v1',
      'https://evil.example/',
    ]) {
      expect(refusal(() => store!.sourceSecrets.read(id, url))).toBe(
        `SECRET_UNAVAILABLE: the saved secret '${id}' is for https://api.example.com and is not sent to ${new URL(url).origin}: enter the secret again for this API`,
      );
    }
    expect(refusal(() => store!.sourceSecrets.save('x', 'file:///etc/passwd'))).toMatch(/^BAD_USAGE: /);
  });

  it('saved by an earlier version (no origin) are bound to the origin of their first use', () => {
    const dir = tempDir();
    store = openStore(dir, { secretStore: testSecretStore() });
    const id = store.sourceSecrets.save('tok-SECRET-2', 'https://first.example.com');
    const db = new Database(path.join(dir, 'loadstone.db'));
    db.prepare('UPDATE source_secrets SET origin = NULL WHERE id = ?').run(id);
    db.close();
    expect(store.sourceSecrets.read(id, 'https://api.example.com/v1')).toBe('tok-SECRET-2');
    expect(store.sourceSecrets.read(id, 'https://api.example.com/v2')).toBe('tok-SECRET-2');
    expect(refusal(() => store!.sourceSecrets.read(id, 'https://first.example.com'))).toMatch(
      /is for https:\/\/api\.example\.com and is not sent to https:\/\/first\.example\.com/,
    );
  });

  it("an OAuth2 client secret goes to the token URL's origin, a token to the source's", async () => {
    store = openStore(tempDir(), { secretStore: testSecretStore() });
    const tokens = await startApi((req, res) => {
      const form = new URLSearchParams(req.body);
      if (form.get('client_secret') !== 'cs-SECRET-3') return json(res, { error: 'invalid_client' }, {}, 401);
      json(res, { access_token: 'at-1', expires_in: 3600 });
    });
    const api = await startApi((req, res) => {
      if (req.headers.authorization !== 'Bearer at-1') return json(res, {}, {}, 401);
      json(res, [{ id: 1 }, { id: 2 }]);
    });
    try {
      const secret = (id: string, url: string) => store!.sourceSecrets.read(id, url);
      const clientSecret = store.sourceSecrets.save('cs-SECRET-3', `${tokens.url}/oauth/token`);
      const oauth = httpSourceSpecSchema.parse({
        kind: 'http',
        url: `${api.url}/items`,
        auth: {
          type: 'oauth2ClientCredentials',
          tokenUrl: `${tokens.url}/oauth/token`,
          clientId: 'app',
          clientSecret: { secret: clientSecret },
          clientAuth: 'post',
        },
      });
      const source = await openSource(oauth, { env: {}, secret });
      const rows = [];
      for await (const batch of source.rows()) rows.push(...batch);
      await source.close();
      expect(rows).toHaveLength(2);
      // The same secret named as a bearer token of the API (another origin) is never sent.
      const seen = api.requests.length;
      const bearer = httpSourceSpecSchema.parse({
        kind: 'http',
        url: `${api.url}/items`,
        auth: { type: 'bearer', token: { secret: clientSecret } },
      });
      await expect(openSource(bearer, { env: {}, secret })).rejects.toThrow(
        `source.auth.token: the saved secret '${clientSecret}' is for ${tokens.url} and is not sent to ${api.url}`,
      );
      expect(api.requests.length).toBe(seen);
    } finally {
      await tokens.close();
      await api.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import { json, startApi } from './test-api-server.ts';
import { TEST_REQUEST_MAX_ATTEMPTS, testRequest } from './test-request.ts';

// The wizard's Test request: the operator waits on it, so it gives up sooner than a load.

describe('testRequest', () => {
  it('gives up after two attempts (a load makes five), saying how many it made', async () => {
    const api = await startApi((_req, res) => json(res, { error: 'busy' }, {}, 500));
    try {
      const spec = httpSourceSpecSchema.parse({
        kind: 'http',
        url: `${api.url}/items`,
        retry: { baseDelayMs: 1 },
      });
      expect(spec.retry.maxAttempts).toBe(5);
      const error = await testRequest(spec, { env: {} }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LoadstoneError);
      expect((error as LoadstoneError).message).toContain('HTTP 500');
      expect((error as LoadstoneError).message).toContain(`(after ${TEST_REQUEST_MAX_ATTEMPTS} attempts)`);
      expect(api.requests).toHaveLength(TEST_REQUEST_MAX_ATTEMPTS);
    } finally {
      await api.close();
    }
  });

  it('does not wait out a long Retry-After: it says when to try again', async () => {
    const api = await startApi((_req, res) =>
      json(res, { error: 'slow down' }, { 'retry-after': '60' }, 429),
    );
    try {
      const spec = httpSourceSpecSchema.parse({ kind: 'http', url: `${api.url}/items` });
      const started = Date.now();
      const error = await testRequest(spec, { env: {} }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect((error as LoadstoneError).message).toMatch(/asks to wait 60 s .*; retry after \d{4}-/);
      expect(api.requests).toHaveLength(1);
    } finally {
      await api.close();
    }
  });
});

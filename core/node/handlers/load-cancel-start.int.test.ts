import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Reply } from '../../common/contract/errors.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { startSilentApi } from '../sources/http/test-api-server.ts';
import { dispatch } from './dispatch.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// A load whose source is still opened and sampled (a slow API's first pages) has no run to cancel
// yet: `loads.cancelStart` stops it by the name its caller gave it.

let t: TestEngine;
let url = '';

const call = (name: string, input: unknown): Promise<Reply<unknown>> =>
  dispatch(t.engine.handlers, name, input, t.log);

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'engine_cancel_start');
  t = await openTestEngine();
});
afterAll(async () => {
  await t?.close();
});

describe('loads.cancelStart', () => {
  it('stops a load still reading its sample: load_cancelled, no run, the request given up', async () => {
    // An API that never answers: the load waits on its first page.
    const api = await startSilentApi();
    const { asked, closed } = api;
    const apiUrl = `${api.url}/items`;
    try {
      const started = call('loads.start', {
        spec: { source: { kind: 'http', url: apiUrl }, target: { connection: url, table: 'never' } },
        startId: 'start-1',
      });
      for (let i = 0; i < 100 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(asked).toHaveLength(1);
      // A second load cannot take the same name while the first is starting.
      expect(
        await call('loads.start', {
          spec: { source: { kind: 'http', url: apiUrl }, target: { connection: url, table: 'never' } },
          startId: 'start-1',
        }),
      ).toMatchObject({ ok: false, error: { message: expect.stringContaining("start id 'start-1'") } });
      expect(await call('loads.cancelStart', { startId: 'start-1' })).toEqual({
        ok: true,
        value: { cancelled: true },
      });
      expect(await started).toMatchObject({
        ok: false,
        error: { code: 'load_cancelled', message: expect.stringContaining('cancelled before the run began') },
      });
      // The page request was given up, nothing was recorded, and the name is free again.
      await closed[0];
      expect(await call('runs.list', {})).toEqual({ ok: true, value: [] });
      expect(await call('loads.cancelStart', { startId: 'start-1' })).toEqual({
        ok: true,
        value: { cancelled: false },
      });
    } finally {
      await api.close();
    }
  });
});

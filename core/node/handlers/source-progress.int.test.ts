import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Reply } from '../../common/contract/errors.ts';
import type { EventPayload } from '../../common/contract/events.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { json, records, startApi } from '../sources/http/test-api-server.ts';
import { dispatch } from './dispatch.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// A slow API's first pages can take a minute before a preview or a load has anything to show: the
// pages read go out as `source.progress`, named by the caller's `progressId` / `startId`.

let t: TestEngine;
let url = '';

const call = (name: string, input: unknown): Promise<Reply<unknown>> =>
  dispatch(t.engine.handlers, name, input, t.log);

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'engine_source_progress');
  t = await openTestEngine();
});
afterAll(async () => {
  await t?.close();
});

/** Three pages of 10 records (`page=1..3`), then an empty page. */
const pagedApi = () =>
  startApi((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? '1');
    json(res, { data: page <= 3 ? records((page - 1) * 10 + 1, 10) : [] });
  }, 20);

const source = (apiUrl: string) => ({
  kind: 'http',
  url: `${apiUrl}/items`,
  records: 'data',
  pagination: { type: 'pageNumber' },
});

function collect() {
  const seen: EventPayload<'source.progress'>[] = [];
  const off = t.engine.bus.on('source.progress', (p) => seen.push(p));
  return { seen, off };
}

const pages = (n: number, id: string) =>
  Array.from({ length: n }, (_, i) => ({ id, pages: i + 1, records: Math.min(30, (i + 1) * 10) }));

describe('source.progress', () => {
  it("tells a preview's pages read, by its progressId", async () => {
    const api = await pagedApi();
    const { seen, off } = collect();
    try {
      const reply = await call('preview.run', { spec: { source: source(api.url) }, progressId: 'preview-7' });
      expect(reply).toMatchObject({ ok: true });
      expect(seen).toEqual(pages(4, 'preview-7'));
      // Without a progressId, nothing goes out.
      seen.length = 0;
      expect(await call('preview.run', { spec: { source: source(api.url) } })).toMatchObject({ ok: true });
      expect(seen).toEqual([]);
    } finally {
      off();
      await api.close();
    }
  });

  it('tells the pages a load reads before its run is recorded, by its startId', async () => {
    const api = await pagedApi();
    const { seen, off } = collect();
    try {
      const reply = await call('loads.start', {
        spec: { source: source(api.url), target: { connection: url, table: 'progress_pages' } },
        startId: 'start-9',
      });
      expect(reply).toMatchObject({ ok: true });
      // The whole API fits in the sample: every page is read before the run is recorded.
      expect(seen).toEqual(pages(4, 'start-9'));
    } finally {
      off();
      await api.close();
    }
  });
});

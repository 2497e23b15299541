import { describe, expect, it } from 'vitest';
import { openStore } from './open-store.ts';
import { runChild, tempDir, testSecretStore } from './test-fixtures/support.ts';

describe('a reader while another process writes (WAL)', () => {
  it('reads committed batches only, never blocks or fails, and can write between batches', async () => {
    const dir = tempDir();
    const reader = openStore(dir, { secretStore: testSecretStore() });
    const BATCHES = 30;
    const seen: number[] = [];
    let runId: string | undefined;
    let finished = false;
    const readOnce = () => {
      if (!runId) return;
      // One read transaction: one snapshot for the page, its total and the summary.
      const id = runId;
      const { page, summary } = reader.context.db.transaction(() => ({
        page: reader.reports.page(id, { limit: 5 }),
        summary: reader.reports.summary(id),
      }))();
      seen.push(page.total);
      expect(page.rows.length).toBe(Math.min(5, page.total));
      expect(summary.reduce((n, s) => n + (s.reason === 'invalid_number' ? s.count : 0), 0)).toBe(
        page.total - page.total / 10,
      );
      // A write from this process waits for the writer's lock (busy timeout) instead of failing.
      reader.settings.set({ dateOrder: seen.length % 2 ? 'DMY' : 'MDY' });
    };
    const poll = async () => {
      while (!finished) {
        readOnce();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const polling = poll();
    const child = await runChild('./child-run.ts', ['write', dir, String(BATCHES)], (line) => {
      if (line.startsWith('run ')) runId = line.slice(4);
      if (line.startsWith('committed ')) readOnce();
    });
    finished = true;
    await polling;
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    readOnce();

    // Every read saw whole batches, in order, and some saw the load half-way.
    expect(seen.every((n) => n % 1000 === 0)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.some((n) => n > 0 && n < BATCHES * 1000)).toBe(true);
    expect(seen.at(-1)).toBe(BATCHES * 1000);
    expect(reader.runs.get(runId!)).toMatchObject({
      status: 'succeeded',
      counts: { rejected: BATCHES * 1000 },
    });
    reader.close();
  });
});

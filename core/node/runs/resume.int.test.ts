import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import type { CommittedPosition } from '../store/index.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { makeRejects, tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { createControlTableSql, writeControlRow } from './control-row.ts';
import { reconcileRun } from './reconcile.ts';
import { resumeLoad } from './resume.ts';
import { runLoad } from './run-load.ts';

let url = '';
let password = '';
let client: pg.Client;
const dir = tempDir();

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'runs_resume');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  password = decodeURIComponent(new URL(url).password);
});
afterAll(async () => {
  await client?.end();
});

const noWarehouse = () => Promise.reject(new Error('not the local warehouse'));

function position(records: number, line: number, inserted: number, rejected: number): CommittedPosition {
  return {
    records,
    line,
    bytes: 0,
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    counts: { read: records, inserted, updated: 0, unchanged: 0, skipped: 0, superseded: 0, rejected },
    final: false,
  };
}

describe('reconciling an interrupted run', () => {
  /**
   * A run that died between a COMMIT and the run store's update: the store heard of the commit
   * through record 40, the target's control row (written by the committed transaction) says 80.
   */
  async function interruptedRun(connection: string): Promise<{ dataDir: string; runId: string }> {
    const dataDir = tempDir();
    const store = openStore(dataDir, { secretStore: testSecretStore() });
    const spec = parseJobSpec({
      source: { path: join(dir, 'none.csv') },
      target: { connection, table: 'reconciled' },
      settings: { commitEvery: 40 },
    });
    const runId = store.runs.create({ spec, sourceColumns: ['id', 'amount', 'date', 'note'] });
    // Rejected rows at lines 2..101 (one per record), all written before the process died.
    const writer = store.rejects.writer(runId);
    writer.add(makeRejects(0, 100));
    writer.flush();
    store.runs.committed(runId, position(40, 41, 30, 10));
    store.close(); // a run left running: marked interrupted, as the next open of a killed app's store does
    return { dataDir, runId };
  }

  it("takes the target's control row over the run store's last commit, and keeps only the prefix's rejected rows", async () => {
    const { dataDir, runId } = await interruptedRun(url);
    await client.query(createControlTableSql('public'));
    await writeControlRow(client, runId, { schema: 'public', name: 'reconciled' }, position(80, 81, 60, 20));
    await client.query('CREATE TABLE IF NOT EXISTS reconciled (id int)');

    const store = openStore(dataDir, { secretStore: testSecretStore() });
    try {
      const before = store.runs.get(runId)!;
      expect(before.status).toBe('interrupted');
      // The run store's own figures stand until the target is read; no rejected row is dropped yet.
      expect(before.counts).toMatchObject({ read: 40, inserted: 30, rejected: 10 });
      expect(before.resume.countsOrigin).toBe('run_store');
      expect(store.reports.page(runId, { offset: 0, limit: 1000 }).total).toBe(100);

      const r = await reconcileRun(store, before, { env: {}, openWarehouse: noWarehouse, connection: url });
      expect(r).toEqual({ origin: 'target', reason: null });
      const after = store.runs.get(runId)!;
      expect(after.counts).toMatchObject({ read: 80, inserted: 60 });
      expect(after.resume.countsOrigin).toBe('target');
      expect(after.resume.committed?.records).toBe(80);
      // Rejected rows past line 81 were not part of what it committed: gone (a resume records them).
      const page = store.reports.page(runId, { offset: 0, limit: 1000 });
      expect(page.total).toBe(80);
      expect(after.counts.rejected).toBe(80);
      expect(Math.max(...page.rows.map((row) => row.line))).toBe(81);
    } finally {
      store.close();
    }
  });

  it("keeps the run store's figures and says why when the target cannot be reached", async () => {
    const closed = new URL(url);
    closed.port = '1'; // nothing listens there
    const { dataDir, runId } = await interruptedRun(closed.toString());
    const store = openStore(dataDir, { secretStore: testSecretStore() });
    try {
      const r = await reconcileRun(store, store.runs.get(runId)!, {
        env: { PGPASSWORD: password },
        openWarehouse: noWarehouse,
      });
      expect(r.origin).toBe('run_store');
      expect(r.reason).toMatch(/^the target could not be read: /);
      expect(r.reason).not.toContain(password);
      expect(store.runs.get(runId)!.counts).toMatchObject({ read: 40, inserted: 30, rejected: 10 });
    } finally {
      store.close();
    }
  });
});

describe('what load --resume refuses', () => {
  let store: RunStore;
  beforeAll(() => {
    store = openStore(tempDir(), { secretStore: testSecretStore() });
  });
  afterAll(() => store?.close());

  const load = async (table: string, mode: 'append' | 'replace') => {
    const file = join(dir, `${table}.csv`);
    writeFileSync(file, 'id,name\n1,a\n2,b\n3,c\n');
    return runLoad(
      { source: { path: file }, target: { connection: url, table, mode }, settings: { commitEvery: 1 } },
      { store, env: {}, dryRun: false, openWarehouse: noWarehouse, chunkRows: 1 },
    );
  };
  const resume = (runId: string) =>
    resumeLoad(runId, { store, env: {}, openWarehouse: noWarehouse, connection: url });

  it('a replace: nothing of it is committed before its swap, so it is re-run instead', async () => {
    const run = await load('refused_replace', 'replace');
    await expect(resume(run.runId)).rejects.toMatchObject({
      code: 'RESUME_NOT_POSSIBLE',
      message: expect.stringMatching(/replace load swaps the new table in only at its end.*re-run the load/),
    });
  });

  it('a run that succeeded, and a run that does not exist', async () => {
    const run = await load('refused_done', 'append');
    expect(run.status).toBe('succeeded');
    // Its commits were recorded as they happened, the last one final.
    expect(store.runs.get(run.runId)!.resume.committed).toMatchObject({ final: true, records: 3 });
    const control = await client.query(
      'SELECT records, inserted, final FROM public.loadstone_load_progress WHERE run_id = $1',
      [run.runId],
    );
    expect(control.rows).toEqual([{ records: '3', inserted: '3', final: true }]);
    await expect(resume(run.runId)).rejects.toMatchObject({
      code: 'RESUME_NOT_POSSIBLE',
      message: expect.stringContaining('it succeeded'),
    });
    await expect(resume('r_20260101_000000_none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

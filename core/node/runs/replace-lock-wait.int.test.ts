import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runLoad } from './run-load.ts';

// A replace swaps its fresh table in under the old table's ACCESS EXCLUSIVE lock. A reader in a long
// transaction holds a lock that conflicts, and a lock request waiting behind it makes every new
// query on the table queue too. The swap tries for the lock a couple of seconds at a time, letting
// the queries queued behind it run in between, and says who it waits for.

let url = '';
let store: RunStore;
const dir = tempDir();

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'runs_replace_lock_wait');
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(() => {
  store?.close();
});

const connect = async (application: string) => {
  const c = new pg.Client({ connectionString: url, application_name: application });
  await c.connect();
  return c;
};

describe('replace waiting for the table lock', () => {
  it('says who holds it, lets other readers through meanwhile, and swaps once it is released', async () => {
    const admin = await connect('test admin');
    const reader = await connect('long report');
    const other = await connect('dashboard');
    try {
      await admin.query(
        'CREATE TABLE stock (id integer PRIMARY KEY, qty integer); INSERT INTO stock VALUES (1, 10)',
      );
      // A report reading the table in a transaction it keeps open.
      await reader.query('BEGIN');
      await reader.query('SELECT * FROM stock');
      const readerPid = (await reader.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;

      const file = join(dir, 'stock.csv');
      writeFileSync(file, 'id,qty\n1,11\n2,20\n');
      const progress: LoadProgressDto[] = [];
      let done = false;
      const loading = runLoad(
        { source: { path: file }, target: { connection: url, table: 'stock', mode: 'replace' } },
        {
          store,
          env: {},
          dryRun: false,
          openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
          onProgress: (p) => progress.push(p),
        },
      ).finally(() => {
        done = true;
      });
      while (!progress.some((p) => p.phase === 'waiting_for_lock')) {
        if (done) throw new Error(`the load ended without waiting: ${JSON.stringify(await loading)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const waiting = progress.find((p) => p.phase === 'waiting_for_lock')!;
      expect(waiting.notice).toContain('waiting for the lock on public.stock to swap in the new rows');
      expect(waiting.notice).toContain(`held by pid ${readerPid} (`);
      expect(waiting.notice).toContain('application long report');

      // Another reader is not stuck behind the swap's lock request: it gets its rows, the old ones,
      // while the report still holds the table.
      const seen = await other.query('SELECT id, qty FROM stock ORDER BY id');
      expect(seen.rows).toEqual([{ id: 1, qty: 10 }]);
      expect(done).toBe(false);

      await reader.query('COMMIT');
      const outcome = await loading;
      expect(outcome.status).toBe('succeeded');
      expect((await admin.query('SELECT id, qty FROM stock ORDER BY id')).rows).toEqual([
        { id: 1, qty: 11 },
        { id: 2, qty: 20 },
      ]);
      // The wait is recorded with the run, and the phase moved on.
      const events = store.runs.events(outcome.runId).filter((e) => e.kind === 'lock_wait');
      expect(events).toHaveLength(1);
      expect(events[0]!.message).toMatch(
        /^waited about \d+ s for the lock on public\.stock .* held by pid \d+/,
      );
      expect(progress.at(-1)!.phase).toBe('done');
      expect(progress.at(-1)!.notice).toBeUndefined();
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await Promise.all([admin.end(), reader.end(), other.end()]);
    }
  }, 60_000);
});

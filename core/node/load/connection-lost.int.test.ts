import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LoadstoneError } from '../../common/errors.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, openClient, rowsFrom } from './test-support.ts';
import type { LoadBatch, LoadColumn, LoadInput } from './types.ts';

// The load's connection is ended from another session (pg_terminate_backend) at a few places: the
// failure names the target and where the load was, says what the target keeps and what to do, in
// Loadstone's words. Before, it read "lost the connection to the target during the load into t
// (Connection terminated unexpectedly); nothing since the last commit was saved", naming no target
// and saying nothing of a COMMIT in flight.

const columns: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'label', type: 'text' },
];
/** Rows `from`… as a file's records `from`… on lines `from + 1`… (after a header). */
const rows = (from: number, count: number) =>
  rowsFrom(
    columns,
    Array.from({ length: count }, (_, i) => [from + i, `row ${from + i}`]),
    from + 1,
  ).map((row, i) => ({ ...row, ordinal: from + i }));
/** What the driver says of a dropped connection: never the lead, nor the end, of our message. */
const DRIVER_TEXT = /Connection terminated|not queryable|ECONNRESET|EPIPE/;
/**
 * When the server's FATAL reaches the driver before the socket closes (a matter of timing), the error
 * is the server's, and the message says it: "… (the server ended it: terminating connection due to
 * administrator command): …".
 */
const SERVER_ENDED = 'terminating connection due to administrator command';
/** The message without the server's words, which only some timings give. */
const withoutServerWords = (message: string) =>
  message.replace(` (the server ended it: ${SERVER_ENDED})`, '');

let url = '';
let reader: pg.Client;
const opened: pg.Client[] = [];

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'load_connection_lost');
  reader = await openClient(url);
});
afterAll(async () => {
  for (const c of opened) await c.end().catch(() => {});
  await reader?.end();
});

/** A fresh connection for one load (the load's own is ended by the test). */
async function connection(): Promise<{ client: pg.Client; pid: number }> {
  const client = await openClient(url);
  opened.push(client);
  return { client, pid: (client as unknown as { processID: number }).processID };
}

/** Polls pg_stat_activity until the backend is in the state asked (a condition, not a timed wait). */
async function until(sql: string, params: unknown[]): Promise<void> {
  for (;;) {
    if (((await reader.query(sql, params)).rowCount ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Ends the backend and waits until it is gone. */
async function terminate(pid: number): Promise<void> {
  await reader.query('SELECT pg_terminate_backend($1)', [pid]);
  await until('SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)', [pid]);
}

/** Ends the backend once its statement matching `like` waits for the lock another session holds. */
async function terminateWhenBlocked(pid: number, like: string): Promise<void> {
  await until(
    "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock' AND query ILIKE $2",
    [pid, like],
  );
  await terminate(pid);
}

/**
 * The load's failure. Its handler is attached at once: a load whose connection is ended while the
 * test still waits for the backend to go must not reject unobserved (Vitest fails the run on that).
 */
function failure(load: Promise<unknown>): Promise<LoadstoneError> {
  return load.then(
    () => {
      throw new Error('the load succeeded; it should have lost its connection');
    },
    (e: unknown) => e as LoadstoneError,
  );
}

async function count(table: string): Promise<number> {
  return (await reader.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

/** Holds SHARE on the table: the load's COPY or merge (ROW EXCLUSIVE) waits for it. */
async function lockTable(table: string): Promise<pg.Client> {
  const locker = await openClient(url);
  opened.push(locker);
  await locker.query(`BEGIN; LOCK TABLE ${table} IN SHARE MODE`);
  return locker;
}

function expectOwnWords(error: LoadstoneError): void {
  expect(error.code).toBe('TARGET_UNREACHABLE');
  expect(error.message).not.toMatch(DRIVER_TEXT);
  const said = String(error.details?.connectionError);
  if (!said.includes(SERVER_ENDED)) expect(said).toMatch(DRIVER_TEXT);
  if (new URL(url).password) expect(error.message).not.toContain(new URL(url).password);
}

describe('the load connection ended by the server', () => {
  it('during the COPY of an append: names the target (by its label) and says nothing stays', async () => {
    await reader.query('CREATE TABLE lost_copy (id integer, label text)');
    const locker = await lockTable('lost_copy');
    const { client, pid } = await connection();
    const { input } = inputFor(client, 'lost_copy', columns, batchesOf(rows(1, 50)), {
      targetLabel: 'warehouse-eu',
    });
    const load = failure(loadIntoPostgres(input));
    await terminateWhenBlocked(pid, 'COPY%');
    const error = await load;
    await locker.query('ROLLBACK');
    expectOwnWords(error);
    expect(withoutServerWords(error.message)).toBe(
      "lost the connection to warehouse-eu while copying rows into lost_copy: PostgreSQL rolls back the load's open transaction, so nothing it wrote stays in lost_copy. Check that the server is running and reachable, then load again.",
    );
    expect(error.details).toMatchObject({ step: 'copying', target: 'warehouse-eu', committedRows: 0 });
    expect(await count('lost_copy')).toBe(0);
  });

  it('during the merge of an upsert: without a label, the target as a URL without its password', async () => {
    await reader.query('CREATE TABLE lost_merge (id integer PRIMARY KEY, label text)');
    const locker = await lockTable('lost_merge');
    const { client, pid } = await connection();
    const { input } = inputFor(client, 'lost_merge', columns, batchesOf(rows(1, 50)), {
      mode: 'upsert',
      key: ['id'],
    });
    const load = failure(loadIntoPostgres(input));
    await terminateWhenBlocked(pid, '%INSERT INTO%');
    const error = await load;
    await locker.query('ROLLBACK');
    expectOwnWords(error);
    const u = new URL(url);
    expect(withoutServerWords(error.message)).toMatch(
      new RegExp(
        `^lost the connection to postgresql://${u.username}@${u.hostname}:${u.port}/${u.pathname.slice(1)} while merging rows into lost_merge: PostgreSQL rolls back`,
      ),
    );
    expect(await count('lost_merge')).toBe(0);
  });

  it('at a COMMIT: says its outcome is unknown and which rows committed before it stay', async () => {
    await reader.query('CREATE TABLE lost_commit (id integer PRIMARY KEY, label text)');
    const { client, pid } = await connection();
    let commits = 0;
    const { input } = inputFor(client, 'lost_commit', columns, batchesOf(rows(1, 30), 10), {
      commitEvery: 10,
      chunkRows: 10,
      targetLabel: 'local',
      onCommit: {
        // The second COMMIT is about to be sent when its connection is ended.
        inTransaction: async () => {
          if (++commits === 2) await terminate(pid);
        },
        committed: () => {},
      },
    });
    const error = await failure(loadIntoPostgres(input));
    expectOwnWords(error);
    expect(withoutServerWords(error.message)).toBe(
      'lost the connection to local while committing the rows loaded into lost_commit: whether its last COMMIT took effect is unknown (the connection dropped before the server answered); the 10 rows committed earlier (commitEvery, through line 11) stay. Check that the server is running and reachable, then resume the load from its last commit (the resume reads what the target committed).',
    );
    expect(error.details).toMatchObject({ step: 'committing', committedRows: 10 });
    expect(await count('lost_commit')).toBe(10);
  });

  it('after two commits, at the next chunk: says the rows committed through line N stay', async () => {
    await reader.query('CREATE TABLE lost_later (id integer, label text)');
    const { client, pid } = await connection();
    let commits = 0;
    let twice: () => void = () => {};
    const committedTwice = new Promise<void>((resolve) => {
      twice = resolve;
    });
    // The source gives 20 rows, then waits until two chunks are committed and the connection is
    // ended while the load's next transaction waits for rows, then gives 10 more.
    async function* source(): AsyncGenerator<LoadBatch> {
      yield* batchesOf(rows(1, 20), 10);
      await committedTwice;
      await until("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'idle in transaction'", [pid]);
      await terminate(pid);
      yield { rows: rows(21, 10), rejectedUpstream: [], rowsRead: 30 };
    }
    const { input } = inputFor(client, 'lost_later', columns, source(), {
      commitEvery: 10,
      chunkRows: 10,
      targetLabel: 'local',
      onCommit: {
        inTransaction: async () => {},
        committed: () => {
          if (++commits === 2) twice();
        },
      },
    } satisfies Partial<LoadInput>);
    const error = await failure(loadIntoPostgres(input));
    expectOwnWords(error);
    expect(withoutServerWords(error.message)).toBe(
      "lost the connection to local while copying rows into lost_later: PostgreSQL rolls back the load's open transaction, so nothing it wrote since its last commit stays; the 20 rows committed earlier (commitEvery, through line 21) stay. Check that the server is running and reachable, then resume the load from its last commit.",
    );
    expect(await count('lost_later')).toBe(20);
  });
});

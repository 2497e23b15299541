import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { openSource } from '../open-source.ts';

let sourceUrl = '';
let targetUrl = '';
let src: pg.Client;
let store: RunStore;

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'pg_query_safety_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'pg_query_safety_to');
  src = new pg.Client({ connectionString: sourceUrl });
  await src.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  await src.query(`CREATE TABLE victim (x text);
    CREATE TABLE items (id int PRIMARY KEY, name text);
    INSERT INTO items VALUES (1, 'a'), (2, 'b')`);
});
afterAll(async () => {
  store?.close();
  await src?.end();
});

const load = (query: string, table: string) =>
  runLoad(
    { source: { kind: 'postgres', connection: sourceUrl, query }, target: { connection: targetUrl, table } },
    {
      store,
      env: {},
      dryRun: false,
      openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    },
  );

const victimRows = async () => (await src.query('SELECT count(*)::int AS n FROM victim')).rows[0].n;

/**
 * The error an open or a load fails with (they must fail, never succeed): an open throws; a load
 * returns a failed run (a source failing as it opens is a recorded run).
 */
const failure = (p: Promise<unknown>) =>
  p.then(
    (done) => {
      const outcome = done as { status?: string; error?: { code: string; message: string } | null };
      if (outcome?.status === 'failed' && outcome.error) return outcome.error;
      throw new Error('expected a failure');
    },
    (e: Error & { code?: string }) => e,
  );

describe('a PostgreSQL --query cannot leave its READ ONLY transaction', () => {
  it('a query that closes the subquery and commits an INSERT is refused by the server, nothing written', async () => {
    const injection =
      "select 1 as a) AS q; COMMIT; INSERT INTO victim VALUES ('pwned'); SELECT * FROM (select 1 as a";
    const loaded = await failure(load(injection, 'inj'));
    expect(loaded.code).toBe('SOURCE_FORMAT');
    expect(loaded.message).toMatch(/cannot insert multiple commands into a prepared statement/);
    // A preview reads a query through a cursor: refused the same way.
    for (const preview of [{ rows: 10 }, undefined]) {
      const opened = await failure(
        openSource({ kind: 'postgres', connection: sourceUrl, query: injection }, preview ? { preview } : {}),
      );
      expect(opened.message).toMatch(/cannot insert multiple commands/);
    }
    // With a watermark pushed down the query is wrapped again: still one statement or none.
    const incremental = await failure(
      openSource(
        { kind: 'postgres', connection: sourceUrl, query: injection },
        { incremental: { after: '0', sourceColumn: () => 'a' } },
      ),
    );
    expect(incremental.message).toMatch(/cannot insert multiple commands/);
    const viaCopy = "select 1 as a) TO STDOUT; COMMIT; INSERT INTO victim VALUES ('pwned'); COPY (select 1";
    await failure(load(viaCopy, 'inj'));
    expect(await victimRows()).toBe(0);
  });

  it('COPY, SHOW and DDL as a query fail as SOURCE_FORMAT with the server’s words, never crash', async () => {
    for (const query of [
      'copy victim to stdout',
      'COPY (select 1) TO STDOUT;',
      'show TimeZone',
      'create table t2 (x int)',
    ]) {
      for (const preview of [{ rows: 10 }, undefined]) {
        const error = await failure(
          openSource({ kind: 'postgres', connection: sourceUrl, query }, preview ? { preview } : {}),
        );
        expect(error.code, query).toBe('SOURCE_FORMAT');
        expect(error.message).toMatch(/one statement that returns rows .*: syntax error at or near/);
      }
    }
    expect((await failure(load('copy (select 1) to stdout', 'qx'))).code).toBe('SOURCE_FORMAT');
    // A SELECT with a mistake past its first word is a syntax error, said with where it is.
    const typo = await failure(
      openSource({ kind: 'postgres', connection: sourceUrl, query: 'select id, name fro items' }),
    );
    expect(typo.code).toBe('SOURCE_FORMAT');
    expect(typo.message).toMatch(
      /: the query has a syntax error: syntax error at or near "items" \(character 21 of the query\)$/,
    );
    // What the fallback to reading the query as written is for: a write the server refuses, saying so.
    const write = await failure(load("INSERT INTO victim VALUES ('x') RETURNING *", 'w'));
    expect(write).toMatchObject({ code: 'SOURCE_UNREADABLE' });
    expect(write.message).toMatch(/read-only transaction/);
    const missing = await failure(load('select * from no_such_table', 'w'));
    expect(missing).toMatchObject({ code: 'SOURCE_UNREADABLE' });
    expect(missing.message).toMatch(/does not exist/);
    expect(await victimRows()).toBe(0);
    // A plain query (with a trailing semicolon) still loads.
    const ok = await load('select id, name from items order by id desc;', 'items_copy');
    expect(ok.counts).toMatchObject({ read: 2, inserted: 2 });
  });
});

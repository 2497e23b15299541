import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { runOptions } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { withoutTrailingComments } from './postgres-source.ts';
import { sqlAsciiDatabase } from './test-sql-ascii.ts';

// A query is read as a subquery, `SELECT * FROM (<query>) AS q` (COPY, a LIMIT-ed preview, a watermark
// pushed down); one that cannot be was read as written through a cursor. A query copied from a .sql
// file, `select … from orders; -- nightly`, was one of those: it is now read as a subquery without
// its last `;` and the comments after it. On a SQL_ASCII database the cursor read the bytes as the
// driver decodes them (each one that is not UTF-8 replaced by U+FFFD without a word, `source.encoding`
// not applied): such a query is refused there instead.

const BIG = 200_000;
let url = '';
let asciiUrl = '';
let admin: pg.Client;
let store: RunStore;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'pg_unwrapped_query');
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE TABLE big AS SELECT g FROM generate_series(1, ${BIG}) g`);
  asciiUrl = await sqlAsciiDatabase(inject('pgUrl'), 'loadstone_test_unwrapped_sql_ascii');
  const ascii = new pg.Client({ connectionString: asciiUrl });
  await ascii.connect();
  try {
    await ascii.query(`CREATE TABLE people (id int PRIMARY KEY, name text);
      INSERT INTO people VALUES (1, 'plain'), (2, E'caf\\xe9');`);
  } finally {
    await ascii.end();
  }
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(async () => {
  store?.close();
  await admin?.end();
});

const sourceSessions = async () =>
  Number(
    (
      await admin.query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'loadstone source' AND datname = current_database()",
      )
    ).rows[0].n,
  );

describe('a PostgreSQL query ending in a semicolon and comments', () => {
  it('is what is left without its last semicolon and the comments after it', () => {
    expect(withoutTrailingComments('select 1; -- nightly')).toBe('select 1');
    expect(withoutTrailingComments('select 1; /* a */ ;\n-- b\n  ')).toBe('select 1');
    expect(withoutTrailingComments('select 1 -- a;')).toBe('select 1 -- a');
    // Not comments after it: as it was.
    expect(withoutTrailingComments('select 1; select 2')).toBe('select 1; select 2');
    expect(withoutTrailingComments('select 1 /* a; */')).toBe('select 1 /* a; */');
    expect(withoutTrailingComments("select '--' as x")).toBe("select '--' as x");
  });

  it('a preview of a huge one reads its sample and stops, the session ended', async () => {
    // Row 20,001 on would fail the read (division by zero): the preview must not get there.
    const shown = await preview(
      {
        source: {
          kind: 'postgres',
          connection: url,
          query: 'SELECT g, CASE WHEN g > 20000 THEN 1 / (g - g) ELSE g END AS x FROM big; -- nightly',
        },
        target: { connection: url, table: 'unused' },
      },
      { limit: 50 },
    );
    expect(shown.rows).toHaveLength(50);
    expect(shown.sampleSize).toBe(10_000);
    expect(shown.counts.wholeFile).toBe(false);
    expect(await sourceSessions()).toBe(0);
  });

  it('on a SQL_ASCII database is read through COPY: bytes that are not UTF-8 are said, an encoding applies', async () => {
    const load = (table: string, extra: Record<string, unknown>) =>
      runLoad(
        {
          source: {
            kind: 'postgres',
            connection: asciiUrl,
            query: 'SELECT * FROM people;  -- legacy',
            ...extra,
          },
          target: { connection: url, table },
          settings: { maxErrorRate: 1 },
        } as never,
        runOptions(store),
      );
    // Before: 'caf\uFFFD' loaded as if it were fine.
    const utf8 = await load('people_utf8', {});
    expect(utf8.error ?? null).toBeNull();
    expect(utf8.counts).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    expect(store.reports.page(utf8.runId).rows[0]!.errors[0]).toMatchObject({
      column: 'name',
      reason: 'invalid_encoding',
    });
    // Before: 'caf\uFFFD' too, the encoding not applied.
    const latin1 = await load('people_latin1', { encoding: 'latin1' });
    expect(latin1.counts).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    const names = await admin.query('SELECT name FROM people_latin1 ORDER BY id');
    expect(names.rows.map((r) => r.name)).toEqual(['plain', 'café']);
  });

  it('on a SQL_ASCII database a query that cannot be a subquery is refused, not read changed', async () => {
    await expect(
      preview({
        source: {
          kind: 'postgres',
          connection: asciiUrl,
          query: 'WITH gone AS (DELETE FROM people RETURNING *) SELECT * FROM gone',
        },
        target: { connection: url, table: 'unused' },
      }),
    ).rejects.toMatchObject({
      code: 'SOURCE_FORMAT',
      message: expect.stringContaining(
        'the database is SQL_ASCII, whose bytes are read through COPY as SELECT * FROM (<query>) AS q, and the query cannot be read as a subquery: WITH clause containing a data-modifying statement must be at the top level',
      ),
    });
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../open-source.ts';
import type { OpenSourceOptions, SourceRow } from '../types.ts';
import { connectMysql } from './mysql-connection.ts';
import { startRowQueue } from './mysql-row-queue.ts';
import { resolveMysqlUrl } from './mysql-url.ts';
import { mysqlTestBed } from './test-bed.ts';

// Started at collection: a server that cannot be had skips this file's tests, with the reason printed.
const bed = await mysqlTestBed('query_safety', {
  setup: async (my) => {
    await my.query(`CREATE TABLE victim (x INT); INSERT INTO victim VALUES (1);
      CREATE TABLE ev (id INT PRIMARY KEY, at TIMESTAMP(6) NULL, n INT);
      INSERT INTO ev VALUES (1, '2024-01-01 00:00:01', 10), (2, '2024-01-01 00:00:02', 20);
      CREATE TABLE written_by_function (x INT);`);
    await my.query(
      'CREATE FUNCTION writer() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO written_by_function VALUES (1); RETURN 1; END',
    );
  },
});

/** Opens the query as preview and load do (the incremental mark too, when given) and reads it all. */
async function readQuery(query: string, opts: OpenSourceOptions = {}): Promise<unknown[][]> {
  const source = await openSource({ kind: 'mysql', connection: bed.myUrl, query }, opts);
  const rows: SourceRow[] = [];
  try {
    for await (const batch of source.rows()) rows.push(...batch);
  } finally {
    await source.close();
  }
  return rows.map((r) => r.values);
}

const mark = (after: string, column: string): OpenSourceOptions => ({
  incremental: { after, sourceColumn: (cols) => (cols.includes(column) ? column : undefined) },
});

const NOT_A_QUERY = {
  code: 'SOURCE_FORMAT',
  message: expect.stringMatching(/query: the query must be a single SELECT .*\(server: .*SQL syntax/s),
};

async function tableExists(name: string): Promise<boolean> {
  const [rows] = await bed.my.query('SHOW TABLES LIKE ?', [name]);
  return (rows as unknown[]).length > 0;
}

async function maxConnections(): Promise<string> {
  const [rows] = await bed.my.query("SHOW VARIABLES LIKE 'max_connections'");
  return (rows as { Value: string }[])[0]!.Value;
}

describe.skipIf(bed.server === null)('MySQL source: only a query is read (real MariaDB)', () => {
  it('a statement without a result set fails as SOURCE_FORMAT, not with a TypeError', async () => {
    const config = resolveMysqlUrl(bed.myUrl, {});
    const conn = await connectMysql(config, 'src', undefined);
    try {
      for (const sql of ['DO 1', 'SET @x = 1']) {
        await expect(startRowQueue(conn, sql, [], 'src', 10)).rejects.toMatchObject({
          code: 'SOURCE_FORMAT',
          message: 'src: the statement returns no result set (no columns to load)',
        });
      }
    } finally {
      conn.destroy();
    }
  });

  it('DDL as --query is refused by the server, in preview, load and an incremental load alike', async () => {
    for (const opts of [{}, mark('0', 'x')]) {
      await expect(readQuery('drop table victim', opts)).rejects.toMatchObject(NOT_A_QUERY);
      await expect(readQuery('create table made_by_preview (x int)', opts)).rejects.toMatchObject(
        NOT_A_QUERY,
      );
      await expect(readQuery('truncate table victim;', opts)).rejects.toMatchObject(NOT_A_QUERY);
    }
    expect(await tableExists('victim')).toBe(true);
    expect(await tableExists('made_by_preview')).toBe(false);
    const [rows] = await bed.my.query('SELECT COUNT(*) AS n FROM victim');
    expect((rows as { n: number }[])[0]!.n).toBe(1);
  });

  it('server commands are refused: SET GLOBAL, SELECT … INTO OUTFILE, CALL, a second statement', async () => {
    const before = await maxConnections();
    const outfile = bed.server?.dir
      ? path.join(bed.server.dir, 'outfile.txt')
      : '/tmp/loadstone-never-written.txt';
    try {
      await expect(readQuery('SET GLOBAL max_connections = 7')).rejects.toMatchObject(NOT_A_QUERY);
      await expect(readQuery(`SELECT x FROM victim INTO OUTFILE '${outfile}'`)).rejects.toMatchObject(
        NOT_A_QUERY,
      );
      await expect(readQuery("SELECT 1 AS a INTO DUMPFILE '/tmp/x'", mark('0', 'a'))).rejects.toMatchObject(
        NOT_A_QUERY,
      );
      await expect(readQuery('CALL nothing()')).rejects.toMatchObject(NOT_A_QUERY);
      await expect(readQuery('SELECT 1 AS a; DROP TABLE victim')).rejects.toMatchObject(NOT_A_QUERY);
      // Closing the derived table from inside: what follows it is then not a statement.
      await expect(readQuery(`SELECT 1 AS a) AS q INTO OUTFILE '${outfile}' /*`)).rejects.toMatchObject(
        NOT_A_QUERY,
      );
      await expect(readQuery(`SELECT 1 AS a) AS q INTO OUTFILE '${outfile}' -- `)).rejects.toMatchObject(
        NOT_A_QUERY,
      );
    } finally {
      const after = await maxConnections();
      if (after !== before) await bed.my.query(`SET GLOBAL max_connections = ${Number(before)}`);
      expect(after).toBe(before);
    }
    expect(fs.existsSync(outfile)).toBe(false);
    expect(await tableExists('victim')).toBe(true);
  });

  it('a SELECT calling a function that writes is refused by the read-only transaction', async () => {
    await expect(readQuery('SELECT writer() AS w')).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE',
      message: /READ ONLY|read.only/i,
    });
    const [rows] = await bed.my.query('SELECT COUNT(*) AS n FROM written_by_function');
    expect((rows as { n: number }[])[0]!.n).toBe(0);
  });

  it('reads any single query: WITH (recursive too), VALUES, UNION, a trailing comment or semicolon', async () => {
    expect(await readQuery('WITH a AS (SELECT x FROM victim) SELECT x, x + 1 AS y FROM a')).toEqual([[1, 2]]);
    expect(
      await readQuery(
        'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n ORDER BY i',
      ),
    ).toEqual([[1], [2], [3]]);
    expect(await readQuery('VALUES (1), (2)')).toEqual([[1], [2]]);
    expect(await readQuery('(SELECT 1 AS a) UNION ALL (SELECT 2)')).toEqual([[1], [2]]);
    expect(await readQuery('SELECT x FROM victim -- the victim\n')).toEqual([[1]]);
    expect(await readQuery('SELECT x FROM victim # the victim')).toEqual([[1]]);
    expect(await readQuery('SELECT x FROM victim ;; \n ')).toEqual([[1]]);
    // An incremental read of a WITH query, pushed down around it: the row at the mark and the newer one.
    expect(
      await readQuery(
        'WITH e AS (SELECT id, at FROM ev) SELECT id, at FROM e',
        mark('2024-01-01 00:00:01Z', 'at'),
      ),
    ).toEqual([
      [1, '2024-01-01T00:00:01.000000Z'],
      [2, '2024-01-01T00:00:02.000000Z'],
    ]);
  });

  it('two result columns of one name are refused with a message that says so', async () => {
    for (const query of [
      'SELECT 1 AS a, 2 AS a',
      'SELECT 1, 1',
      'SELECT v.x, victim.x FROM victim v, victim',
    ]) {
      await expect(readQuery(query)).rejects.toMatchObject({
        code: 'SOURCE_FORMAT',
        message: expect.stringMatching(/two columns of the same name.*\(server: Duplicate column name/),
      });
    }
  });
});

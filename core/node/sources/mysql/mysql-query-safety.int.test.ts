import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql } from './mysql-connection.ts';
import { startRowQueue } from './mysql-row-queue.ts';
import { resolveMysqlUrl } from './mysql-url.ts';
import { createMysqlTestDatabase, mysqlServerForTests } from './test-server.ts';

// Started at collection: a server that cannot be had skips this file's tests, with the reason printed.
const { server, skip } = await mysqlServerForTests();

let myUrl = '';
let my: mysql.Connection;

describe.skipIf(server === null)(
  'MySQL / MariaDB source: statements that are not a query (real MariaDB)',
  () => {
    beforeAll(async () => {
      if (!server) throw new Error(skip ?? 'no server');
      myUrl = await createMysqlTestDatabase(server.url, 'query_safety');
      my = await mysql.createConnection({ uri: myUrl, multipleStatements: true });
    });
    afterAll(async () => {
      await my?.end();
      await server?.stop();
    });

    it('a statement without a result set fails as SOURCE_FORMAT, not with a TypeError', async () => {
      const config = resolveMysqlUrl(myUrl, {});
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
  },
);

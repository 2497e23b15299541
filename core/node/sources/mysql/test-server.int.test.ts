import fs from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { createMysqlTestDatabase, mysqlServerForTests, startMysqlTestServer } from './test-server.ts';

// Started at collection: a server that cannot be had skips this file's tests, with the reason printed.
const { server } = await mysqlServerForTests();

describe.skipIf(server === null)('MariaDB test server', () => {
  afterAll(async () => {
    await server?.stop();
  });

  it('answers on loopback with its own user and database, in utf8mb4', async () => {
    const url = await createMysqlTestDatabase(server!.url, 'server_check');
    const conn = await mysql.createConnection(url);
    try {
      const [rows] = await conn.query(
        'SELECT DATABASE() AS db, @@character_set_server AS cs, VERSION() AS v',
      );
      const row = (rows as { db: string; cs: string; v: string }[])[0]!;
      expect(row.db).toBe('loadstone_test_server_check');
      expect(row.cs).toBe('utf8mb4');
      expect(row.v).toMatch(/MariaDB/);
    } finally {
      await conn.end();
    }
  });

  // An external server (LOADSTONE_TEST_MYSQL_URL) is not ours to stop.
  it.skipIf(Boolean(process.env.LOADSTONE_TEST_MYSQL_URL))(
    'is gone, folder and all, once stopped',
    async () => {
      const own = await startMysqlTestServer();
      const port = Number(new URL(own.url).port);
      expect(own.dir && fs.existsSync(own.dir)).toBe(true);
      await own.stop();
      expect(fs.existsSync(own.dir!)).toBe(false);
      await expect(mysql.createConnection({ host: '127.0.0.1', port, user: 'x' })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
    },
  );
});

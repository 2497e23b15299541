import fs from 'node:fs';
import os from 'node:os';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMysqlTestDatabase,
  type MysqlTestServer,
  mysqlTestServerUnavailable,
  startMysqlTestServer,
} from './test-server.ts';

const unavailable = mysqlTestServerUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable !== null)('MariaDB test server', () => {
  let server: MysqlTestServer;
  beforeAll(async () => {
    server = await startMysqlTestServer();
    console.info(`MariaDB test server started in ${server.startMs} ms`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers on loopback with its own user and database, in utf8mb4', async () => {
    const url = await createMysqlTestDatabase(server.url, 'server_check');
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

  it('is gone, folder and all, once stopped', async () => {
    const own = await startMysqlTestServer();
    const port = Number(new URL(own.url).port);
    const folders = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('loadstone-mytest-'));
    const before = folders().length;
    await own.stop();
    expect(folders().length).toBe(before - 1);
    await expect(mysql.createConnection({ host: '127.0.0.1', port, user: 'x' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});

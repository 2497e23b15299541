import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.ts';
import { runCli } from '../../cli/test-support.ts';
import { inspectSource, preview } from '../../preview/preview.ts';
import { sourceConnections } from '../../runs/source-connections.ts';
import { openStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { listMysqlTables } from './mysql-tables.ts';
import { mysqlTestBed } from './test-bed.ts';

// Started at collection: a server that cannot be had skips this file's tests, with the reason printed.
const bed = await mysqlTestBed('connections', {
  target: true,
  setup: (my) =>
    my.query(`CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(40), born DATE);
      INSERT INTO customers VALUES (1, 'Zoë', '1990-01-02'), (2, 'Ōtake', '0000-00-00');`),
});

let bare = '';
let myPassword = '';

describe.skipIf(bed.server === null)('saved MySQL connections (real MariaDB)', () => {
  beforeAll(() => {
    const u = new URL(bed.myUrl);
    myPassword = decodeURIComponent(u.password);
    u.password = '';
    bare = u.toString();
  });

  it('saves the password encrypted, resolves it for a source only, and never shows it', () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    try {
      const info = store.connections.save({ name: 'shop', url: bed.myUrl });
      expect(info).toMatchObject({ kind: 'mysql', hasSecret: true, port: Number(new URL(bed.myUrl).port) });
      expect(store.connections.displayUrl(info)).toBe(bare.replace(/\/$/, ''));
      const config = store.connections.resolveMysql('shop', { env: {} });
      expect(config).toMatchObject({ user: 'loadstone', password: myPassword, label: 'shop' });
      expect(JSON.stringify(config)).not.toContain(myPassword);
      expect(() => store.connections.resolve('shop', { env: {} })).toThrow(/MySQL connection/);
      store.connections.save({ name: 'wh', url: 'postgres://bob@example.com/db' });
      expect(() => store.connections.resolveMysql('wh', { env: {} })).toThrow(/PostgreSQL connection/);
    } finally {
      store.close();
    }
    for (const f of fs.readdirSync(dir)) {
      const full = path.join(dir, f);
      if (fs.statSync(full).isFile())
        expect(fs.readFileSync(full).includes(Buffer.from(myPassword))).toBe(false);
    }
  });

  it('previews a table of a saved MySQL connection: first rows, the zero date a rejected cell', async () => {
    const store = openStore(tempDir(), { secretStore: testSecretStore() });
    try {
      store.connections.save({ name: 'shop', url: bed.myUrl });
      const result = await preview(
        {
          source: { kind: 'mysql', connection: 'shop', table: 'customers' },
          columns: [{ source: 'born', type: 'date' }],
        },
        { limit: 10, connections: sourceConnections(store, {}) },
      );
      expect(result.format.kind).toBe('mysql');
      const inspected = await inspectSource(
        { kind: 'mysql', connection: 'shop', table: 'customers' },
        { connections: sourceConnections(store, {}) },
      );
      expect(inspected).toMatchObject({ columns: ['id', 'name', 'born'], sizeBytes: null });
      expect(result.rows).toHaveLength(2);
      expect(result.rows[1]!.errors?.map((e) => e.reason)).toEqual(['zero_date']);
      // The wizard's table list: the connection's database, tables and views, row estimates.
      const config = store.connections.resolveMysql('shop', { env: {} });
      const database = new URL(bed.myUrl).pathname.slice(1);
      const my = await mysql.createConnection({ uri: bed.myUrl });
      await my.query('CREATE OR REPLACE VIEW adults AS SELECT id FROM customers');
      await my.query('ANALYZE TABLE customers');
      await my.end();
      const tables = await listMysqlTables(config);
      expect(tables).toEqual([
        { schema: database, name: 'adults', view: true, rows: null },
        { schema: database, name: 'customers', view: false, rows: 2 },
      ]);
      expect(JSON.stringify(result)).not.toContain(myPassword);
      await expect(
        preview({ source: { kind: 'mysql', connection: 'shop', table: 'customers' } }),
      ).rejects.toMatchObject({ code: 'BAD_USAGE', message: /give a mysql:\/\/ URL/ });
    } finally {
      store.close();
    }
  });

  it('CLI: add --kind mysql, test (exit 4 when refused), and a load from a saved MySQL connection', async () => {
    const dir = tempDir();
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      runCli(args, { cwd: dir, dataDir: dir, env: { PGPASSFILE: path.join(dir, 'none'), ...env } });

    const withPassword = await cli(['connections', 'add', '--kind', 'mysql', 'shop', bed.myUrl]);
    expect(withPassword.code).toBe(EXIT.failure);
    expect(withPassword.err).toContain('MYSQL_PWD');
    expect(withPassword.err).not.toContain(myPassword);
    const added = await cli(['connections', 'add', '--kind', 'mysql', 'shop', bare]);
    expect(added).toMatchObject({ code: EXIT.ok, err: '' });
    expect(added.out).toContain(`Saved connection 'shop': mysql://loadstone@127.0.0.1:`);
    expect((await cli(['connections', 'add', '--kind', 'mysql', 'x', 'postgres://h/db'])).code).toBe(
      EXIT.usage,
    );

    const tested = await cli(['connections', 'test', 'shop'], { MYSQL_PWD: myPassword });
    expect(tested).toMatchObject({ code: EXIT.ok });
    expect(tested.out).toMatch(/^MariaDB 10\.\d+\.\d+, not encrypted\n$/);
    const refused = await cli(['connections', 'test', 'shop'], { MYSQL_PWD: 'not-it-42' });
    expect(refused.code).toBe(EXIT.target);
    expect(refused.err).toContain('shop: the server refused the login');
    expect(refused.err).not.toContain('not-it-42');
    const closed = new URL(bare);
    closed.port = '1';
    expect((await cli(['connections', 'test', closed.toString()])).code).toBe(EXIT.target);

    fs.writeFileSync(
      path.join(dir, 'job.json'),
      JSON.stringify({
        source: { kind: 'mysql', connection: 'shop', table: 'customers' },
        // Until inference takes the source's declared types, the date type is said here.
        columns: [{ source: 'born', type: 'date' }],
        settings: { maxErrorRate: 0.6 },
      }),
    );
    const loaded = await cli(
      ['load', '--spec', 'job.json', '--target', bed.pgUrl, '--table', 'customers', '--json'],
      { MYSQL_PWD: myPassword },
    );
    expect(loaded.code).toBe(EXIT.ok);
    const result = JSON.parse(loaded.out);
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(loaded.out).not.toContain(myPassword);
    const rows = await bed.client.query('SELECT id, name, born::text FROM customers ORDER BY id');
    expect(rows.rows).toEqual([{ id: 1, name: 'Zoë', born: '1990-01-02' }]);
    const errors = await cli(['errors', 'last']);
    expect(errors.out).toContain('key id=2');
    expect(errors.out).toContain('zero_date');

    // --source-connection NAME takes the saved connection's kind: a MySQL one is read as MySQL.
    const byFlag = await cli(
      [
        'load',
        '--source-connection',
        'shop',
        '--source-table',
        'customers',
        '--max-error-rate',
        '0.6',
        '--target',
        bed.pgUrl,
        '--table',
        'customers_by_flag',
        '--json',
      ],
      { MYSQL_PWD: myPassword },
    );
    expect(byFlag.err).toBe('');
    expect(JSON.parse(byFlag.out)).toMatchObject({ status: 'succeeded', inserted: 1, rejected: 1 });
    const preview = await cli(['preview', '--source-connection', 'shop', '--source-table', 'customers'], {
      MYSQL_PWD: myPassword,
    });
    expect(preview.code).toBe(EXIT.ok);
    expect(preview.out).toContain('Ōtake');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { sqlAsciiDatabase } from '../sources/postgres/test-sql-ascii.ts';
import { runCli } from './test-support.ts';

// A SQL_ASCII database's text bytes could be said to be Windows-1252 only in a job spec
// (`source.encoding`): `--encoding` is a file's, and refused with a database. `--source-encoding`
// says it for `preview` and `load`.

const dir = mkdtempSync(join(tmpdir(), 'loadstone-source-encoding-'));
let asciiUrl = '';
let utf8Url = '';
let targetUrl = '';
let dst: pg.Client;

const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LOADSTONE_HOME: join(dir, 'data') } });

beforeAll(async () => {
  asciiUrl = await sqlAsciiDatabase(inject('pgUrl'), 'loadstone_test_cli_sql_ascii');
  const src = new pg.Client({ connectionString: asciiUrl });
  await src.connect();
  try {
    await src.query(`CREATE TABLE people (id int PRIMARY KEY, name text);
      INSERT INTO people VALUES (1, 'plain'), (2, E'caf\\xe9'), (3, E'\\x80 price');`);
  } finally {
    await src.end();
  }
  utf8Url = await createTestDatabase(inject('pgUrl'), 'cli_source_encoding_utf8');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'cli_source_encoding_target');
  dst = new pg.Client({ connectionString: targetUrl });
  await dst.connect();
  const db = new Database(join(dir, 'crm.db'));
  db.exec(
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');",
  );
  db.close();
  writeFileSync(join(dir, 'people.csv'), 'id,name\n1,Ada\n');
});
afterAll(async () => {
  await dst?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('--source-encoding', () => {
  it('preview and load read a SQL_ASCII database as the encoding named', async () => {
    const p = await cli([
      'preview',
      asciiUrl,
      '--source-table',
      'people',
      '--source-encoding',
      'windows-1252',
      '--json',
    ]);
    expect(p.err).toBe('');
    const shown = JSON.parse(p.out);
    expect(shown.format.encoding).toBe('windows-1252');
    expect(shown.rows.map((r: { raw: unknown }) => r.raw)).toEqual([
      { id: 1, name: 'plain' },
      { id: 2, name: 'café' },
      { id: 3, name: '€ price' },
    ]);
    expect(shown.rejectedRows).toBe(0);

    const load = await cli([
      'load',
      asciiUrl,
      '--source-table',
      'people',
      '--source-encoding',
      'latin1',
      '--table',
      'people_1252',
      '--target',
      targetUrl,
      '--json',
    ]);
    expect(load.err).toBe('');
    expect(JSON.parse(load.out)).toMatchObject({
      status: 'succeeded',
      rowsRead: 3,
      inserted: 3,
      rejected: 0,
    });
    const rows = await dst.query('SELECT id, name FROM people_1252 ORDER BY id');
    expect(rows.rows.map((r) => r.name)).toEqual(['plain', 'café', '€ price']);
  });

  it('without it the bytes are read as UTF-8 and the rows holding others are rejected', async () => {
    const load = await cli([
      'load',
      asciiUrl,
      '--source-table',
      'people',
      '--table',
      'people_utf8',
      '--target',
      targetUrl,
      '--max-error-rate',
      '1',
      '--json',
    ]);
    const run = JSON.parse(load.out);
    expect(run).toMatchObject({ status: 'succeeded', inserted: 1, rejected: 2 });
    // The report names the column the bytes were in: errors --column finds them (it showed '(row)').
    const errors = await cli(['errors', run.runId, '--column', 'name']);
    expect(errors.code).toBe(0);
    expect(errors.out).toContain('invalid_encoding');
    expect(errors.out).not.toContain('(row)');
    expect((await cli(['errors', run.runId, '--column', 'name', '--json'])).out).toContain('"column":"name"');
  });

  it('an unknown name, and a source it does not apply to, are usage errors saying why', async () => {
    const unknown = await cli([
      'preview',
      asciiUrl,
      '--source-table',
      'people',
      '--source-encoding',
      'cp1252',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(
      "--source-encoding must be one of utf-8, windows-1252, latin1, got 'cp1252'",
    );
    // An encoding only a file can have.
    const utf16 = await cli([
      'preview',
      asciiUrl,
      '--source-table',
      'people',
      '--source-encoding',
      'utf-16le',
    ]);
    expect(utf16.code).toBe(2);

    const sqlite = await cli([
      'preview',
      'crm.db',
      '--source-table',
      'customers',
      '--source-encoding',
      'latin1',
    ]);
    expect(sqlite.code).toBe(2);
    expect(sqlite.err).toContain('--source-encoding applies only to a PostgreSQL source');
    const mysql = await cli([
      'preview',
      'mysql://app@127.0.0.1:1/shop',
      '--source-table',
      'orders',
      '--source-encoding',
      'latin1',
    ]);
    expect(mysql.code).toBe(2);
    expect(mysql.err).toContain('not to a mysql database: MySQL sends its text as utf8mb4');
    const file = await cli(['preview', 'people.csv', '--source-encoding', 'latin1']);
    expect(file.code).toBe(2);
    expect(file.err).toContain("a file's encoding is --encoding");
    const api = await cli(['preview', '--url', 'http://127.0.0.1:1/items', '--source-encoding', 'latin1']);
    expect(api.code).toBe(2);
    expect(api.err).toContain('--source-encoding is for a PostgreSQL database source');

    // The file's flag with a database says which flag to use (it stays a file's: pinned).
    const fileFlag = await cli(['preview', asciiUrl, '--source-table', 'people', '--encoding', 'latin1']);
    expect(fileFlag.code).toBe(2);
    expect(fileFlag.err).toContain(
      "--encoding applies only to a file source, not to a postgres database (a SQL_ASCII database's bytes: --source-encoding)",
    );
  });

  it('a database the server converts (UTF8) takes no other encoding', async () => {
    const r = await cli([
      'preview',
      utf8Url,
      '--query',
      'select 1 as x',
      '--source-encoding',
      'windows-1252',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("source.encoding 'windows-1252' is for a SQL_ASCII database");
  });
});

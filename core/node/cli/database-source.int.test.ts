import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { runCli } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadstone-db-cli-'));
const dataDir = join(dir, 'data');
let sourceUrl = '';
let targetUrl = '';
let password = '';
let src: pg.Client;
let dst: pg.Client;

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: dir, env: { LOADSTONE_HOME: dataDir, ...env } });
}

beforeAll(async () => {
  sourceUrl = await createTestDatabase(inject('pgUrl'), 'cli_db_from');
  targetUrl = await createTestDatabase(inject('pgUrl'), 'cli_db_to');
  password = decodeURIComponent(new URL(sourceUrl).password);
  src = new pg.Client({ connectionString: sourceUrl });
  dst = new pg.Client({ connectionString: targetUrl });
  await src.connect();
  await dst.connect();
  await src.query(`CREATE SCHEMA app;
    CREATE TABLE app.orders (id int PRIMARY KEY, created_at timestamptz, total numeric(12,2));
    INSERT INTO app.orders SELECT g, timestamptz '2024-01-01' + g * interval '1 hour', g * 10.5 FROM generate_series(1, 30) g;`);
  const db = new Database(join(dir, 'crm.db'));
  db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, visits INTEGER);
    INSERT INTO customers VALUES (1, 'Ada', 3), (2, 'Bob', 'many'), (3, 'Cy', 0);`);
  db.close();
});
afterAll(async () => {
  await src?.end();
  await dst?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('database sources on the command line (pinned forms)', () => {
  it('loadstone load crm.db --source-table customers --table crm_customers', async () => {
    const r = await cli([
      'load',
      'crm.db',
      '--source-table',
      'customers',
      '--table',
      'crm_customers',
      '--target',
      targetUrl,
      '--max-error-rate',
      '0.5',
      '--json',
    ]);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ status: 'succeeded', rowsRead: 3, inserted: 2, rejected: 1 });
    const errors = await cli(['errors', out.runId, '--json']);
    expect(errors.out).toContain('invalid_integer');
    expect(errors.out).toContain('"id":"2"');
  });

  it('loadstone load postgres://… --query … --mode upsert --key id, and a preview of a table by saved connection', async () => {
    const query =
      "select * from app.orders where created_at > timestamptz '2024-01-01' + interval '20 hours'";
    await dst.query('CREATE TABLE orders (id int PRIMARY KEY, created_at timestamptz, total numeric)');
    const r = await cli([
      'load',
      sourceUrl,
      '--query',
      query,
      '--table',
      'orders',
      '--mode',
      'upsert',
      '--key',
      'id',
      '--target',
      targetUrl,
      '--json',
    ]);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ status: 'succeeded', rowsRead: 10, inserted: 10 });
    expect(r.out).not.toContain(password);
    const sum = await dst.query('SELECT sum(total)::text AS s FROM orders');
    expect(sum.rows[0].s).toBe('2677.50'); // numeric(12,2) keeps its scale

    const u = new URL(sourceUrl);
    u.password = '';
    expect((await cli(['connections', 'add', 'replica', u.toString()])).code).toBe(0);
    const p = await cli(
      ['preview', '--source-connection', 'replica', '--source-table', 'app.orders', '--limit', '3', '--json'],
      { PGPASSWORD: password },
    );
    expect(p.err).toBe('');
    const preview = JSON.parse(p.out);
    expect(preview.format.kind).toBe('postgres');
    expect(preview.columns.map((c: { type: string }) => c.type)).toEqual([
      'integer',
      'timestamptz',
      'numeric',
    ]);
    expect(preview.rows).toHaveLength(3);
  });

  it('bad usage is named: no table or query, both, file flags on a database, table flags on a file', async () => {
    const none = await cli(['preview', 'crm.db']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('needs --source-table');
    const both = await cli(['preview', 'crm.db', '--source-table', 'customers', '--query', 'select 1']);
    expect(both.err).toContain('either --source-table or --query');
    const format = await cli(['preview', sourceUrl, '--query', 'select 1', '--delimiter', ';']);
    expect(format.err).toContain('--delimiter applies only to a file source');
    expect(format.err).not.toContain(password);
  });
});

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NormalizedValue } from '../../common/types.ts';
import { connectTarget } from '../pg/connect.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { checkCompatibility } from './compatibility.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, openClient, rowsFrom } from './test-support.ts';
import type { LoadColumn } from './types.ts';

let url: string;
let client: pg.Client;
let reader: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'load_target');
  client = await openClient(url);
  reader = await openClient(url);
});
afterAll(async () => {
  await client?.end();
  await reader?.end();
});

describe('compatibility', () => {
  const spec: LoadColumn[] = [
    { name: 'id', type: 'bigint' },
    { name: 'amount', type: 'numeric' },
    { name: 'qty', type: 'integer' },
    { name: 'note', type: 'text' },
    { name: 'seen', type: 'date' },
    { name: 'fresh', type: 'text' },
  ];

  it('lists every missing, extra and incompatible column before anything moves', async () => {
    await client.query(`CREATE TABLE compat (
      id int8 PRIMARY KEY, amount integer, qty int2, note varchar(20), seen timestamptz,
      comment text, created timestamptz NOT NULL DEFAULT now(), owner text NOT NULL)`);
    const report = await checkCompatibility(client, 'compat', spec, { mode: 'upsert', key: ['id'] });
    expect(report).toEqual({
      table: { schema: 'public', name: 'compat' },
      exists: true,
      missing: [{ column: 'fresh', type: 'text' }],
      extra: [
        { column: 'comment', type: 'text', nullable: true, hasDefault: false },
        { column: 'created', type: 'timestamp with time zone', nullable: false, hasDefault: true },
        { column: 'owner', type: 'text', nullable: false, hasDefault: false },
      ],
      incompatible: [
        {
          column: 'amount',
          tableType: 'integer',
          specType: 'numeric',
          reason: 'a numeric value cannot be stored in integer without changing it',
        },
        {
          column: 'owner',
          tableType: 'text',
          specType: null,
          reason: 'NOT NULL without a default, and the source does not provide it',
        },
      ],
      problems: [],
      fixes: [],
      ddl: [],
      ok: false,
    });
    const values: NormalizedValue[][] = [[1, '1.5', 1, 'n', '2024-01-01', 'f']];
    const { input } = inputFor(client, 'compat', spec, batchesOf(rowsFrom(spec, values)), {
      mode: 'upsert',
      key: ['id'],
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringMatching(
        /missing column: fresh \(text\)[\s\S]*column amount \(integer\)[\s\S]*column owner \(text\)/,
      ),
    });
    expect((await reader.query('SELECT count(*)::int AS n FROM compat')).rows[0].n).toBe(0);
  });

  it('reports a table that does not exist, and a schema that does not exist', async () => {
    expect(await checkCompatibility(client, 'nowhere', spec)).toMatchObject({
      exists: false,
      ok: true,
      problems: [],
    });
    const r = await checkCompatibility(client, 'no_such_schema.t', spec);
    expect(r).toMatchObject({ exists: false, ok: false });
    expect(r.problems[0]).toContain('schema no_such_schema does not exist');
    const { input } = inputFor(client, 'no_such_schema.t', spec, batchesOf([]));
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({ code: 'TARGET_INCOMPATIBLE' });
  });

  it('addMissingColumns adds the missing columns and says so', async () => {
    const cols: LoadColumn[] = [
      { name: 'id', type: 'integer' },
      { name: 'a', type: 'text' },
      { name: 'b', type: 'jsonb' },
    ];
    await client.query('CREATE TABLE grow (id integer)');
    const rows = rowsFrom(cols, [[1, 'x', { k: 1 }]]);
    const refused = inputFor(client, 'grow', cols, batchesOf(rows));
    await expect(loadIntoPostgres(refused.input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining(
        'missing columns: a (text), b (jsonb) (set addMissingColumns to add them)',
      ),
    });
    const { input } = inputFor(client, 'grow', cols, batchesOf(rows), { addMissingColumns: true });
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 1, addedColumns: ['a', 'b'] });
    expect((await reader.query('SELECT * FROM grow')).rows).toEqual([{ id: 1, a: 'x', b: { k: 1 } }]);
  });
});

describe('hostile identifiers', () => {
  const evilTable = 'x"; drop table victim; --';
  const cols: LoadColumn[] = [
    { name: 'id"; drop table victim; --', type: 'integer' },
    { name: 'with space', type: 'text' },
    { name: 'Ünïcødé "quoted"', type: 'text' },
  ];

  it('cannot inject SQL through table, schema or column names, in any mode', async () => {
    await client.query('CREATE TABLE victim (id integer)');
    await client.query(`CREATE SCHEMA "we""ird sch.ema"`);
    // upsert first: it creates the table with the key as primary key, which the other modes keep.
    for (const mode of ['upsert', 'incremental', 'replace', 'append'] as const) {
      const table = `"we""ird sch.ema"."${evilTable.replaceAll('"', '""')}"`;
      const values: NormalizedValue[][] =
        mode === 'append'
          ? [[3, 'c', 'x']]
          : [
              [1, 'a b', 'q"u\'o'],
              [2, null, '✓'],
            ];
      const { input } = inputFor(client, table, cols, batchesOf(rowsFrom(cols, values)), {
        mode,
        key: [cols[0]!.name],
        watermark: { column: cols[0]!.name, after: null },
        duplicateKeys: mode === 'upsert' ? 'reject' : 'last',
      });
      const result = await loadIntoPostgres(input);
      expect(result.table).toEqual({ schema: 'we"ird sch.ema', name: evilTable });
      expect(result.rejected).toBe(0);
    }
    expect((await reader.query('SELECT count(*)::int AS n FROM victim')).rows[0].n).toBe(0);
    const stored = await reader.query(
      `SELECT * FROM "we""ird sch.ema"."${evilTable.replaceAll('"', '""')}" ORDER BY 1`,
    );
    expect(stored.rows).toEqual([
      { 'id"; drop table victim; --': 1, 'with space': 'a b', 'Ünïcødé "quoted"': 'q"u\'o' },
      { 'id"; drop table victim; --': 2, 'with space': null, 'Ünïcødé "quoted"': '✓' },
      { 'id"; drop table victim; --': 3, 'with space': 'c', 'Ünïcødé "quoted"': 'x' },
    ]);
    // Unquoted names fold to lower case like PostgreSQL's; quoted ones are exact.
    const folded = inputFor(client, 'Public.MixedCase', cols, batchesOf([]));
    expect((await loadIntoPostgres(folded.input)).table).toEqual({ schema: 'public', name: 'mixedcase' });
  });
});

describe('connections', () => {
  it('an unreachable server is TARGET_UNREACHABLE, never showing the password', async () => {
    const error = await connectTarget({
      host: '127.0.0.1',
      port: 1,
      user: 'u',
      password: 's3cret-pw',
      database: 'd',
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'TARGET_UNREACHABLE' });
    expect(error.message).toContain('postgresql://u@127.0.0.1:1/d');
    expect(JSON.stringify(error.toJSON())).not.toContain('s3cret-pw');
  });

  it('a refused password is TARGET_UNREACHABLE with the server message, the URL redacted', async () => {
    const bad = new URL(url);
    bad.password = 'wrong-pass-123';
    const error = await connectTarget({ connectionString: bad.toString() }).catch((e) => e);
    expect(error).toMatchObject({ code: 'TARGET_UNREACHABLE' });
    expect(error.message).toContain('password authentication failed');
    expect(error.message).not.toContain('wrong-pass-123');
  });
});

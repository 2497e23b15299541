import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NormalizedValue } from '../../common/types.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, openClient, rowsFrom } from './test-support.ts';
import type { LoadColumn } from './types.ts';

let client: pg.Client;
let reader: pg.Client;

beforeAll(async () => {
  const url = await createTestDatabase(inject('pgUrl'), 'load_isolation');
  client = await openClient(url);
  reader = await openClient(url);
  await client.query('CREATE TABLE parent (id integer PRIMARY KEY)');
  await client.query('INSERT INTO parent SELECT generate_series(1, 10)');
});
afterAll(async () => {
  await client?.end();
  await reader?.end();
});

const columns: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'code', type: 'text' },
  { name: 'amount', type: 'numeric' },
  { name: 'parent_id', type: 'integer' },
];

const TARGET_DDL = (name: string) => `CREATE TABLE ${name} (
  id integer PRIMARY KEY,
  code varchar(8) NOT NULL,
  amount numeric(5,2) CHECK (amount >= 0),
  parent_id integer REFERENCES parent (id))`;

/** 10,000 good rows (ids 1..10000) with bad rows spliced in at known positions. */
function withBadRows(): {
  values: NormalizedValue[][];
  bad: { line: number; sqlstate: string; column: string; value: string | null }[];
} {
  const values: NormalizedValue[][] = [];
  for (let i = 1; i <= 10_000; i++) values.push([i, `c${i % 1000}`, `${i % 999}.5`, (i % 10) + 1]);
  // [position in the final list, row, expected error]; positions spread over chunks, two in one chunk, one first.
  const inserts: [number, NormalizedValue[], string, string, string | null][] = [
    [0, [20_001, 'ok', '-1.00', 1], '23514', 'amount', '-1.00'], // CHECK
    [1500, [20_002, null, '1.00', 1], '23502', 'code', null], // NOT NULL
    [3000, [42, 'dup', '1.00', 1], '23505', 'id', '42'], // primary key, id 42 loaded earlier
    [3001, [20_004, 'fk', '1.00', 999], '23503', 'parent_id', '999'], // foreign key
    [6999, [20_005, 'waytoolongcode', '1.00', 1], '22001', 'code', 'waytoolongcode'], // varchar(8)
    [10_005, [20_006, 'big', '1000.00', 1], '22003', 'amount', '1000.00'], // numeric(5,2) overflow
  ];
  const bad: { line: number; sqlstate: string; column: string; value: string | null }[] = [];
  for (const [pos, row, sqlstate, column, value] of inserts) {
    values.splice(pos, 0, row);
    bad.push({ line: pos + 2, sqlstate, column, value });
  }
  return { values, bad };
}

describe('bad rows are isolated, every other row loads', () => {
  for (const mode of ['append', 'upsert'] as const) {
    it(`${mode}: six kinds of refusal among 10,000 good rows`, async () => {
      const table = `strict_${mode}`;
      await client.query(TARGET_DDL(table));
      const { values, bad } = withBadRows();
      const { input, collected } = inputFor(
        client,
        table,
        columns,
        batchesOf(rowsFrom(columns, values), 700),
        {
          mode,
          key: mode === 'upsert' ? ['id'] : undefined,
          chunkRows: 2_000,
        },
      );
      const result = await loadIntoPostgres(input);
      // In upsert the repeated id 42 is not an error: it supersedes the row loaded earlier (last wins).
      const expected = mode === 'append' ? bad : bad.filter((b) => b.sqlstate !== '23505');
      expect(result.rowsRead).toBe(10_006);
      expect(result.rejected).toBe(expected.length);
      expect(result.inserted).toBe(10_000);
      expect(result.updated).toBe(0);
      expect(result.superseded).toBe(mode === 'append' ? 0 : 1);
      const got = collected.rejected.map((r) => ({
        line: r.line,
        stage: r.stage,
        sqlstate: r.errors[0]?.sqlstate,
        column: r.errors[0]?.column,
        value: r.errors[0]?.value,
        reason: r.errors[0]?.reason,
      }));
      expect(got.sort((a, b) => a.line - b.line)).toEqual(
        expected.map((b) => ({ ...b, stage: 'load', reason: 'database_rejected' })),
      );
      const count = await reader.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE id > 20000)::int AS bad, max(code) FILTER (WHERE id = 42) AS c42 FROM ${table}`,
      );
      expect(count.rows[0]).toEqual({ n: 10_000, bad: 0, c42: mode === 'append' ? 'c42' : 'dup' });
    });
  }

  it('character(n), bit(n) and character(n)[] keep their whole values while refused rows are isolated', async () => {
    // Isolating casts each staged value to the column's type without its modifier; the name alone of
    // character(n) and bit(n) reads as character(1) and bit(1), and an explicit cast to them cuts the
    // value without a word: every row of a chunk with one refused row loaded as its first character.
    await client.query(
      'CREATE TABLE fixed_width (id integer PRIMARY KEY, nom character(20), flags bit(3), tags character(3)[])',
    );
    const fixed: LoadColumn[] = [
      { name: 'id', type: 'integer' },
      { name: 'nom', type: 'text' },
      // From a PostgreSQL source whose columns have these very types (`nativeType`).
      { name: 'flags', type: 'text', nativeType: 'bit(3)' },
      { name: 'tags', type: 'text', nativeType: 'character(3)[]' },
    ];
    const values: NormalizedValue[][] = [
      [1, 'Jordane', '101', '{abc,de}'],
      [2, 'B', '010', '{x}'],
      [3, 'x'.repeat(25), '101', '{a}'],
      [4, 'ok', '1011', '{a}'],
      [5, 'ok', '001', '{abcdef}'],
      [6, 'Jean', '111', '{abc}'],
    ];
    const { input, collected } = inputFor(
      client,
      'fixed_width',
      fixed,
      batchesOf(rowsFrom(fixed, values), 100),
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 3, rejected: 3 });
    expect(collected.rejected.map((r) => [r.line, r.errors[0]?.sqlstate, r.errors[0]?.column])).toEqual([
      [4, '22001', 'nom'],
      [5, '22026', 'flags'],
      [6, '22001', 'tags'],
    ]);
    const loaded = await reader.query(
      'SELECT id, nom::text AS nom, flags::text AS flags, tags::text AS tags FROM fixed_width ORDER BY id',
    );
    expect(loaded.rows).toEqual([
      { id: 1, nom: 'Jordane', flags: '101', tags: '{abc,"de "}' },
      { id: 2, nom: 'B', flags: '010', tags: '{"x  "}' },
      { id: 6, nom: 'Jean', flags: '111', tags: '{abc}' },
    ]);
  });

  it('a key repeated inside one chunk (append): the later row is refused', async () => {
    await client.query(TARGET_DDL('strict_dup'));
    const values: NormalizedValue[][] = [];
    for (let i = 1; i <= 500; i++) values.push([i, 'c', '1.00', 1]);
    values.splice(300, 0, [17, 'again', '1.00', 1]); // line 302 repeats id 17 (line 18)
    const { input, collected } = inputFor(
      client,
      'strict_dup',
      columns,
      batchesOf(rowsFrom(columns, values), 100),
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 500, rejected: 1 });
    expect(
      collected.rejected.map((r) => [r.line, r.errors[0]?.sqlstate, r.errors[0]?.column, r.errors[0]?.value]),
    ).toEqual([[302, '23505', 'id', '17']]);
    expect(collected.rejected[0]?.errors[0]?.message).toContain('Key (id)=(17) already exists.');
  });

  it('reports the raw cells and the server message of a refused row', async () => {
    await client.query(TARGET_DDL('strict_msg'));
    const rows = rowsFrom(columns, [
      [1, 'a', '1', 1],
      [2, 'b', '-5', 1],
    ]);
    const { input, collected } = inputFor(client, 'strict_msg', columns, batchesOf(rows));
    await loadIntoPostgres(input);
    expect(collected.rejected).toEqual([
      {
        line: 3,
        stage: 'load',
        raw: { id: '2', code: 'b', amount: '-5', parent_id: '1' },
        errors: [
          {
            column: 'amount',
            value: '-5',
            reason: 'database_rejected',
            sqlstate: '23514',
            message: expect.stringMatching(
              /violates check constraint "strict_msg_amount_check".*Failing row contains/,
            ),
          },
        ],
      },
    ]);
  });

  it('rejects text the COPY format cannot carry (NUL) without failing the chunk', async () => {
    const cols: LoadColumn[] = [
      { name: 'id', type: 'integer' },
      { name: 't', type: 'text' },
    ];
    const { input, collected } = inputFor(
      client,
      'nul_text',
      cols,
      batchesOf(
        rowsFrom(cols, [
          [1, 'ok'],
          [2, 'a\u0000b'],
          [3, 'lone \ud800'],
        ]),
      ),
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 1, rejected: 2 });
    expect(collected.rejected.map((r) => [r.line, r.errors[0]?.reason, r.errors[0]?.column])).toEqual([
      [3, 'invalid_text', 't'],
      [4, 'invalid_text', 't'],
    ]);
  });
});

describe('a key repeated in a chunk whose refused rows are isolated by bisection', () => {
  // Lines 3 and 4 repeat key 2 and fall into different halves once the refused rows split the
  // chunk: the key is counted once (by the half that first held it) and one row is superseded.
  // Both halves counted it before: unchanged 3, superseded 0 for four rows of three keys.
  const repeated: NormalizedValue[][] = [
    [1, 'aa', '1.00', 1],
    [2, 'bb', '2.00', 2],
    [2, 'dup', '3.00', 1],
    [3, null, '4.00', 1], // NOT NULL
    [4, 'waytoolongcode', '5.00', 1], // varchar(8)
    [5, 'cc', '-1.00', 1], // CHECK
    [6, 'dd', '6.00', 999], // foreign key
    [7, 'ee', '7.00', 3],
  ];

  it('upsert: each key once, the earlier row of key 2 superseded', async () => {
    await client.query(TARGET_DDL('bisect_upsert'));
    await client.query("INSERT INTO bisect_upsert VALUES (1, 'aa', 1, 1), (2, 'bb', 2, 2)");
    const { input, collected } = inputFor(
      client,
      'bisect_upsert',
      columns,
      batchesOf(rowsFrom(columns, repeated)),
      { mode: 'upsert', key: ['id'] },
    );
    const result = await loadIntoPostgres(input);
    expect(collected.rejected.map((r) => r.line)).toEqual([5, 6, 7, 8]);
    // Keys 1, 2 (unchanged as the first half found it) and 7 (new); line 3's row superseded by line 4's.
    expect(result).toMatchObject({ inserted: 1, updated: 0, unchanged: 2, superseded: 1, rejected: 4 });
    const rows = await reader.query('SELECT id, code FROM bisect_upsert ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, code: 'aa' },
      { id: 2, code: 'dup' },
      { id: 7, code: 'ee' },
    ]);
  });

  it('incremental: a key repeated above the watermark is counted once, the mark from the rows applied', async () => {
    const cols: LoadColumn[] = [
      { name: 'id', type: 'integer' },
      { name: 'ts', type: 'integer' },
      { name: 'code', type: 'text' },
    ];
    await client.query(
      "CREATE TABLE bisect_inc (id integer PRIMARY KEY, ts integer NOT NULL, code varchar(5) CHECK (code <> 'zz'))",
    );
    await client.query("INSERT INTO bisect_inc VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')");
    const rows = rowsFrom(cols, [
      [1, 10, 'a'], // below the mark: skipped
      [2, 25, 'b2'], // below the mark: skipped
      [4, 40, 'zz'], // CHECK
      [6, 50, 'toolong'], // varchar(5)
      [7, 60, 'g'],
      [7, 61, 'h'],
    ]);
    const { input, collected } = inputFor(client, 'bisect_inc', cols, batchesOf(rows), {
      mode: 'incremental',
      key: ['id'],
      watermark: { column: 'ts', after: 30 },
    });
    const result = await loadIntoPostgres(input);
    expect(collected.rejected.map((r) => r.line)).toEqual([4, 5]);
    expect(result).toMatchObject({
      inserted: 1,
      updated: 0,
      unchanged: 0,
      skipped: 2,
      superseded: 1,
      rejected: 2,
      newWatermark: '61',
    });
    const after = await reader.query('SELECT id, ts, code FROM bisect_inc WHERE id = 7');
    expect(after.rows).toEqual([{ id: 7, ts: 61, code: 'h' }]);
  });
});

import { describe, expect, it } from 'vitest';
import type { NormalizedValue } from '../../common/types.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, loadTestDatabase, rowsFrom, tableRows } from './test-support.ts';
import type { LoadColumn, LoadInput } from './types.ts';

const db = loadTestDatabase('load_keys');

const columns: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'v', type: 'text' },
];

async function load(table: string, values: NormalizedValue[][], overrides: Partial<LoadInput>) {
  const { input, collected } = inputFor(db.client, table, columns, batchesOf(rowsFrom(columns, values), 2), {
    mode: 'upsert',
    key: ['id'],
    ...overrides,
  });
  const result = await loadIntoPostgres(input);
  return { result, rejected: collected.rejected };
}

// Key 1 three times (lines 2, 4, 6), key 2 once, key 3 twice with identical values (lines 5, 7).
const repeated: NormalizedValue[][] = [
  [1, 'a'],
  [2, 'b'],
  [1, 'c'],
  [3, 'x'],
  [1, 'd'],
  [3, 'x'],
];

describe('repeated keys in one load', () => {
  // chunkRows 2 puts the repeats in different chunks; 100 puts them in one statement.
  for (const chunkRows of [2, 100]) {
    it(`last wins; the rows it replaced count as superseded, the key once (chunk ${chunkRows})`, async () => {
      const table = `last_${chunkRows}`;
      await db.client.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, v text)`);
      await db.client.query(`INSERT INTO ${table} VALUES (2, 'b')`);
      const { result, rejected } = await load(table, repeated, { chunkRows });
      // 1: a and c superseded by d, inserted; 2: unchanged; 3: the first x superseded, inserted.
      // Never an "update" of a row the same load wrote, whether the repeats share a chunk or not.
      expect(result).toMatchObject({
        inserted: 2,
        updated: 0,
        unchanged: 1,
        superseded: 3,
        skipped: 0,
        rejected: 0,
        rowsRead: 6,
      });
      expect(rejected).toEqual([]);
      expect(await tableRows(db.reader, table)).toEqual([
        { id: 1, v: 'd' },
        { id: 2, v: 'b' },
        { id: 3, v: 'x' },
      ]);
    });

    it(`reject: every row of a repeated key is rejected (chunk ${chunkRows})`, async () => {
      const table = `reject_${chunkRows}`;
      await db.client.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, v text)`);
      await db.client.query(`INSERT INTO ${table} VALUES (1, 'old')`);
      const { result, rejected } = await load(table, repeated, { chunkRows, duplicateKeys: 'reject' });
      expect(result).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, rejected: 5, rowsRead: 6 });
      expect(
        rejected.map((r) => [r.line, r.stage, r.errors[0]?.reason, r.errors[0]?.column, r.errors[0]?.value]),
      ).toEqual([
        [2, 'load', 'duplicate_key', 'id', '1'],
        [4, 'load', 'duplicate_key', 'id', '1'],
        [5, 'load', 'duplicate_key', 'id', '3'],
        [6, 'load', 'duplicate_key', 'id', '1'],
        [7, 'load', 'duplicate_key', 'id', '3'],
      ]);
      expect(rejected[0]?.errors[0]?.message).toContain(
        'key (id)=(1) appears 3 times in this load (lines 2, 4, 6)',
      );
      expect(rejected[0]?.raw).toEqual({ id: '1', v: 'a' });
      expect(await tableRows(db.reader, table)).toEqual([
        { id: 1, v: 'old' },
        { id: 2, v: 'b' },
      ]);
    });
  }

  it('keys equal only under the column type (numeric 1.0 = 1.00) never hit "cannot affect row a second time"', async () => {
    const cols: LoadColumn[] = [
      { name: 'k', type: 'numeric' },
      { name: 'v', type: 'text' },
    ];
    const { input } = inputFor(
      db.client,
      'numkey',
      cols,
      batchesOf(
        rowsFrom(cols, [
          ['1.0', 'first'],
          ['1.00', 'second'],
        ]),
      ),
      {
        mode: 'upsert',
        key: ['k'],
      },
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 1, updated: 0, superseded: 1, rejected: 0 });
    expect((await tableRows(db.reader, 'numkey')).map((r) => r.v)).toEqual(['second']);
  });

  it('composite keys', async () => {
    const cols: LoadColumn[] = [
      { name: 'a', type: 'text' },
      { name: 'b', type: 'date' },
      { name: 'v', type: 'integer' },
    ];
    const values: NormalizedValue[][] = [
      ['x', '2024-01-01', 1],
      ['x', '2024-01-02', 2],
      ['x', '2024-01-01', 3],
    ];
    const { input, collected } = inputFor(db.client, 'composite', cols, batchesOf(rowsFrom(cols, values)), {
      mode: 'upsert',
      key: ['a', 'b'],
      duplicateKeys: 'reject',
    });
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 1, rejected: 2 });
    expect(collected.rejected[0]?.errors[0]).toMatchObject({
      column: null,
      value: null,
      reason: 'duplicate_key',
    });
    expect(collected.rejected[0]?.errors[0]?.message).toContain('key (a, b)=(x, 2024-01-01) appears 2 times');
  });
});

import { describe, expect, it } from 'vitest';
import type { ColumnType } from '../../../common/types.ts';
import { runLoad } from '../../runs/run-load.ts';
import { runOptions } from '../../runs/verbatim-test-support.ts';
import { mysqlTestBed } from './test-bed.ts';

// TINYINT(1) and BIT(1) are declared boolean, but many schemas keep small integers in a TINYINT(1)
// (a status 0–9: MySQL's display width says nothing of the range). A job that types such a column
// as integer (or text) must load the numbers the server holds. Before, the source turned 0 and 1
// into booleans before the normalizer, which then rejected every 0 and 1 as `invalid_integer`
// ("the boolean true cannot be read as integer"): only the other values and NULL loaded.

const bed = await mysqlTestBed('flags', {
  target: true,
  setup: (my) =>
    my.query(`
      CREATE TABLE flags (id INT PRIMARY KEY, status TINYINT(1), bit1 BIT(1));
      INSERT INTO flags VALUES (1, 0, b'0'), (2, 1, b'1'), (3, 5, b'1'), (4, -1, b'0'), (5, NULL, NULL);
    `),
});

const load = (table: string, type?: ColumnType) =>
  runLoad(
    {
      source: { kind: 'mysql', connection: bed.myUrl, table: 'flags' },
      columns: type
        ? [
            { source: 'status', type },
            { source: 'bit1', type },
          ]
        : undefined,
      target: { connection: bed.pgUrl, table, mode: 'replace' },
      settings: { maxErrorRate: 1 },
    } as never,
    runOptions(bed.store),
  );

describe.skipIf(bed.server === null)('MySQL TINYINT(1) and BIT(1) columns (real MariaDB)', () => {
  it('typed as integer, TINYINT(1) and BIT(1) load the numbers the server holds', async () => {
    const outcome = await load('as_integer', 'integer');
    expect(outcome.error).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 5, inserted: 5, rejected: 0 });
    const r = await bed.client.query('SELECT id, status, bit1 FROM as_integer ORDER BY id');
    expect(r.rows).toEqual([
      { id: 1, status: 0, bit1: 0 },
      { id: 2, status: 1, bit1: 1 },
      { id: 3, status: 5, bit1: 1 },
      { id: 4, status: -1, bit1: 0 },
      { id: 5, status: null, bit1: null },
    ]);
  });

  it('typed as text, they load as the digits, not as true/false', async () => {
    const outcome = await load('as_text', 'text');
    expect(outcome.error).toBeNull();
    const r = await bed.client.query('SELECT status, bit1 FROM as_text ORDER BY id');
    expect(r.rows.map((x) => [x.status, x.bit1])).toEqual([
      ['0', '0'],
      ['1', '1'],
      ['5', '1'],
      ['-1', '0'],
      [null, null],
    ]);
  });

  it('left to their declared type, they are booleans and another number is invalid_boolean', async () => {
    const outcome = await load('as_declared');
    expect(outcome.error).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 5, inserted: 3, rejected: 2 });
    const types = await bed.client.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'as_declared' ORDER BY ordinal_position",
    );
    expect(types.rows.map((x) => x.data_type)).toEqual(['integer', 'boolean', 'boolean']);
    const r = await bed.client.query('SELECT id, status, bit1 FROM as_declared ORDER BY id');
    expect(r.rows).toEqual([
      { id: 1, status: false, bit1: false },
      { id: 2, status: true, bit1: true },
      { id: 5, status: null, bit1: null },
    ]);
    const page = bed.store.reports.page(outcome.runId);
    expect(page.rows.map((row) => [row.at, row.errors.map((e) => [e.column, e.reason, e.value])])).toEqual([
      [{ kind: 'key', key: { id: '3' } }, [['status', 'invalid_boolean', '5']]],
      [{ kind: 'key', key: { id: '4' } }, [['status', 'invalid_boolean', '-1']]],
    ]);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewResultSchema } from '../../../common/contract/shared-schemas.ts';
import { runCli } from '../../cli/test-support.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { runOptions } from '../../runs/verbatim-test-support.ts';
import type { SourceEvent } from '../types.ts';
import { mysqlTestBed } from './test-bed.ts';

// A UNION's result columns come from MySQL without the types of the columns they came from: the
// metadata mysql2 gives for an ENUM or a SET is a plain VARCHAR's (no ENUM/SET flag), a TINYINT(1)
// is a TINYINT of width 4 (every column has no origin table). So the source cannot declare them
// as it does for a table (ENUM/SET text, TINYINT(1) boolean): they are typed from their values. That
// was silent; the run now says so, naming the columns and what to put in the spec.

const bed = await mysqlTestBed('union_metadata', {
  target: true,
  setup: (my) =>
    my.query(`CREATE TABLE t (id INT PRIMARY KEY, e ENUM('1','2','10'), st SET('1','2'), flag TINYINT(1), v VARCHAR(10));
      INSERT INTO t VALUES (1, '2', '1,2', 1, 'a'), (2, '10', '2', 0, 'b'), (3, '1', '1', 1, 'c'), (4, '1', '1,2', 0, 'd');`),
});

const UNION = 'SELECT * FROM t WHERE id < 3 UNION ALL SELECT * FROM t WHERE id >= 3';

const load = async (table: string, query: string, columns: unknown[] = []) => {
  const events: SourceEvent[] = [];
  const outcome = await runLoad(
    {
      source: { kind: 'mysql', connection: bed.myUrl, query },
      columns,
      target: { connection: bed.pgUrl, table },
      settings: { maxErrorRate: 1 },
    } as never,
    { ...runOptions(bed.store), onSourceEvent: (e) => events.push(e) },
  );
  expect(outcome.error ?? null).toBeNull();
  const types = await bed.client.query(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
    [table],
  );
  // Every column loaded but the key (a column the spec leaves out is not there).
  const rows = await bed.client.query(`SELECT * FROM ${table} ORDER BY id`);
  for (const row of rows.rows) delete row.id;
  return {
    outcome,
    events,
    types: Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type])),
    rows: rows.rows,
  };
};

describe.skipIf(bed.server === null)("a MySQL UNION's column types (real MariaDB)", () => {
  it('a table query declares ENUM and SET text and TINYINT(1) boolean, and says nothing', async () => {
    const plain = await load('plain', 'SELECT * FROM t');
    expect(plain.types).toMatchObject({ e: 'text', st: 'text', flag: 'boolean', v: 'text' });
    expect(plain.events).toEqual([]);
  });

  it('a UNION is typed from its values, and the run says which columns and what to give them', async () => {
    const union = await load('from_union', UNION);
    // What the metadata allows: the ENUM of digits and the TINYINT(1) are numbers here.
    expect(union.types).toMatchObject({ e: 'integer', flag: 'integer', v: 'text' });
    expect(union.events).toEqual([
      {
        kind: 'source_metadata_lost',
        message: expect.stringMatching(
          /^mysql mysql:\/\/loadstone:\*\*\*@127\.0\.0\.1:\d+\/loadstone_test_union_metadata query: MySQL sends a UNION's result columns without the ENUM, SET and TINYINT\(1\) types of the columns they came from: 'e', 'st', 'v' typed from their values \(an ENUM or SET is not told from a VARCHAR: an ENUM of digits loads as integer, a SET's 1,2 may read as the number 1\.2\); give an ENUM or SET column "type": "text"; 'flag' loaded as integer \(a TINYINT\(1\) is not told from a TINYINT\); give a TINYINT\(1\) flag "type": "boolean" in the spec's columns$/,
        ),
        data: { text: ['e', 'st', 'v'], tinyint: ['flag'] },
        warning: true,
      },
    ]);
    // Kept with the run, as a source's retries are.
    expect(bed.store.runs.events(union.outcome.runId).map((e) => e.kind)).toContain('source_metadata_lost');
  });

  it('typed as the warning says, the UNION loads what the table holds, and the run says nothing more', async () => {
    const typed = await load('typed_union', UNION, [
      { source: 'e', type: 'text' },
      { source: 'st', type: 'text' },
      { source: 'flag', type: 'boolean' },
      { source: 'v', type: 'text' },
    ]);
    expect(typed.types).toMatchObject({ e: 'text', st: 'text', flag: 'boolean', v: 'text' });
    // Every column it would name has its type from the spec (it fired all the same).
    expect(typed.events).toEqual([]);
    expect(bed.store.runs.events(typed.outcome.runId).map((e) => e.kind)).not.toContain(
      'source_metadata_lost',
    );
    expect(typed.rows).toEqual([
      { e: '2', st: '1,2', flag: true, v: 'a' },
      { e: '10', st: '2', flag: false, v: 'b' },
      { e: '1', st: '1', flag: true, v: 'c' },
      { e: '1', st: '1,2', flag: false, v: 'd' },
    ]);
  });

  it('names only the columns the spec does not type or leave out', async () => {
    const some = await load('some_typed', UNION, [
      { source: 'e', type: 'text' },
      { source: 'flag', type: 'boolean' },
      { source: 'st', skip: true },
    ]);
    expect(some.events.map((e) => e.data)).toEqual([{ text: ['v'], tinyint: [] }]);
    expect(some.events[0]!.message).toContain("'v' typed from its values");
    expect(some.events[0]!.message).not.toContain('TINYINT(1) is not told');
  });

  it('a preview shows it among its warnings, and not once the spec types the columns', async () => {
    const shown = await preview({
      source: { kind: 'mysql', connection: bed.myUrl, query: UNION },
      target: { connection: bed.pgUrl, table: 'unused' },
    });
    expect(shown.sourceWarnings).toEqual([
      {
        kind: 'source_metadata_lost',
        message: expect.stringContaining("'e', 'st', 'v' typed from their values"),
      },
    ]);
    expect(shown.warnings).toContain(shown.sourceWarnings![0]!.message);
    // The contract the UI reads it through.
    expect(previewResultSchema.parse(shown).sourceWarnings).toHaveLength(1);

    const typed = await preview({
      source: { kind: 'mysql', connection: bed.myUrl, query: UNION },
      columns: [
        { source: 'e', type: 'text' },
        { source: 'st', type: 'text' },
        { source: 'flag', type: 'boolean' },
        { source: 'v', type: 'text' },
      ],
      target: { connection: bed.pgUrl, table: 'unused' },
    });
    expect(typed.sourceWarnings).toBeUndefined();
    expect(typed.warnings).toEqual([]);
  });

  it('loadstone preview prints it under Warnings', async () => {
    const r = await runCli(['preview', bed.myUrl, '--query', UNION], {
      cwd: bed.storeDir,
      env: { LOADSTONE_HOME: join(bed.storeDir, 'cli') },
    });
    expect(r.err).toBe('');
    expect(r.out).toMatch(
      /Warnings:\n {2}source: mysql mysql:\/\/loadstone:\*\*\*@[^\n]*MySQL sends a UNION's result columns/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { NormalizedValue } from '../../common/types.ts';
import { checkCompatibility } from './compatibility.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, loadTestDatabase, rowsFrom, tableRows } from './test-support.ts';
import type { LoadBatch, LoadColumn } from './types.ts';

const db = loadTestDatabase('load_target_check');

const columns: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'v', type: 'text' },
];

const count = async (table: string) =>
  (await db.reader.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

describe('the target check says what the load will refuse, and what it will run', () => {
  it('an upsert key without a unique index: refused, with the statement that fixes it', async () => {
    await db.client.query('CREATE TABLE nokey (id integer, v text)');
    const report = await checkCompatibility(db.client, 'nokey', columns, { mode: 'upsert', key: ['id'] });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toContain('CREATE UNIQUE INDEX ON "public"."nokey" ("id")');
    expect(report.fixes).toEqual([
      {
        kind: 'create_unique_index',
        table: { schema: 'public', name: 'nokey' },
        columns: ['id'],
        sql: 'CREATE UNIQUE INDEX ON "public"."nokey" ("id")',
      },
    ]);
    // The load refuses exactly what the check refused, and says what to run.
    const { input } = inputFor(db.client, 'nokey', columns, batchesOf(rowsFrom(columns, [[1, 'a']])), {
      mode: 'upsert',
      key: ['id'],
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining('CREATE UNIQUE INDEX ON "public"."nokey" ("id")'),
    });
    // Running the offered statement makes the check pass and the load go through.
    await db.client.query(report.fixes[0]!.sql);
    expect(
      await checkCompatibility(db.client, 'nokey', columns, { mode: 'upsert', key: ['id'] }),
    ).toMatchObject({
      ok: true,
      problems: [],
    });
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 1 });
  });

  it('a unique key ON CONFLICT cannot use (deferrable, partial) is named with why, not "it has none"', async () => {
    // Before: 'it has none on exactly these columns' for a table that plainly has a unique key on
    // them, offering a CREATE UNIQUE INDEX that, next to a deferrable constraint, still fails the load.
    await db.client.query(`CREATE TABLE defkey (id integer CONSTRAINT defkey_id UNIQUE DEFERRABLE INITIALLY DEFERRED, v text);
      CREATE TABLE partkey (id integer, v text); CREATE UNIQUE INDEX partkey_id ON partkey (id) WHERE v IS NOT NULL`);
    const deferrable = await checkCompatibility(db.client, 'defkey', columns, {
      mode: 'upsert',
      key: ['id'],
    });
    const why =
      "mode 'upsert' merges with INSERT … ON CONFLICT (id), which PostgreSQL refuses while the unique constraint defkey_id of public.defkey on these columns is DEFERRABLE: make it NOT DEFERRABLE (drop it and add it again without DEFERRABLE)";
    expect(deferrable).toMatchObject({ ok: false, problems: [why], fixes: [] });
    // Also with another unique index on the same columns: the server takes both as arbiters.
    await db.client.query('CREATE UNIQUE INDEX defkey_plain ON defkey (id)');
    const { input } = inputFor(db.client, 'defkey', columns, batchesOf(rowsFrom(columns, [[1, 'a']])), {
      mode: 'upsert',
      key: ['id'],
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining(why),
    });
    // Done as it says, the load goes through.
    await db.client.query(
      'ALTER TABLE defkey DROP CONSTRAINT defkey_id, ADD CONSTRAINT defkey_id UNIQUE (id)',
    );
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 1 });

    const partial = await checkCompatibility(db.client, 'partkey', columns, {
      mode: 'incremental',
      key: ['id'],
    });
    expect(partial.problems[0]).toContain(
      'its unique index partkey_id on these columns is partial (it has a WHERE), which INSERT … ON CONFLICT cannot use. Create one with: CREATE UNIQUE INDEX ON "public"."partkey" ("id")',
    );
    await db.client.query(partial.fixes[0]!.sql);
    const fixed = inputFor(db.client, 'partkey', columns, batchesOf(rowsFrom(columns, [[1, 'a']])), {
      mode: 'upsert',
      key: ['id'],
    });
    expect(await loadIntoPostgres(fixed.input)).toMatchObject({ inserted: 1 });
  });

  it('a schema that does not exist: refused, with CREATE SCHEMA and the CREATE TABLE that follows', async () => {
    const report = await checkCompatibility(db.client, 'sales.orders', columns, {
      mode: 'upsert',
      key: ['id'],
    });
    expect(report).toMatchObject({ exists: false, ok: false });
    expect(report.problems[0]).toContain('CREATE SCHEMA "sales"');
    expect(report.fixes).toEqual([{ kind: 'create_schema', schema: 'sales', sql: 'CREATE SCHEMA "sales"' }]);
    expect(report.ddl).toEqual([
      'CREATE TABLE "sales"."orders" ("id" integer, "v" text, PRIMARY KEY ("id"))',
    ]);
    await db.client.query(report.fixes[0]!.sql);
    const after = await checkCompatibility(db.client, 'sales.orders', columns, {
      mode: 'upsert',
      key: ['id'],
    });
    expect(after).toMatchObject({ ok: true, exists: false, fixes: [], ddl: report.ddl });
  });

  it('a source with no columns is refused by the check and by the load', async () => {
    const report = await checkCompatibility(db.client, 'empty_cols', []);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'the source has no columns to load (the file has no fields, or every column is skipped)',
    ]);
    expect(report.ddl).toEqual([]);
    const { input } = inputFor(db.client, 'empty_cols', [], batchesOf([]));
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({ code: 'SPEC_INVALID' });
  });

  it('the DDL preview is the DDL the load runs: CREATE TABLE, and ALTER TABLE for added columns', async () => {
    const created = await checkCompatibility(db.client, 'grown', columns, { mode: 'append' });
    expect(created.ddl).toEqual(['CREATE TABLE "public"."grown" ("id" integer, "v" text)']);
    const { input } = inputFor(db.client, 'grown', columns, batchesOf(rowsFrom(columns, [[1, 'a']])));
    expect((await loadIntoPostgres(input)).ddl).toEqual(created.ddl);

    const wider: LoadColumn[] = [...columns, { name: 'extra', type: 'numeric' }];
    const opts = { mode: 'append', addMissingColumns: true } as const;
    const altered = await checkCompatibility(db.client, 'grown', wider, opts);
    expect(altered.ddl).toEqual(['ALTER TABLE "public"."grown" ADD COLUMN "extra" numeric']);
    const again = inputFor(db.client, 'grown', wider, batchesOf(rowsFrom(wider, [[2, 'b', '1.5']])), opts);
    expect(await loadIntoPostgres(again.input)).toMatchObject({ ddl: altered.ddl, addedColumns: ['extra'] });
  });
});

describe('truncate before an append', () => {
  it('empties the table inside the load: the new rows only, and the check shows the TRUNCATE', async () => {
    await db.client.query(
      "CREATE TABLE trunc (id integer, v text); INSERT INTO trunc VALUES (1, 'old'), (2, 'old')",
    );
    const report = await checkCompatibility(db.client, 'trunc', columns, { mode: 'append', truncate: true });
    expect(report).toMatchObject({ ok: true, ddl: ['TRUNCATE "public"."trunc"'] });
    const { input } = inputFor(db.client, 'trunc', columns, batchesOf(rowsFrom(columns, [[3, 'new']])), {
      truncate: true,
    });
    expect(await loadIntoPostgres(input)).toMatchObject({
      inserted: 1,
      truncated: true,
      ddl: ['TRUNCATE "public"."trunc"'],
    });
    expect(await tableRows(db.reader, 'trunc')).toEqual([{ id: 3, v: 'new' }]);
  });

  it('empties only the named table when others inherit from it: their rows stay (TRUNCATE ONLY)', async () => {
    // Before: a plain TRUNCATE, which also emptied trunc_child, a table the operator never named.
    await db.client.query(`CREATE TABLE trunc_parent (id integer, v text);
      CREATE TABLE trunc_child (note text) INHERITS (trunc_parent);
      INSERT INTO trunc_parent VALUES (1, 'old'); INSERT INTO trunc_child VALUES (2, 'child', 'kept')`);
    const report = await checkCompatibility(db.client, 'trunc_parent', columns, {
      mode: 'append',
      truncate: true,
    });
    expect(report).toMatchObject({ ok: true, ddl: ['TRUNCATE ONLY "public"."trunc_parent"'] });
    const { input } = inputFor(
      db.client,
      'trunc_parent',
      columns,
      batchesOf(rowsFrom(columns, [[3, 'new']])),
      {
        truncate: true,
      },
    );
    expect(await loadIntoPostgres(input)).toMatchObject({
      inserted: 1,
      truncated: true,
      ddl: ['TRUNCATE ONLY "public"."trunc_parent"'],
    });
    expect(await tableRows(db.reader, 'ONLY trunc_parent')).toEqual([{ id: 3, v: 'new' }]);
    expect(await tableRows(db.reader, 'trunc_child')).toEqual([{ id: 2, v: 'child', note: 'kept' }]);
  });

  it('empties every partition of a partitioned table (its own rows)', async () => {
    await db.client.query(`CREATE TABLE trunc_parted (id integer, v text) PARTITION BY RANGE (id);
      CREATE TABLE trunc_parted_1 PARTITION OF trunc_parted FOR VALUES FROM (0) TO (100);
      INSERT INTO trunc_parted VALUES (1, 'old')`);
    const { input } = inputFor(
      db.client,
      'trunc_parted',
      columns,
      batchesOf(rowsFrom(columns, [[3, 'new']])),
      {
        truncate: true,
      },
    );
    expect(await loadIntoPostgres(input)).toMatchObject({ ddl: ['TRUNCATE "public"."trunc_parted"'] });
    expect(await tableRows(db.reader, 'trunc_parted')).toEqual([{ id: 3, v: 'new' }]);
  });

  it("refuses up front to empty a table other tables' foreign keys point at, naming them", async () => {
    // Before: the check passed and showed the TRUNCATE, then the load failed with LOAD_FAILED
    // ('cannot truncate a table referenced in a foreign key constraint').
    await db.client.query(`CREATE TABLE trunc_ref (id integer PRIMARY KEY, v text);
      CREATE TABLE trunc_refs (ref integer CONSTRAINT trunc_refs_fk REFERENCES trunc_ref (id));
      INSERT INTO trunc_ref VALUES (1, 'old'); INSERT INTO trunc_refs VALUES (1)`);
    const why =
      "public.trunc_ref cannot be emptied first: PostgreSQL refuses to TRUNCATE a table other tables' foreign keys point at (trunc_refs_fk on trunc_refs)";
    const report = await checkCompatibility(db.client, 'trunc_ref', columns, {
      mode: 'append',
      truncate: true,
    });
    expect(report).toMatchObject({ ok: false, problems: [expect.stringContaining(why)] });
    const { input } = inputFor(db.client, 'trunc_ref', columns, batchesOf(rowsFrom(columns, [[3, 'new']])), {
      truncate: true,
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining(why),
    });
    expect(await tableRows(db.reader, 'trunc_ref')).toEqual([{ id: 1, v: 'old' }]);
  });

  it('a load that fails after the TRUNCATE leaves the old rows', async () => {
    await db.client.query(
      "CREATE TABLE trunc_fail (id integer, v text); INSERT INTO trunc_fail VALUES (1, 'old')",
    );
    async function* failing(): AsyncGenerator<LoadBatch> {
      yield* batchesOf(rowsFrom(columns, [[2, 'new']]));
      throw new Error('the source broke');
    }
    const { input } = inputFor(db.client, 'trunc_fail', columns, failing(), { truncate: true });
    await expect(loadIntoPostgres(input)).rejects.toThrow(/the source broke/);
    expect(await tableRows(db.reader, 'trunc_fail')).toEqual([{ id: 1, v: 'old' }]);
  });

  it('a dry run with truncate changes nothing', async () => {
    await db.client.query(
      "CREATE TABLE trunc_dry (id integer, v text); INSERT INTO trunc_dry VALUES (1, 'old')",
    );
    const { input } = inputFor(db.client, 'trunc_dry', columns, batchesOf(rowsFrom(columns, [[2, 'x']])), {
      truncate: true,
      dryRun: true,
    });
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 1, truncated: true });
    expect(await count('trunc_dry')).toBe(1);
  });

  it('is refused outside append, and with commitEvery', async () => {
    const upsert = inputFor(db.client, 'trunc_x', columns, batchesOf([]), {
      truncate: true,
      mode: 'upsert',
      key: ['id'],
    });
    await expect(loadIntoPostgres(upsert.input)).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining("only applies to mode 'append'"),
    });
    const batched = inputFor(db.client, 'trunc_x', columns, batchesOf([]), {
      truncate: true,
      commitEvery: 10,
    });
    await expect(loadIntoPostgres(batched.input)).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining('commitEvery'),
    });
  });
});

describe('what an upsert or incremental load did, counted apart', () => {
  const wmColumns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'at', type: 'integer' },
    { name: 'v', type: 'text' },
  ];

  it('skipped (below the watermark) apart from unchanged, and a key below then above the mark', async () => {
    await db.client.query(`CREATE TABLE inc (id integer PRIMARY KEY, at integer, v text);
      INSERT INTO inc VALUES (1, 10, 'a'), (2, 20, 'b')`);
    // Key 1 at 10 (skipped) and again at 30 (changed); key 2 at 20, at the mark (compared by key: the
    // table holds it as it is), then at 25 with unchanged values, superseding it; key 3 new.
    const values: NormalizedValue[][] = [
      [1, 10, 'a'],
      [2, 20, 'b'],
      [1, 30, 'a2'],
      [2, 25, 'b'],
      [3, 40, 'c'],
    ];
    for (const chunkRows of [2, 100]) {
      await db.client.query("TRUNCATE inc; INSERT INTO inc VALUES (1, 10, 'a'), (2, 20, 'b')");
      const { input } = inputFor(db.client, 'inc', wmColumns, batchesOf(rowsFrom(wmColumns, values), 1), {
        mode: 'incremental',
        key: ['id'],
        watermark: { column: 'at', after: '20' },
        chunkRows,
      });
      const r = await loadIntoPostgres(input);
      // Key 2 is counted once, by the first chunk that applies it: in chunks of 2, its row at 20
      // (unchanged) and the row at 25 supersedes it; in one chunk, the row at 20 is superseded and
      // the one at 25 (values other than `at` the same, but `at` changed) is an update.
      expect(r, `chunk ${chunkRows}`).toMatchObject(
        chunkRows === 2
          ? {
              inserted: 1,
              updated: 1,
              unchanged: 1,
              skipped: 1,
              superseded: 1,
              rowsRead: 5,
              newWatermark: '40',
            }
          : {
              inserted: 1,
              updated: 2,
              unchanged: 0,
              skipped: 1,
              superseded: 1,
              rowsRead: 5,
              newWatermark: '40',
            },
      );
      expect(
        (await db.client.query('SELECT id, at, v FROM inc ORDER BY id')).rows,
        `chunk ${chunkRows}`,
      ).toEqual([
        { id: 1, at: 30, v: 'a2' },
        { id: 2, at: 25, v: 'b' },
        { id: 3, at: 40, v: 'c' },
      ]);
    }
  });

  it('a key whose earlier row was skipped is not counted as superseding it; one applied at the mark is', async () => {
    await db.client.query(`CREATE TABLE inc2 (id integer PRIMARY KEY, at integer, v text);
      INSERT INTO inc2 VALUES (1, 10, 'a')`);
    const values: NormalizedValue[][] = [
      [1, 10, 'a'],
      [9, 11, 'z'],
      [1, 30, 'b'],
      [1, 31, 'c'],
    ];
    const { input } = inputFor(db.client, 'inc2', wmColumns, batchesOf(rowsFrom(wmColumns, values), 1), {
      mode: 'incremental',
      key: ['id'],
      watermark: { column: 'at', after: '10' },
      chunkRows: 2,
    });
    // Chunk 1: key 1 at 10, at the mark, compared by key (unchanged), key 9 inserted; chunk 2: key 1
    // twice, both superseding the row chunk 1 applied.
    expect(await loadIntoPostgres(input)).toMatchObject({
      inserted: 1,
      updated: 0,
      unchanged: 1,
      skipped: 0,
      superseded: 2,
      rowsRead: 4,
    });
    // Key 1's first row below the mark instead: skipped, so the later rows of key 1 are counted as the
    // first of their key (one superseded by the last, which updates the table).
    await db.client.query(`CREATE TABLE inc3 (id integer PRIMARY KEY, at integer, v text);
      INSERT INTO inc3 VALUES (1, 10, 'a')`);
    const below = inputFor(
      db.client,
      'inc3',
      wmColumns,
      batchesOf(rowsFrom(wmColumns, [[1, 9, 'a'], ...values.slice(1)]), 1),
      { mode: 'incremental', key: ['id'], watermark: { column: 'at', after: '10' }, chunkRows: 2 },
    );
    expect(await loadIntoPostgres(below.input)).toMatchObject({
      inserted: 1,
      updated: 1,
      unchanged: 0,
      skipped: 1,
      superseded: 1,
      rowsRead: 4,
    });
  });

  it('a rejected row does not make a later row of its key a superseding one', async () => {
    await db.client.query('CREATE TABLE sup_rej (id integer PRIMARY KEY, v varchar(3))');
    const values: NormalizedValue[][] = [
      [1, 'toolong'],
      [2, 'ok'],
      [1, 'one'],
    ];
    const { input, collected } = inputFor(
      db.client,
      'sup_rej',
      columns,
      batchesOf(rowsFrom(columns, values), 1),
      {
        mode: 'upsert',
        key: ['id'],
        chunkRows: 2,
      },
    );
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 2, superseded: 0, rejected: 1 });
    expect(collected.rejected.map((r) => r.line)).toEqual([2]);
  });

  it('a dry run counts superseded rows the same way', async () => {
    await db.client.query(
      "CREATE TABLE sup_dry (id integer PRIMARY KEY, v text); INSERT INTO sup_dry VALUES (1, 'x')",
    );
    const values: NormalizedValue[][] = [
      [1, 'x'],
      [1, 'y'],
      [2, 'a'],
      [2, 'a'],
    ];
    const { input } = inputFor(db.client, 'sup_dry', columns, batchesOf(rowsFrom(columns, values)), {
      mode: 'upsert',
      key: ['id'],
      dryRun: true,
    });
    // Key 1: x superseded by y, an update of the table's x; key 2: inserted once, one superseded.
    expect(await loadIntoPostgres(input)).toMatchObject({
      inserted: 1,
      updated: 1,
      unchanged: 0,
      superseded: 2,
    });
    expect(await tableRows(db.reader, 'sup_dry')).toEqual([{ id: 1, v: 'x' }]);
  });
});

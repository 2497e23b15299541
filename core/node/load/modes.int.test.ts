import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JsonText, type NormalizedValue } from '../../common/types.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, openClient, rowsFrom, tableRows } from './test-support.ts';
import type { LoadBatch, LoadColumn, LoadProgress, LoadResult } from './types.ts';

let client: pg.Client;
let reader: pg.Client;

beforeAll(async () => {
  const url = await createTestDatabase(inject('pgUrl'), 'load_modes');
  client = await openClient(url);
  reader = await openClient(url);
});
afterAll(async () => {
  await client?.end();
  await reader?.end();
});

const balance = (r: LoadResult) =>
  r.inserted + r.updated + r.unchanged + r.skipped + r.superseded + r.rejected;

describe('append', () => {
  const columns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'big', type: 'bigint' },
    { name: 'amount', type: 'numeric' },
    { name: 'flag', type: 'boolean' },
    { name: 'day', type: 'date' },
    { name: 'at', type: 'timestamptz' },
    { name: 'uid', type: 'uuid' },
    { name: 'doc', type: 'jsonb' },
    { name: 'note', type: 'text' },
  ];
  const values: NormalizedValue[][] = [
    [
      1,
      '1234567890123456789',
      '12.50',
      true,
      '2024-02-29',
      '2024-03-01T10:20:30.123Z',
      '0e1f9d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      { a: [1, 'x'], b: null },
      'plain',
    ],
    [
      2,
      9007199254740991,
      '-0.000001',
      false,
      '1900-01-01',
      '1970-01-01T00:00:00Z',
      null,
      'just a string',
      'tab\there\nnew line\r\\back\\slash "quoted" \'single\' ,comma',
    ],
    [
      3,
      null,
      null,
      null,
      null,
      null,
      null,
      new JsonText('{"n": 12345678901234567890.10}'),
      'ünïcødé ✓ 𝄞 emoji 🎉',
    ],
    [4, -1, '0', true, '2024-12-31', '2024-12-31T23:59:59.999999Z', null, [1, 2, 3], ''],
  ];

  it('creates the table from the spec and stores every type exactly', async () => {
    const rows = rowsFrom(columns, values);
    const { input, collected } = inputFor(client, 'typed', columns, batchesOf(rows, 3));
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({
      inserted: 4,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      rowsRead: 4,
      createdTable: true,
    });
    expect(result.committedRows).toBe(4);
    expect(collected.rejected).toEqual([]);
    const r = await reader.query(
      `SELECT id, big::text, amount::text, flag, day::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,
              uid::text, doc::text, note FROM typed ORDER BY id`,
    );
    expect(r.rows).toEqual([
      {
        id: 1,
        big: '1234567890123456789',
        amount: '12.50',
        flag: true,
        day: '2024-02-29',
        at: '2024-03-01T10:20:30.123000',
        uid: '0e1f9d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
        doc: '{"a": [1, "x"], "b": null}',
        note: 'plain',
      },
      {
        id: 2,
        big: '9007199254740991',
        amount: '-0.000001',
        flag: false,
        day: '1900-01-01',
        at: '1970-01-01T00:00:00.000000',
        uid: null,
        doc: '"just a string"',
        note: 'tab\there\nnew line\r\\back\\slash "quoted" \'single\' ,comma',
      },
      {
        id: 3,
        big: null,
        amount: null,
        flag: null,
        day: null,
        at: null,
        uid: null,
        doc: '{"n": 12345678901234567890.10}',
        note: 'ünïcødé ✓ 𝄞 emoji 🎉',
      },
      {
        id: 4,
        big: '-1',
        amount: '0',
        flag: true,
        day: '2024-12-31',
        at: '2024-12-31T23:59:59.999999',
        uid: null,
        doc: '[1, 2, 3]',
        note: '',
      },
    ]);
    const types = await reader.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'typed' ORDER BY ordinal_position`,
    );
    expect(types.rows.map((t) => t.data_type)).toEqual([
      'integer',
      'bigint',
      'numeric',
      'boolean',
      'date',
      'timestamp with time zone',
      'uuid',
      'jsonb',
      'text',
    ]);
  });

  it('reports progress at most ten times a second, ending with done', async () => {
    const many: NormalizedValue[][] = [];
    for (let i = 0; i < 30_000; i++)
      many.push([i, i, '1', true, '2024-01-01', '2024-01-01T00:00:00Z', null, null, 'x']);
    const stamps: [number, LoadProgress][] = [];
    // A source that takes its time (≥ 1 ms a batch, ≥ 0.3 s in all), so several 100 ms windows pass
    // while rows are loading, however fast the loader is.
    async function* slowly(): AsyncGenerator<LoadBatch> {
      for await (const batch of batchesOf(rowsFrom(columns, many), 100)) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield batch;
      }
    }
    const { input } = inputFor(client, 'progress_t', columns, slowly(), {
      chunkRows: 1000,
      onProgress: (p) => stamps.push([Date.now(), p]),
    });
    await loadIntoPostgres(input);
    expect(stamps[0]?.[1].phase).toBe('preparing');
    expect(stamps.at(-1)?.[1]).toMatchObject({
      phase: 'done',
      rowsRead: 30_000,
      loaded: 30_000,
      rejected: 0,
    });
    // Throttled: far fewer events than the 300 batches that each moved the counters (no wall-clock
    // assertion: the 100 ms spacing itself is the throttle's own unit test).
    expect(stamps.length).toBeLessThan(300 / 2);
    const loading = stamps.filter(([, p]) => p.phase === 'loading');
    expect(loading.length).toBeGreaterThan(0);
  });

  it('appends to an existing table', async () => {
    const { input } = inputFor(
      client,
      'public.typed',
      columns,
      batchesOf(rowsFrom(columns, values.slice(0, 2))),
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 2, createdTable: false });
    const count = await reader.query('SELECT count(*)::int AS n FROM typed');
    expect(count.rows[0].n).toBe(6);
  });

  it('loads nothing from an empty source and still creates the table', async () => {
    const { input } = inputFor(client, 'empty_one', columns, batchesOf([]));
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 0, rowsRead: 0, createdTable: true });
    expect(await tableRows(reader, 'empty_one')).toEqual([]);
  });
});

describe('upsert', () => {
  const columns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'name', type: 'text' },
    { name: 'score', type: 'numeric' },
  ];

  it('inserts new keys, updates changed rows only, counts unchanged ones', async () => {
    const first = rowsFrom(columns, [
      [1, 'ann', '10'],
      [2, 'bob', null],
      [3, 'cy', '30'],
    ]);
    const r1 = await loadIntoPostgres(
      inputFor(client, 'people', columns, batchesOf(first), { mode: 'upsert', key: ['id'] }).input,
    );
    expect(r1).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, createdTable: true });
    const pk = await reader.query(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = 'people'::regclass AND i.indisprimary`,
    );
    expect(pk.rows).toEqual([{ attname: 'id' }]);

    const second = rowsFrom(columns, [
      [1, 'ann', '10'], // same
      [2, 'bob', null], // same, NULL = NULL for IS DISTINCT FROM
      [3, 'cy', '31'], // changed
      [4, 'dee', '40'], // new
    ]);
    const r2 = await loadIntoPostgres(
      inputFor(client, 'people', columns, batchesOf(second), { mode: 'upsert', key: ['id'] }).input,
    );
    expect(r2).toMatchObject({ inserted: 1, updated: 1, unchanged: 2, rejected: 0, rowsRead: 4 });
    expect(balance(r2)).toBe(r2.rowsRead);
    expect(await tableRows(reader, 'people')).toEqual([
      { id: 1, name: 'ann', score: '10' },
      { id: 2, name: 'bob', score: null },
      { id: 3, name: 'cy', score: '31' },
      { id: 4, name: 'dee', score: '40' },
    ]);
  });

  it('refuses an existing table without a unique key on the key columns', async () => {
    await client.query('CREATE TABLE no_key (id integer, name text, score numeric)');
    const { input } = inputFor(client, 'no_key', columns, batchesOf(rowsFrom(columns, [[1, 'a', '1']])), {
      mode: 'upsert',
      key: ['id'],
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining('needs a primary key or unique constraint on (id)'),
    });
  });
});

describe('replace', () => {
  const columns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'label', type: 'text' },
  ];

  it('swaps in the new rows, keeping indexes, constraints, defaults, grants and comments; readers see old rows until commit', async () => {
    await client.query(`CREATE TABLE repl (id integer PRIMARY KEY, label text NOT NULL CHECK (label <> 'bad'),
                          added timestamptz DEFAULT now(), CONSTRAINT repl_label_key UNIQUE (label))`);
    await client.query('CREATE INDEX repl_added_idx ON repl (added DESC)');
    await client.query(`COMMENT ON TABLE repl IS 'the replace target'`);
    await client.query('GRANT SELECT ON repl TO PUBLIC');
    await client.query(`INSERT INTO repl (id, label) SELECT g, 'old ' || g FROM generate_series(1, 5) g`);

    let seenDuringLoad: number | null = null;
    async function* slow() {
      yield { rows: rowsFrom(columns, [[10, 'new a']]), rejectedUpstream: [], rowsRead: 1 };
      const r = await reader.query('SELECT count(*)::int AS n FROM repl');
      seenDuringLoad = r.rows[0].n;
      yield {
        rows: rowsFrom(
          columns,
          [
            [11, 'new b'],
            [12, 'bad'],
          ],
          3,
        ),
        rejectedUpstream: [],
        rowsRead: 3,
      };
    }
    const { input, collected } = inputFor(client, 'repl', columns, slow(), { mode: 'replace', chunkRows: 1 });
    const result = await loadIntoPostgres(input);
    expect(seenDuringLoad).toBe(5);
    expect(result).toMatchObject({ inserted: 2, rejected: 1, createdTable: false });
    expect(collected.rejected[0]?.errors[0]).toMatchObject({
      reason: 'database_rejected',
      sqlstate: '23514',
      column: 'label',
      value: 'bad',
    });
    expect((await tableRows(reader, 'repl')).map((r) => [r.id, r.label, r.added instanceof Date])).toEqual([
      [10, 'new a', true],
      [11, 'new b', true],
    ]);
    const indexes = await reader.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'repl' ORDER BY 1`,
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['repl_added_idx', 'repl_label_key', 'repl_pkey']);
    const meta = await reader.query(
      `SELECT obj_description('repl'::regclass, 'pg_class') AS comment, has_table_privilege('public', 'repl', 'SELECT') AS pub,
              (SELECT count(*)::int FROM pg_class WHERE relname LIKE 'repl\\_ls%') AS leftovers`,
    );
    expect(meta.rows[0]).toEqual({ comment: 'the replace target', pub: true, leftovers: 0 });
  });

  it("names the table's own constraints and table in a refused row's message, not the fresh copy's", async () => {
    await client.query(`CREATE TABLE "Repl Msgs" (id integer PRIMARY KEY, label varchar(4) NOT NULL CHECK (label <> 'bad'),
                          CONSTRAINT "Repl Msgs label" UNIQUE (label))`);
    await client.query(`INSERT INTO "Repl Msgs" VALUES (1, 'old')`);
    const rows = rowsFrom(columns, [
      [1, 'a'],
      [1, 'b'], // primary key
      [2, 'a'], // unique
      [3, 'bad'], // check
      [4, null], // not null
    ]);
    const { input, collected } = inputFor(client, '"Repl Msgs"', columns, batchesOf(rows), {
      mode: 'replace',
    });
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 1, rejected: 4 });
    const messages = collected.rejected.map((r) => r.errors[0]?.message);
    // Before: 'duplicate key value violates unique constraint "ls_idx_ls3f9a1c_1"', 'relation "Repl Msgs_ls3f9a1c"'.
    expect(messages).toEqual([
      expect.stringContaining('unique constraint "Repl Msgs_pkey"'),
      expect.stringContaining('unique constraint "Repl Msgs label"'),
      expect.stringMatching(/relation "Repl Msgs" violates check constraint "Repl Msgs_label_check"/),
      expect.stringContaining('relation "Repl Msgs" violates not-null constraint'),
    ]);
    for (const m of messages) expect(m).not.toMatch(/_ls[0-9a-f]{6}/);
  });

  it('refuses a table a view depends on, naming the view, and leaves it unchanged', async () => {
    await client.query('CREATE TABLE viewed (id integer, label text)');
    await client.query(`INSERT INTO viewed VALUES (1, 'kept')`);
    await client.query('CREATE VIEW viewed_v AS SELECT * FROM viewed');
    const { input } = inputFor(client, 'viewed', columns, batchesOf(rowsFrom(columns, [[2, 'x']])), {
      mode: 'replace',
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining('view viewed_v'),
    });
    expect(await tableRows(reader, 'viewed')).toEqual([{ id: 1, label: 'kept' }]);
  });

  it('refuses a view-dependent or partitioned table pointing at append with the table emptied in the load', async () => {
    // Before: 'empty the table yourself and use append', which leaves it empty if that append fails.
    await client.query('CREATE TABLE viewed2 (id integer CHECK (id > 0), label text)');
    await client.query(`INSERT INTO viewed2 VALUES (1, 'kept')`);
    await client.query('CREATE VIEW viewed2_v AS SELECT * FROM viewed2');
    await client.query('CREATE TABLE parted (id integer CHECK (id > 0), label text) PARTITION BY RANGE (id)');
    await client.query('CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (1) TO (1000)');
    await client.query(`INSERT INTO parted VALUES (1, 'kept')`);
    for (const table of ['viewed2', 'parted']) {
      const refused = inputFor(client, table, columns, batchesOf(rowsFrom(columns, [[2, 'x']])), {
        mode: 'replace',
      });
      await expect(loadIntoPostgres(refused.input)).rejects.toMatchObject({
        code: 'TARGET_INCOMPATIBLE',
        message: expect.stringMatching(
          /use mode 'append' with the table emptied first \("Empty the table first", --truncate: inside the load's transaction/i,
        ),
      });
      // What it advises: a failing append that empties the table first keeps the old rows…
      const failing = inputFor(client, table, columns, batchesOf(rowsFrom(columns, [[-2, 'x']])), {
        truncate: true,
        maxErrorRate: 0,
      });
      await expect(loadIntoPostgres(failing.input)).rejects.toMatchObject({
        code: 'LOAD_ABORTED_ERROR_RATE',
      });
      expect(await tableRows(reader, table)).toEqual([{ id: 1, label: 'kept' }]);
      // …and one that goes through replaces them.
      const good = inputFor(client, table, columns, batchesOf(rowsFrom(columns, [[2, 'new']])), {
        truncate: true,
      });
      await loadIntoPostgres(good.input);
      expect(await tableRows(reader, table)).toEqual([{ id: 2, label: 'new' }]);
    }
    expect((await reader.query('SELECT id FROM viewed2_v')).rows).toEqual([{ id: 2 }]);
  });

  it("refuses a table other tables' foreign keys point at, advising upsert only (it cannot be emptied first)", async () => {
    await client.query('CREATE TABLE referenced (id integer PRIMARY KEY, label text)');
    await client.query('CREATE TABLE referencing (ref integer REFERENCES referenced (id))');
    const { input } = inputFor(client, 'referenced', columns, batchesOf(rowsFrom(columns, [[2, 'x']])), {
      mode: 'replace',
    });
    const refused = await loadIntoPostgres(input).catch((error: Error) => error);
    expect(refused).toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining(
        "constraint referencing_ref_fkey on table referencing. Use mode 'upsert' (a table other tables' foreign keys point at cannot be emptied first either)",
      ),
    });
    // The other advice is refused too (PostgreSQL would not TRUNCATE it).
    const truncating = inputFor(client, 'referenced', columns, batchesOf(rowsFrom(columns, [[2, 'x']])), {
      truncate: true,
    });
    await expect(loadIntoPostgres(truncating.input)).rejects.toMatchObject({
      code: 'TARGET_INCOMPATIBLE',
      message: expect.stringContaining('public.referenced cannot be emptied first'),
    });
  });

  it('creates the table when it does not exist', async () => {
    const { input } = inputFor(client, 'repl_new', columns, batchesOf(rowsFrom(columns, [[1, 'a']])), {
      mode: 'replace',
    });
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 1, createdTable: true });
  });
});

describe('incremental', () => {
  const columns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'updated_at', type: 'timestamptz' },
    { name: 'v', type: 'text' },
  ];
  const base = [
    [1, '2024-01-01T00:00:00Z', 'a'],
    [2, '2024-01-02T00:00:00Z', 'b'],
    [3, '2024-01-03T00:00:00Z', 'c'],
  ] as NormalizedValue[][];

  const run = (values: NormalizedValue[][], after: string | null, table = 'events') => {
    const { input, collected } = inputFor(client, table, columns, batchesOf(rowsFrom(columns, values)), {
      mode: 'incremental',
      key: ['id'],
      watermark: { column: 'updated_at', after },
    });
    return loadIntoPostgres(input).then((result) => ({ result, collected }));
  };

  it('loads rows above the watermark, and nothing when re-run without new data', async () => {
    const { result: r1 } = await run(base, null);
    expect(r1).toMatchObject({ inserted: 3, unchanged: 0 });
    expect(r1.newWatermark).toBe('2024-01-03 00:00:00+00');

    const { result: r2 } = await run(base, r1.newWatermark);
    // Below the watermark: skipped, not "unchanged" (they were never compared with the table). Row 3,
    // at the mark, is compared with the table by key: unchanged.
    expect(r2).toMatchObject({ inserted: 0, updated: 0, unchanged: 1, skipped: 2, rejected: 0 });
    // Nothing above the mark: no new mark (the stored one stays as it is).
    expect(r2.newWatermark).toBeNull();

    const more = [
      ...base,
      [2, '2024-01-05T00:00:00Z', 'b2'],
      [4, '2024-01-04T00:00:00Z', 'd'],
    ] as NormalizedValue[][];
    const { result: r3 } = await run(more, r1.newWatermark);
    // Rows 1 and 2 (the first) below the mark: skipped; row 3 at it: unchanged; key 2 later: updated.
    expect(r3).toMatchObject({ inserted: 1, updated: 1, unchanged: 1, skipped: 2 });
    expect(r3.newWatermark).toBe('2024-01-05 00:00:00+00');
    expect(balance(r3)).toBe(r3.rowsRead);
    expect((await tableRows(reader, 'events')).map((r) => r.v)).toEqual(['a', 'b2', 'c', 'd']);
  });

  it('a new row at exactly the watermark is loaded by the next run, the rows already loaded at it are unchanged', async () => {
    // Two orders in the same second: the first run sees ids 2 and 3, id 4 (same second) arrives after.
    const first = [
      [1, '2024-01-01T00:00:00Z', 'a'],
      [2, '2024-01-02T12:00:00Z', 'b'],
      [3, '2024-01-02T12:00:00Z', 'c'],
    ] as NormalizedValue[][];
    const { result: r1 } = await run(first, null, 'events_tie');
    expect(r1).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, skipped: 0 });
    expect(r1.newWatermark).toBe('2024-01-02 12:00:00+00');

    const { result: r2 } = await run(
      [...first, [4, '2024-01-02T12:00:00Z', 'd']] as NormalizedValue[][],
      r1.newWatermark,
      'events_tie',
    );
    // Row 1, below the mark: skipped. Rows 2 and 3, at it and already loaded: unchanged. Row 4, at it
    // and new: inserted (it used to be skipped, and lost for good).
    expect(r2).toMatchObject({
      inserted: 1,
      updated: 0,
      unchanged: 2,
      skipped: 1,
      superseded: 0,
      rejected: 0,
    });
    expect(balance(r2)).toBe(r2.rowsRead);
    // The mark does not move: no row above it.
    expect(r2.newWatermark).toBeNull();
    expect((await tableRows(reader, 'events_tie')).map((r) => [r.id, r.v])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
    ]);

    // A row at the mark that changed since is updated; the others at it are unchanged, loaded once.
    const { result: r3 } = await run(
      [
        [2, '2024-01-02T12:00:00Z', 'b'],
        [3, '2024-01-02T12:00:00Z', 'c2'],
        [4, '2024-01-02T12:00:00Z', 'd'],
      ] as NormalizedValue[][],
      r1.newWatermark,
      'events_tie',
    );
    expect(r3).toMatchObject({
      inserted: 0,
      updated: 1,
      unchanged: 2,
      skipped: 0,
      superseded: 0,
      rejected: 0,
    });
    expect(r3.newWatermark).toBeNull();
    expect((await tableRows(reader, 'events_tie')).map((r) => [r.id, r.v])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c2'],
      [4, 'd'],
    ]);
  });

  it('duplicateKeys reject: a key repeated at the mark is rejected like one above it', async () => {
    const mark = '2024-01-02T00:00:00Z';
    const values = [
      [1, '2024-01-01T00:00:00Z', 'below'],
      [2, mark, 'at'],
      [2, '2024-01-03T00:00:00Z', 'above'],
      [3, mark, 'at a'],
      [3, mark, 'at b'],
      [4, '2024-01-04T00:00:00Z', 'new'],
    ] as NormalizedValue[][];
    const { input, collected } = inputFor(
      client,
      'events_dups',
      columns,
      batchesOf(rowsFrom(columns, values)),
      {
        mode: 'incremental',
        key: ['id'],
        watermark: { column: 'updated_at', after: mark },
        duplicateKeys: 'reject',
      },
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 1, skipped: 1, superseded: 0, rejected: 4 });
    expect(collected.rejected.map((r) => r.errors[0]?.reason)).toEqual([
      'duplicate_key',
      'duplicate_key',
      'duplicate_key',
      'duplicate_key',
    ]);
    expect((await tableRows(reader, 'events_dups')).map((r) => [r.id, r.v])).toEqual([[4, 'new']]);
  });

  it('rejects a row without a watermark instead of skipping it', async () => {
    const { result, collected } = await run([[9, null, 'no time']], '2024-01-05T00:00:00Z');
    expect(result).toMatchObject({ inserted: 0, rejected: 1 });
    expect(collected.rejected[0]).toMatchObject({
      line: 2,
      stage: 'load',
      errors: [{ reason: 'missing_watermark', column: 'updated_at' }],
    });
  });

  it('refuses a watermark that is not a value of the column type', async () => {
    await expect(run(base, 'yesterday-ish')).rejects.toMatchObject({ code: 'SPEC_INVALID' });
  });
});

describe('chunks bigger than a COPY piece and than the read-ahead budget', () => {
  const columns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'body', type: 'text' },
  ];
  // 1 MiB rows, 20 to a chunk: each chunk is sent in many pieces, and the next chunk encoded while the
  // previous one completes outgrows the 16 MiB read-ahead budget, so the reader has to wait for it.
  const big = (i: number) => `${String(i).padStart(7, '0')}${'x'.repeat(1 << 20)}`;
  const values = (n: number, bad: number): NormalizedValue[][] =>
    Array.from({ length: n }, (_, k) => [k + 1, k + 1 === bad ? 'refused' : big(k + 1)]);

  for (const mode of ['append', 'upsert'] as const) {
    it(`loads every row exactly and isolates a refused one (${mode})`, async () => {
      const table = `big_${mode}`;
      await client.query(
        `CREATE TABLE ${table} (id integer PRIMARY KEY, body text CHECK (body <> 'refused'))`,
      );
      const { input, collected } = inputFor(
        client,
        table,
        columns,
        batchesOf(rowsFrom(columns, values(70, 47)), 7),
        {
          mode,
          key: ['id'],
          chunkRows: 20,
        },
      );
      const result = await loadIntoPostgres(input);
      expect(result).toMatchObject({ inserted: 69, rejected: 1 });
      expect(collected.rejected.map((r) => [r.line, r.errors[0]?.sqlstate])).toEqual([[48, '23514']]);
      const check = await reader.query(
        `SELECT count(*)::int AS n, bool_and(body = lpad(id::text, 7, '0') || repeat('x', 1048576)) AS exact
           FROM ${table}`,
      );
      expect(check.rows[0]).toEqual({ n: 69, exact: true });
    });
  }
});

describe('values the target column would round', () => {
  const columns: LoadColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'amount', type: 'numeric' },
    { name: 'at', type: 'timestamptz' },
  ];
  const values: NormalizedValue[][] = [
    [1, '12.34', '2024-01-01T00:00:00Z'],
    [2, '12.340', '2024-01-01T00:00:01.000Z'], // trailing zeros: nothing to round
    [3, '12.345', '2024-01-01T00:00:02Z'],
    [4, '1', '2024-01-01T00:00:03.5Z'],
    [5, 0.001, null],
  ];

  for (const [mode, duplicateKeys] of [
    ['append', 'last'],
    ['upsert', 'last'],
    ['upsert', 'reject'],
  ] as const) {
    it(`are refused with too_many_decimals, never rounded silently (${mode}, repeated keys: ${duplicateKeys})`, async () => {
      const table = `rounding_${mode}_${duplicateKeys}`;
      await client.query(
        `CREATE TABLE ${table} (id integer PRIMARY KEY, amount numeric(10,2), at timestamptz(0))`,
      );
      const { input, collected } = inputFor(client, table, columns, batchesOf(rowsFrom(columns, values)), {
        mode,
        key: ['id'],
        duplicateKeys,
      });
      const result = await loadIntoPostgres(input);
      expect(result).toMatchObject({ inserted: 2, rejected: 3 });
      expect(
        collected.rejected.map((r) => [r.line, r.stage, r.errors[0]?.column, r.errors[0]?.reason]),
      ).toEqual([
        [4, 'load', 'amount', 'too_many_decimals'],
        [5, 'load', 'at', 'too_many_decimals'],
        [6, 'load', 'amount', 'too_many_decimals'],
      ]);
      expect(collected.rejected[0]?.errors[0]?.message).toBe(
        'amount would be rounded: 12.345 has more decimal places than numeric(10,2) keeps (2); widen the column or round the value in the source',
      );
      const rows = await reader.query(`SELECT id, amount::text, at::text FROM ${table} ORDER BY id`);
      expect(rows.rows).toEqual([
        { id: 1, amount: '12.34', at: '2024-01-01 00:00:00+00' },
        { id: 2, amount: '12.34', at: '2024-01-01 00:00:01+00' },
      ]);
    });
  }
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { runOptions } from '../../runs/verbatim-test-support.ts';
import { exportReport } from '../../store/export.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { openSource } from '../open-source.ts';
import { sqlAsciiDatabase } from './test-sql-ascii.ts';

// A SQL_ASCII database keeps whatever bytes a program stored: legacy systems hold Latin-1 there
// ('é' as the one byte 0xE9). The server converts none of them, and with the session's client
// encoding UTF8 it refused the whole read on the first such byte ("the server refused the read:
// invalid byte sequence for encoding "UTF8": 0xe9"), nothing loaded. Now the read goes on: a row
// holding bytes that are not UTF-8 is rejected saying which column and which bytes, or, when the job
// names the encoding, the bytes are decoded as it says.

const ROWS = 3000;
let sourceUrl = '';
let utf8Url = '';
let url = '';
let client: pg.Client;
let store: RunStore;

beforeAll(async () => {
  sourceUrl = await sqlAsciiDatabase(inject('pgUrl'), 'loadstone_test_sql_ascii_source');
  const source = new pg.Client({ connectionString: sourceUrl });
  await source.connect();
  try {
    // Row 2: Latin-1 'é'; row 3: UTF-8 'é' (valid); row 4: two columns with Windows-1252 bytes, one
    // escaped by COPY (a tab); the rest plain, so that most rows go on as COPY text.
    await source.query(`CREATE TABLE people (id int PRIMARY KEY, name text, note text);
      INSERT INTO people VALUES (1, 'plain', NULL), (2, E'caf\\xe9', 'first'), (3, E'caf\\xc3\\xa9', 'second'),
        (4, E'\\x80 price', E'na\\xefve\\tbad'), (5, 'ok', '');
      INSERT INTO people SELECT n, 'person ' || n, 'more' FROM generate_series(6, ${ROWS}) n;
      INSERT INTO people VALUES (${ROWS + 1}, E'late \\xe9', NULL);
      CREATE TABLE keyless (name text);
      INSERT INTO keyless VALUES ('a'), (E'b\\xe9');`);
  } finally {
    await source.end();
  }
  utf8Url = await createTestDatabase(inject('pgUrl'), 'sql_ascii_utf8_source');
  url = await createTestDatabase(inject('pgUrl'), 'sql_ascii_target');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const load = (table: string, source: Record<string, unknown>) =>
  runLoad(
    {
      source: { kind: 'postgres', connection: sourceUrl, ...source },
      target: { connection: url, table },
      settings: { maxErrorRate: 1, sampleSize: 100 },
    } as never,
    runOptions(store),
  );

const loaded = async (table: string, ids: number[]) =>
  (await client.query(`SELECT id, name, note FROM ${table} WHERE id = ANY($1) ORDER BY id`, [ids])).rows.map(
    (r) => [r.id, r.name, r.note],
  );

describe('a SQL_ASCII PostgreSQL source', () => {
  it('loads every row that is UTF-8 and rejects each other one, naming the column, the row and the bytes', async () => {
    const outcome = await load('as_utf8', { table: 'people' });
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: ROWS + 1, inserted: ROWS - 2, rejected: 3 });
    expect(await loaded('as_utf8', [1, 3, 5, 6, ROWS])).toEqual([
      [1, 'plain', null],
      [3, 'café', 'second'],
      [5, 'ok', ''],
      [6, 'person 6', 'more'],
      [ROWS, `person ${ROWS}`, 'more'],
    ]);
    const rows = store.reports.page(outcome.runId).rows;
    expect(rows.map((r) => r.at)).toEqual([
      { kind: 'key', key: { id: '2' } },
      { kind: 'key', key: { id: '4' } },
      { kind: 'key', key: { id: String(ROWS + 1) } },
    ]);
    // Each value to blame is an error of its column (before: one row-level error, column empty).
    expect(rows[0]!.errors).toEqual([
      {
        column: 'name',
        value: 'caf\uFFFD',
        reason: 'invalid_encoding',
        sqlstate: null,
        message: expect.stringContaining(
          "column 'name' holds bytes that are not valid UTF-8: x'e9' at byte 4 of x'636166e9'",
        ),
      },
    ]);
    expect(rows[0]!.errors[0]!.message).toContain('"encoding": "windows-1252"');
    // The value kept as far as it can be shown: its bad bytes as U+FFFD.
    expect(rows[0]!.raw).toEqual({ id: 2, name: 'caf\uFFFD', note: 'first' });
    // Both columns are named, each its own error; the tab COPY escaped is a byte of the value again.
    expect(rows[1]!.errors.map((e) => [e.column, e.value])).toEqual([
      ['name', '\uFFFD price'],
      ['note', 'na\uFFFDve\tbad'],
    ]);
    expect(rows[1]!.errors[0]!.message).toContain(
      "column 'name' holds bytes that are not valid UTF-8: x'80' at byte 1 of x'80207072696365' (shown as U+FFFD)",
    );
    expect(rows[1]!.errors[1]!.message).toContain(
      "column 'note' holds bytes that are not valid UTF-8: x'ef' at byte 3 of x'6e61ef766509626164' (shown as U+FFFD)",
    );
    expect(rows[1]!.raw).toEqual({ id: 4, name: '\uFFFD price', note: 'na\uFFFDve\tbad' });
    // The row past the sample, read while the others went on as COPY text.
    expect(rows[2]!.raw).toEqual({ id: ROWS + 1, name: 'late \uFFFD', note: null });
  });

  it('the report, its column filter and its export name the target column the bad bytes were in', async () => {
    const outcome = await runLoad(
      {
        source: { kind: 'postgres', connection: sourceUrl, table: 'people' },
        target: { connection: url, table: 'renamed' },
        columns: [{ source: 'note', name: 'remark' }],
        settings: { maxErrorRate: 1, sampleSize: 100 },
      } as never,
      runOptions(store),
    );
    expect(outcome.error ?? null).toBeNull();
    const lines = (filter: Record<string, unknown>) =>
      store.reports.page(outcome.runId, filter).rows.map((r) => r.line);
    expect(lines({ column: 'name' })).toEqual([2, 4, ROWS + 1]);
    expect(lines({ column: 'remark' })).toEqual([4]);
    // A row-level problem is not what these are any more.
    expect(lines({ column: null })).toEqual([]);
    const summary = store.reports.summary(outcome.runId);
    expect(summary.map((s) => [s.reason, s.column, s.count])).toEqual([
      ['invalid_encoding', 'name', 3],
      ['invalid_encoding', 'remark', 1],
    ]);
    const file = join(tempDir(), 'report.csv');
    await exportReport(store, outcome.runId, 'csv', file);
    const csv = readFileSync(file, 'utf8');
    expect(csv).toContain(',parse,name; remark,invalid_encoding; invalid_encoding,');
  });

  it('a table without a key names the row by its position', async () => {
    const outcome = await load('keyless', { table: 'keyless' });
    expect(outcome.error ?? null).toBeNull();
    const rows = store.reports.page(outcome.runId).rows;
    expect(rows.map((r) => [r.at, r.raw])).toEqual([[{ kind: 'row', row: 2 }, { name: 'b\uFFFD' }]]);
    expect(rows[0]!.errors[0]!.message).toContain(
      "column 'name' holds bytes that are not valid UTF-8: x'e9'",
    );
  });

  it('decodes the bytes as the job says they are (windows-1252, latin1)', async () => {
    for (const encoding of ['windows-1252', 'latin1']) {
      const table = `as_${encoding.replace('-', '_')}`;
      const outcome = await load(table, { table: 'people', encoding });
      expect(outcome.error ?? null).toBeNull();
      expect(outcome.counts).toMatchObject({ read: ROWS + 1, inserted: ROWS + 1, rejected: 0 });
      expect(await loaded(table, [2, 3, 4, ROWS + 1])).toEqual([
        [2, 'café', 'first'],
        // UTF-8 bytes in a database said to be Windows-1252 are read as what the job says.
        [3, 'cafÃ©', 'second'],
        [4, '€ price', 'naïve\tbad'],
        [ROWS + 1, 'late é', null],
      ]);
    }
  });

  it('a preview shows what the load reads', async () => {
    const rowsOf = async (extra: Record<string, unknown>) => {
      const source = await openSource(
        { kind: 'postgres', connection: sourceUrl, table: 'people', ...extra } as never,
        { preview: { rows: 4 } },
      );
      const out: unknown[] = [];
      try {
        for await (const batch of source.rows()) {
          for (const row of batch) out.push([row.values, row.problem?.reason ?? null]);
        }
      } finally {
        await source.close();
      }
      return { format: source.format.encoding, out };
    };
    expect(await rowsOf({})).toEqual({
      format: 'utf-8',
      out: [
        [[1, 'plain', null], null],
        [[2, 'caf\uFFFD', 'first'], 'invalid_encoding'],
        [[3, 'café', 'second'], null],
        [[4, '\uFFFD price', 'na\uFFFDve\tbad'], 'invalid_encoding'],
      ],
    });
    // The preview names the columns to blame, as the report does.
    const shown = await preview(
      {
        source: { kind: 'postgres', connection: sourceUrl, table: 'people' },
        target: { connection: url, table: 'p' },
      },
      { limit: 4 },
    );
    expect(shown.rows.map((r) => r.problem?.columns ?? null)).toEqual([
      null,
      ['name'],
      null,
      ['name', 'note'],
    ]);
    expect(await rowsOf({ encoding: 'latin1' })).toEqual({
      format: 'latin1',
      out: [
        [[1, 'plain', null], null],
        [[2, 'café', 'first'], null],
        [[3, 'cafÃ©', 'second'], null],
        [[4, '€ price', 'naïve\tbad'], null],
      ],
    });
  });

  it('a UTF-8 database takes no other encoding: the server converts its text itself', async () => {
    const spec = parseJobSpec({
      source: { kind: 'postgres', connection: utf8Url, query: 'SELECT 1 AS x', encoding: 'latin1' },
      target: { connection: url, table: 'unused' },
    });
    await expect(planJob(spec)).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining(
        "source.encoding 'latin1' is for a SQL_ASCII database, whose bytes the server cannot convert; this database is UTF8",
      ),
    });
    const plain = await planJob(
      parseJobSpec({
        source: { kind: 'postgres', connection: utf8Url, query: "SELECT 'café' AS x", encoding: 'utf-8' },
        target: { connection: url, table: 'unused' },
      }),
    );
    try {
      expect(plain.sampleRows.map((r) => r.values)).toEqual([['café']]);
    } finally {
      await plain.source.close();
    }
  });
});

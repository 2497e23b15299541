import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NormalizedValue, RawValue } from '../../common/types.ts';
import { unescapeCopyField } from '../pg/copy-escapes.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { CopyBytes } from './copy-bytes.ts';
import { CopyRowWriter } from './copy-text.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, openClient, rowsFrom } from './test-support.ts';
import type { LoadColumn, LoadResult, LoadRow, VerbatimTarget } from './types.ts';
import { verbatimKeyFunction } from './verbatim-keys.ts';

// An upsert whose rows come as COPY text (runs of lines, `LoadRow.verbatim`): each line goes into the
// staging table after its ordinal, and its key is read back from its fields, so keys repeated inside
// a chunk and keys an earlier chunk applied count exactly as for rows that come as values.

let client: pg.Client;

beforeAll(async () => {
  client = await openClient(await createTestDatabase(inject('pgUrl'), 'verbatim_upsert'));
});
afterAll(async () => {
  await client?.end();
});

const COLUMNS: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'name', type: 'text' },
  { name: 'amount', type: 'numeric' },
  { name: 'seq', type: 'integer' },
];

/** 3,000 rows over 1,100 ids (repeated inside and across chunks), odd text, and NULL keys. */
function values(): NormalizedValue[][] {
  return Array.from({ length: 3000 }, (_, i) => {
    const id = i % 97 === 5 ? null : (i * 7) % 1100;
    const name = i % 11 === 0 ? `tab\there \\ new\nline é ${id}` : `name ${id}`;
    return [id, name, `${i}.5`, i];
  });
}

/** The rows as runs of COPY text lines (37 at a time, every fifth run as rows of values instead). */
function verbatimRows(rows: readonly NormalizedValue[][]): LoadRow[] {
  const writer = new CopyRowWriter(COLUMNS.map((c) => c.type));
  const usual = rowsFrom(COLUMNS, rows);
  const reparse = (line: string): RawValue[] =>
    line.split('\t').map((f) => (f === '\\N' ? null : unescapeCopyField(f, 0, f.length)));
  const out: LoadRow[] = [];
  for (let at = 0, run = 0; at < rows.length; at += 37, run++) {
    const slice = rows.slice(at, at + 37);
    if (run % 5 === 4) {
      out.push(...usual.slice(at, at + 37));
      continue;
    }
    const bytes = new CopyBytes();
    for (const row of slice) expect(writer.encode(row, bytes)).toBeNull();
    const text = bytes.buf.toString('utf8', 0, bytes.used - 1);
    out.push({
      line: at + 2,
      values: [],
      raw: {},
      rawColumns: COLUMNS.map((c) => c.name),
      text,
      textStart: 0,
      textEnd: text.length,
      reparse,
      verbatim: true,
      rows: slice.length,
    });
  }
  return out;
}

async function upsert(table: string, rows: LoadRow[], key: string[], after?: number) {
  await client.query(`DROP TABLE IF EXISTS ${table};
    CREATE TABLE ${table} (id integer, name text, amount numeric, seq integer, PRIMARY KEY (${key.join(', ')}))`);
  let offered: readonly VerbatimTarget[] | null = null;
  const { input, collected } = inputFor(client, table, COLUMNS, batchesOf(rows, 200), {
    ...(after === undefined
      ? { mode: 'upsert' as const }
      : { mode: 'incremental' as const, watermark: { column: 'seq', after } }),
    key,
    chunkRows: 500,
    verbatim: (targets) => {
      offered = targets;
      return true;
    },
  });
  const result = await loadIntoPostgres(input);
  const rejects = collected.rejected.map((r) => [r.line, r.errors.map((e) => e.reason).join()]).sort();
  return { result, rejects, offered: offered as readonly VerbatimTarget[] | null };
}

const counts = (r: LoadResult) => [r.inserted, r.updated, r.unchanged, r.superseded, r.rejected];

describe('an upsert of rows sent as COPY text', () => {
  for (const key of [['id'], ['id', 'name']]) {
    it(`counts and loads what rows of values do (key ${key.join(', ')})`, async () => {
      const rows = values();
      const asValues = await upsert('as_values', rowsFrom(COLUMNS, rows), key);
      const asText = await upsert('as_text', verbatimRows(rows), key);
      expect(asText.offered).not.toBeNull();
      expect(counts(asText.result)).toEqual(counts(asValues.result));
      expect(asText.result.superseded).toBeGreaterThan(1000);
      expect(asText.result.rejected).toBeGreaterThan(20);
      expect(asText.rejects).toEqual(asValues.rejects);
      const differing = await client.query(
        `SELECT count(*)::int AS n FROM ((TABLE as_text EXCEPT ALL TABLE as_values) UNION ALL (TABLE as_values EXCEPT ALL TABLE as_text)) d`,
      );
      expect(differing.rows[0].n).toBe(0);
      // The last row of each key won.
      const last = await client.query(
        'SELECT count(*)::int AS n FROM as_text t WHERE seq <> (SELECT max(seq) FROM as_text u WHERE u.id = t.id AND u.name = t.name)',
      );
      expect(last.rows[0].n).toBe(0);
    });
  }

  it('loads an incremental load as rows of values do: below the mark skipped, the new mark the same', async () => {
    const rows = values();
    // A NULL watermark never comes as COPY text (its source refuses to write it so): rows of values only.
    const withNull = rows.map((r, i) => (i % 13 === 0 ? [...r.slice(0, 3), null] : r));
    const text = verbatimRows(rows);
    const mixed: LoadRow[] = [];
    for (const row of text) {
      if (row.verbatim) mixed.push(row);
      else mixed.push(...rowsFrom(COLUMNS, withNull.slice(row.line - 2, row.line - 1), row.line));
    }
    const usualRows = rows.map((r, i) => {
      const run = Math.floor(i / 37);
      return run % 5 === 4 ? withNull[i]! : r;
    });
    const asValues = await upsert('as_values', rowsFrom(COLUMNS, usualRows), ['id'], 1200);
    const asText = await upsert('as_text', mixed, ['id'], 1200);
    expect(asText.offered?.[3]).toMatchObject({ notNull: true });
    expect(counts(asText.result)).toEqual(counts(asValues.result));
    expect(asText.result.skipped).toBe(asValues.result.skipped);
    expect(asText.result.skipped).toBeGreaterThan(500);
    expect(asText.result.newWatermark).toBe(asValues.result.newWatermark);
    expect(asText.rejects).toEqual(asValues.rejects);
    expect(asText.rejects.filter(([, reason]) => reason === 'missing_watermark').length).toBeGreaterThan(10);
    const differing = await client.query(
      `SELECT count(*)::int AS n FROM ((TABLE as_text EXCEPT ALL TABLE as_values) UNION ALL (TABLE as_values EXCEPT ALL TABLE as_text)) d`,
    );
    expect(differing.rows[0].n).toBe(0);
  });

  it('is not offered for a key read back from text differently than its value (a timestamp)', async () => {
    expect(verbatimKeyFunction([0], ['timestamptz'])).toBeNull();
    expect(verbatimKeyFunction([0, 1], ['integer', 'boolean'])).toBeNull();
    const key = verbatimKeyFunction([1, 0], ['integer', 'text']);
    expect(key!('12\tab\\tc', 0, 9)).toBe('ab\tc\u000012\u0000');
    expect(key!('\\N\tx', 0, 4)).toBeUndefined();
    expect(verbatimKeyFunction([0], ['bigint'])!(Buffer.from('9007199254740993\tx'), 0, 18)).toBe(
      '9007199254740993',
    );
  });
});

describe('what a table column allows rows sent as COPY text', () => {
  it('says which existing columns round: not a timestamp(6), a timestamp(3) and numeric(12,2) do', async () => {
    await client.query(`DROP TABLE IF EXISTS shapes;
      CREATE TABLE shapes (at timestamp(6), at3 timestamptz(3), amount numeric(12,2), ratio numeric(6,-2))`);
    const columns: LoadColumn[] = [
      { name: 'at', type: 'timestamptz' },
      { name: 'at3', type: 'timestamptz' },
      { name: 'amount', type: 'numeric' },
      { name: 'ratio', type: 'numeric' },
    ];
    let offered: readonly VerbatimTarget[] = [];
    const { input } = inputFor(
      client,
      'shapes',
      columns,
      batchesOf(
        rowsFrom(columns, [['2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00.123Z', '1.25', '100']]),
      ),
      {
        verbatim: (targets) => {
          offered = targets;
          return false;
        },
      },
    );
    expect((await loadIntoPostgres(input)).inserted).toBe(1);
    expect(offered).toEqual([
      { base: 'timestamp', rounds: false },
      { base: 'timestamptz', rounds: true, secondsDigits: 3 },
      { base: 'numeric', rounds: true, decimals: 2 },
      { base: 'numeric', rounds: true },
    ]);
  });
});

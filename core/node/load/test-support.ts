import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { NormalizedValue, RawValue, RejectedRow } from '../../common/types.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import type { LoadBatch, LoadColumn, LoadInput, LoadProgress, LoadRow } from './types.ts';

/** Test helpers for the loader's integration tests (not used by the product). */

/** Opens a client on `url` with an error listener (a dropped idle connection must not crash the test run). */
export async function openClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A row whose raw cells are the values as text, keyed by column name; line = index + 2 (after a header). */
export function rowsFrom(
  columns: readonly LoadColumn[],
  values: readonly (readonly NormalizedValue[])[],
  firstLine = 2,
): LoadRow[] {
  return values.map((v, i) => {
    const raw: Record<string, RawValue> = {};
    columns.forEach((c, j) => {
      const x = v[j];
      raw[c.name] =
        x === null || x === undefined ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x);
    });
    return { line: firstLine + i, values: v, raw };
  });
}

/** Batches of `size` rows; `rowsRead` counts rows and the upstream rejects given for the first batch. */
export async function* batchesOf(
  rows: readonly LoadRow[],
  size = 1000,
  upstream: readonly RejectedRow[] = [],
): AsyncGenerator<LoadBatch> {
  let read = upstream.length;
  if (rows.length === 0) {
    yield { rows: [], rejectedUpstream: upstream, rowsRead: read };
    return;
  }
  for (let i = 0; i < rows.length; i += size) {
    const slice = rows.slice(i, i + size);
    read += slice.length;
    yield { rows: slice, rejectedUpstream: i === 0 ? upstream : [], rowsRead: read };
  }
}

/** Collects what the loader reports. */
export interface Collected {
  rejected: RejectedRow[];
  progress: LoadProgress[];
}

/** A LoadInput with defaults (append, one transaction, no error limit), collecting rejects and progress. */
export function inputFor(
  client: pg.Client,
  table: string,
  columns: readonly LoadColumn[],
  batches: AsyncIterable<LoadBatch>,
  overrides: Partial<LoadInput> = {},
): { input: LoadInput; collected: Collected } {
  const collected: Collected = { rejected: [], progress: [] };
  const input: LoadInput = {
    client,
    table,
    columns,
    mode: 'append',
    duplicateKeys: 'last',
    addMissingColumns: false,
    dryRun: false,
    maxErrorRate: 1,
    batches,
    onRejected: (rows) => collected.rejected.push(...rows),
    onProgress: (p) => collected.progress.push(p),
    ...overrides,
  };
  return { input, collected };
}

/**
 * A test file's own database and two connections to it (`client` loads, `reader` looks from
 * outside the load's transaction), opened before its tests and closed after them.
 */
export function loadTestDatabase(name: string): { readonly client: pg.Client; readonly reader: pg.Client } {
  const db = {} as { client: pg.Client; reader: pg.Client };
  beforeAll(async () => {
    const url = await createTestDatabase(inject('pgUrl'), name);
    db.client = await openClient(url);
    db.reader = await openClient(url);
  });
  afterAll(async () => {
    await db.client?.end();
    await db.reader?.end();
  });
  return db;
}

/** All rows of a table as objects, ordered by the first column. */
export async function tableRows(client: pg.Client, table: string): Promise<Record<string, unknown>[]> {
  const r = await client.query(`SELECT * FROM ${table} ORDER BY 1`);
  return r.rows;
}

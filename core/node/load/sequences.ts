import type pg from 'pg';
import { type QualifiedTable, qualify, quoteIdent } from '../pg/identifiers.ts';
import type { TableInfo } from './catalog.ts';
import type { LoadColumn } from './types.ts';

/**
 * Loaded columns whose values a sequence otherwise gives (identity, serial): explicit values
 * written into them leave the sequence behind, and the next INSERT that takes its value collides.
 */
export function sequencedColumns(columns: readonly LoadColumn[], info: TableInfo | null): string[] {
  if (!info) return [];
  const loaded = new Set(columns.map((c) => c.name));
  return info.columns
    .filter(
      (c) =>
        loaded.has(c.name) &&
        (c.identity !== '' || c.hasDefault) &&
        ['int2', 'int4', 'int8'].includes(c.base),
    )
    .map((c) => c.name);
}

/**
 * Moves the sequence of each column (identity or serial, `pg_get_serial_sequence`) up to the
 * column's greatest value when the load wrote values past it, as pg_dump and pgloader do. Never
 * moves one back, nor a descending one. Best effort: a sequence the load's role may not update is
 * left as it was (the load itself is not failed for it). setval is not undone by a rollback: run
 * it just before each COMMIT (`LoadSession.commit`), inside the transaction it covers.
 */
export async function advanceSequences(
  client: pg.Client,
  table: QualifiedTable,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    await client.query('SAVEPOINT loadstone_seq');
    try {
      await client.query(
        `SELECT setval(q.seq, q.m) FROM (
           SELECT s.seq, (SELECT max(${quoteIdent(name)}) FROM ${qualify(table)})::bigint AS m
             FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) s WHERE s.seq IS NOT NULL) q
           JOIN pg_sequence p ON p.seqrelid = q.seq
          WHERE q.m IS NOT NULL AND p.seqincrement > 0 AND q.m BETWEEN p.seqmin AND p.seqmax
            AND q.m > coalesce(pg_sequence_last_value(q.seq), p.seqstart - 1)`,
        [qualify(table), name],
      );
      await client.query('RELEASE SAVEPOINT loadstone_seq');
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT loadstone_seq; RELEASE SAVEPOINT loadstone_seq');
      // A cancel is the operator's, not the sequence's: the load stops.
      if ((error as { code?: string }).code === '57014') throw error;
    }
  }
}

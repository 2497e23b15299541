import type pg from 'pg';
import { type QualifiedTable, quoteIdent } from '../pg/identifiers.ts';
import type { CommittedPosition } from '../store/index.ts';

/**
 * The control table: one row per run that commits as it goes (commit-every), in the schema of the
 * run's target table, written by the same transaction as each committed chunk. So the target itself
 * says how far a run got, even when the process died between a COMMIT and the run store's update.
 */
export const CONTROL_TABLE = 'loadstone_load_progress';

/** `"schema"."loadstone_load_progress"`. */
export function controlTable(schema: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(CONTROL_TABLE)}`;
}

/** Creates the control table when missing (inside the caller's transaction). */
export function createControlTableSql(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${controlTable(schema)} (
  run_id text PRIMARY KEY,
  target_table text NOT NULL,
  records bigint,
  line bigint,
  bytes bigint NOT NULL,
  sha256 text NOT NULL,
  rows_read bigint NOT NULL,
  inserted bigint NOT NULL,
  updated bigint NOT NULL,
  unchanged bigint NOT NULL,
  skipped bigint NOT NULL,
  superseded bigint NOT NULL,
  rejected bigint NOT NULL,
  final boolean NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
)`;
}

/** Writes a run's position (insert or replace its row). */
export async function writeControlRow(
  client: pg.Client,
  runId: string,
  table: QualifiedTable,
  p: CommittedPosition,
): Promise<void> {
  const c = p.counts;
  await client.query(
    `INSERT INTO ${controlTable(table.schema)} (run_id, target_table, records, line, bytes, sha256, rows_read,
       inserted, updated, unchanged, skipped, superseded, rejected, final)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (run_id) DO UPDATE SET records = $3, line = $4, bytes = $5, sha256 = $6, rows_read = $7,
       inserted = $8, updated = $9, unchanged = $10, skipped = $11, superseded = $12, rejected = $13,
       final = $14, committed_at = now()`,
    [
      runId,
      `${table.schema}.${table.name}`,
      p.records,
      p.line,
      p.bytes,
      p.sha256,
      c.read,
      c.inserted,
      c.updated,
      c.unchanged,
      c.skipped,
      c.superseded,
      c.rejected,
      p.final,
    ],
  );
}

interface ControlRow {
  records: string | null;
  line: string | null;
  bytes: string;
  sha256: string;
  rows_read: string;
  inserted: string;
  updated: string;
  unchanged: string;
  skipped: string;
  superseded: string;
  rejected: string;
  final: boolean;
}

/** A run's control row in `schema`, or null when there is none (or no control table). */
export async function readControlRow(
  client: pg.Client,
  schema: string,
  runId: string,
): Promise<CommittedPosition | null> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    controlTable(schema),
  ]);
  if (exists.rows[0]?.t == null) return null;
  const r = await client.query<ControlRow>(`SELECT * FROM ${controlTable(schema)} WHERE run_id = $1`, [
    runId,
  ]);
  const row = r.rows[0];
  if (!row) return null;
  const n = (x: string | null) => (x === null ? null : Number(x));
  return {
    records: n(row.records),
    line: n(row.line),
    bytes: Number(row.bytes),
    sha256: row.sha256,
    counts: {
      read: Number(row.rows_read),
      inserted: Number(row.inserted),
      updated: Number(row.updated),
      unchanged: Number(row.unchanged),
      skipped: Number(row.skipped),
      superseded: Number(row.superseded),
      rejected: Number(row.rejected),
    },
    final: row.final,
  };
}

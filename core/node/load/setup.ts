import { type QualifiedTable, qualify, quoteIdent } from '../pg/identifiers.ts';
import type { TableInfo } from './catalog.ts';
import type { FractionLimit } from './fraction-limit.ts';
import type { MoveColumn } from './statements.ts';
import type { LoadColumn } from './types.ts';

/** `CREATE TABLE` from the column spec; key columns (upsert/incremental) become the primary key. */
export function createTableSql(
  table: QualifiedTable,
  columns: readonly LoadColumn[],
  key: readonly string[],
): string {
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`);
  if (key.length > 0) defs.push(`PRIMARY KEY (${key.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE ${qualify(table)} (${defs.join(', ')})`;
}

/** `ALTER TABLE … ADD COLUMN` for spec columns the table lacks (nullable, spec type); null when none. */
export function addColumnsSql(
  table: QualifiedTable,
  missing: readonly { column: string; type: string }[],
): string | null {
  if (missing.length === 0) return null;
  const adds = missing.map((m) => `ADD COLUMN ${quoteIdent(m.column)} ${m.type}`);
  return `ALTER TABLE ${qualify(table)} ${adds.join(', ')}`;
}

/**
 * `TRUNCATE` of the target before an append that asked for it. `ONLY` for a table others inherit
 * from: a plain TRUNCATE empties those other tables too (a partitioned table's partitions are its
 * own rows, and it takes no ONLY).
 */
export function truncateSql(table: QualifiedTable, info: Pick<TableInfo, 'inherited'>): string {
  return `TRUNCATE ${info.inherited ? 'ONLY ' : ''}${qualify(table)}`;
}

/** `CREATE SCHEMA` for a target schema that does not exist (offered to the operator, never run by a load). */
export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA ${quoteIdent(schema)}`;
}

/** A unique index on the upsert key (offered to the operator, never run by a load). */
export function createUniqueIndexSql(table: QualifiedTable, columns: readonly string[]): string {
  return `CREATE UNIQUE INDEX ON ${qualify(table)} (${columns.map(quoteIdent).join(', ')})`;
}

/**
 * The load columns as the move statements need them: cast targets from the table's catalog types
 * (or the spec types for a table created or columns added by this load).
 */
export function moveColumns(columns: readonly LoadColumn[], info: TableInfo | null): MoveColumn[] {
  const byName = new Map(info?.columns.map((c) => [c.name, c]) ?? []);
  return columns.map((c) => {
    const t = byName.get(c.name);
    if (!t) return { name: c.name, castType: c.type, fullType: c.type, compareAsText: false };
    return { name: c.name, castType: t.castType, fullType: t.display, compareAsText: t.base === 'json' };
  });
}

/**
 * Per load column, what its target column would round (see `FractionLimit`): numbers into a
 * `numeric(p,s)`, timestamps into a `timestamp(p)`/`timestamptz(p)`. Null where nothing rounds (a
 * created table has unconstrained types).
 */
export function fractionLimits(
  columns: readonly LoadColumn[],
  info: TableInfo | null,
): (FractionLimit | null)[] {
  const byName = new Map(info?.columns.map((c) => [c.name, c]) ?? []);
  return columns.map((c) => {
    const t = byName.get(c.name);
    if (!t || t.fractionDigits === null) return null;
    const numeric = c.type === 'integer' || c.type === 'bigint' || c.type === 'numeric';
    if (numeric && t.base === 'numeric')
      return { kind: 'decimal', digits: t.fractionDigits, display: t.display };
    if (c.type === 'timestamptz' && (t.base === 'timestamp' || t.base === 'timestamptz')) {
      // A normalized time has at most 6 fraction digits (microseconds, as PostgreSQL keeps): a
      // `timestamp(6)` (Rails' datetime) rounds none of them, so it is no limit.
      if (t.fractionDigits >= 6) return null;
      return { kind: 'seconds', digits: t.fractionDigits, display: t.display };
    }
    return null;
  });
}

/**
 * Per column, whether it is a PostgreSQL source's bytea (read as its hex digits, a text column)
 * going into an existing bytea column (`typeProblem` lets a column of the source's own type take
 * it): its COPY field is then bytea's hex input, `\x` and the digits (`CopyRowWriter`).
 */
export function hexBytesColumns(columns: readonly LoadColumn[], info: TableInfo | null): boolean[] {
  const byName = new Map(info?.columns.map((c) => [c.name, c]) ?? []);
  return columns.map(
    (c) => c.type === 'text' && c.nativeType === 'bytea' && byName.get(c.name)?.base === 'bytea',
  );
}

/** Whether any loaded column is GENERATED ALWAYS AS IDENTITY (inserting it needs OVERRIDING SYSTEM VALUE). */
export function needsOverriding(columns: readonly LoadColumn[], info: TableInfo | null): boolean {
  const loaded = new Set(columns.map((c) => c.name));
  return info?.columns.some((c) => c.identity === 'a' && loaded.has(c.name)) ?? false;
}

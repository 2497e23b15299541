import type pg from 'pg';
import { displayTable, type QualifiedTable, quoteIdent, type TableName } from '../pg/identifiers.ts';

/** A table column as the catalog describes it. */
export interface TableColumn {
  readonly name: string;
  /** `format_type` with modifiers, e.g. `character varying(10)`, for messages. */
  readonly display: string;
  /** `format_type` without modifiers: the type we cast staged text to (assignment then applies the modifier). */
  readonly castType: string;
  /** Base type name (`int4`, `varchar`…), through one level of domain. */
  readonly base: string;
  /** `pg_type.typtype` of the base type (`b` base, `e` enum…). */
  readonly baseKind: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** `a` (always) or `d` (by default) for identity columns, else ''. */
  readonly identity: string;
  /** `s` for stored generated columns, else ''. */
  readonly generated: string;
  /**
   * Digits the column keeps after the decimal point, when its type modifier rounds values: the
   * scale of `numeric(p,s)` (negative on PostgreSQL 15+ rounds before the point), the precision of
   * `timestamp(p)` / `timestamptz(p)`. Null when unconstrained. Through one level of domain.
   */
  readonly fractionDigits: number | null;
}

/** What the loader needs to know about an existing table. */
export interface TableInfo {
  readonly oid: number;
  /** `r` table, `p` partitioned table, `v` view… */
  readonly relkind: string;
  readonly columns: readonly TableColumn[];
  /** Column sets of the unique, non-partial, immediate indexes (usable as ON CONFLICT arbiters). */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Unique indexes ON CONFLICT cannot use (deferrable, partial, not valid), with why. */
  readonly unusableKeys: readonly { columns: readonly string[]; index: string; why: string }[];
  /** A plain table that other tables inherit from (their rows are not its own: a TRUNCATE leaves them). */
  readonly inherited: boolean;
  /** Other tables' foreign keys pointing at it (`name on schema.table`): they stop a TRUNCATE. */
  readonly referencedBy: readonly string[];
}

/** The schema a name resolves to (the current schema when none was given) and whether it exists. */
export async function resolveSchema(
  client: pg.Client,
  name: TableName,
): Promise<{ table: QualifiedTable; problem: string | null }> {
  if (name.schema === null) {
    const r = await client.query<{ s: string | null }>('SELECT current_schema() AS s');
    const schema = r.rows[0]?.s ?? null;
    if (schema === null) {
      return {
        table: { schema: '', name: name.name },
        problem: `no schema given for ${displayTable(name)} and none of the search_path schemas exists`,
      };
    }
    return { table: { schema, name: name.name }, problem: null };
  }
  const r = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name.schema]);
  const problem =
    r.rowCount === 0
      ? `schema ${displayTable({ schema: null, name: name.schema })} does not exist ` +
        `(a load never creates a schema, so a typo cannot make one; create it first: CREATE SCHEMA ${quoteIdent(name.schema)})`
      : null;
  return { table: { schema: name.schema, name: name.name }, problem };
}

/** Reads a table's columns and unique keys; null when there is no relation of that name. */
export async function readTableInfo(client: pg.Client, table: QualifiedTable): Promise<TableInfo | null> {
  const rel = await client.query<{
    oid: number;
    relkind: string;
    inherited: boolean;
    referenced_by: string[] | null;
  }>(
    `SELECT c.oid::int AS oid, c.relkind::text AS relkind,
            c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid) AS inherited,
            (SELECT array_agg(quote_ident(f.conname) || ' on ' || f.conrelid::regclass::text ORDER BY 1)
               FROM pg_constraint f WHERE f.confrelid = c.oid AND f.conrelid <> c.oid AND f.contype = 'f') AS referenced_by
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [table.schema, table.name],
  );
  const found = rel.rows[0];
  if (!found) return null;
  const cols = await client.query<{
    name: string;
    display: string;
    cast_type: string;
    base: string;
    base_kind: string;
    not_null: boolean;
    has_default: boolean;
    identity: string;
    generated: string;
    fraction_digits: number | null;
  }>(
    `SELECT a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS display,
            -- The type a staged value is cast to: without its modifier, so that the INSERT's assignment
            -- applies the modifier (a numeric(12,2) column's rounds, a varchar(n)'s refuses a value too
            -- long), never the cast. An explicit cast to character(n) or bit(n) cuts or pads the value
            -- without a word, and their names alone read as character(1) and bit(1): they are cast to
            -- text and bit varying, whose assignment to the column refuses what does not fit
            -- ("value too long for type character(20)", "bit string length 3 does not match type bit(2)").
            CASE WHEN t.typtype = 'd' THEN format_type(a.atttypid, NULL)
                 WHEN t.typname = 'bpchar' THEN 'text'
                 WHEN t.typname = '_bpchar' THEN 'text[]'
                 WHEN t.typname = 'bit' THEN 'bit varying'
                 WHEN t.typname = '_bit' THEN 'bit varying[]'
                 ELSE format_type(a.atttypid, NULL) END AS cast_type,
            CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END AS base,
            (CASE WHEN t.typtype = 'd' THEN bt.typtype ELSE t.typtype END)::text AS base_kind,
            a.attnotnull AS not_null, a.atthasdef AS has_default,
            a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN m.typmod < 0 THEN NULL
                 -- numeric: typmod = ((precision << 16) | scale) + 4, the scale an 11-bit signed number
                 WHEN m.base = 'numeric' AND m.typmod >= 4 THEN (((m.typmod - 4) & 2047) # 1024) - 1024
                 WHEN m.base IN ('timestamp', 'timestamptz') THEN m.typmod
            END AS fraction_digits
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
       CROSS JOIN LATERAL (
         SELECT CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END AS base,
                CASE WHEN a.atttypmod >= 0 THEN a.atttypmod ELSE t.typtypmod END AS typmod
       ) m
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [found.oid],
  );
  // Unique indexes on plain columns; those ON CONFLICT cannot take as arbiters say why.
  const keys = await client.query<{ cols: string[]; name: string; unusable: string | null }>(
    `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols, ic.relname AS name,
            CASE WHEN NOT i.indimmediate THEN 'DEFERRABLE' WHEN NOT i.indisvalid THEN 'not valid'
                 WHEN i.indpred IS NOT NULL THEN 'partial (it has a WHERE)' END AS unusable
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisunique AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
      GROUP BY i.indexrelid, ic.relname, i.indimmediate, i.indisvalid, i.indpred IS NOT NULL`,
    [found.oid],
  );
  return {
    oid: found.oid,
    relkind: found.relkind,
    columns: cols.rows.map((c) => ({
      name: c.name,
      display: c.display,
      castType: c.cast_type,
      base: c.base,
      baseKind: c.base_kind,
      notNull: c.not_null,
      hasDefault: c.has_default,
      identity: c.identity,
      generated: c.generated,
      fractionDigits: c.fraction_digits,
    })),
    uniqueKeys: keys.rows.filter((k) => k.unusable === null).map((k) => k.cols),
    unusableKeys: keys.rows.flatMap((k) =>
      k.unusable === null ? [] : [{ columns: k.cols, index: k.name, why: k.unusable }],
    ),
    inherited: found.inherited,
    referencedBy: found.referenced_by ?? [],
  };
}

import type pg from 'pg';
import type { TargetColumnType } from '../../common/normalize/infer.ts';
import type { LoadMode } from '../../common/spec/job-spec.ts';
import type { ColumnType } from '../../common/types.ts';
import { displayTable, parseTableName, type QualifiedTable, type TableName } from '../pg/identifiers.ts';
import { readTableInfo, resolveSchema, type TableColumn, type TableInfo } from './catalog.ts';
import { EMPTY_FIRST } from './replace.ts';
import {
  addColumnsSql,
  createSchemaSql,
  createTableSql,
  createUniqueIndexSql,
  truncateSql,
} from './setup.ts';
import type { CompatibilityReport, ExtraColumn, IncompatibleColumn, LoadColumn, TargetFix } from './types.ts';

const TEXT_LIKE = ['text', 'varchar', 'bpchar', 'citext'];

/**
 * Table types no spec type stands for whose values an operator writes as text (`08:30`, `2 hours`,
 * `10.0.0.1`, `08:00:2b:01:02:03`): text goes into them as it is and the database reads each value,
 * refusing a row whose text is not one (`database_rejected`, with its message and column), as it
 * checks an enum's labels.
 */
const READS_TEXT = ['time', 'timetz', 'interval', 'inet', 'cidr', 'macaddr', 'macaddr8'];

/**
 * Which table base types take each spec type. Narrower numeric columns (int2 for an integer)
 * are accepted: a value out of their range is refused row by row, never altered. Conversions
 * that would alter values silently are not: a decimal into an integer column (rounded), a bigint
 * into a float (precision beyond 2^53), an integer into float4 (beyond 2^24), a timestamp into a
 * date (time dropped), text into anything but text (and READS_TEXT). Dates into timestamp columns become midnight
 * UTC, timestamptz into `timestamp` the UTC wall time (the loader's session time zone is UTC).
 */
const ACCEPTS: Record<ColumnType, readonly string[]> = {
  integer: ['int2', 'int4', 'int8', 'numeric', 'float8', ...TEXT_LIKE],
  bigint: ['int2', 'int4', 'int8', 'numeric', ...TEXT_LIKE],
  numeric: ['numeric', 'float4', 'float8', ...TEXT_LIKE],
  boolean: ['bool', ...TEXT_LIKE],
  date: ['date', 'timestamp', 'timestamptz', ...TEXT_LIKE],
  timestamptz: ['timestamptz', 'timestamp', ...TEXT_LIKE],
  uuid: ['uuid', ...TEXT_LIKE],
  jsonb: ['jsonb', 'json', ...TEXT_LIKE],
  text: [...TEXT_LIKE, ...READS_TEXT],
};

/** The spec type each table base type stores (see `typeOfTableColumn`). */
const STORES: Readonly<Record<string, ColumnType>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'numeric',
  float4: 'numeric',
  float8: 'numeric',
  bool: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
  json: 'jsonb',
  jsonb: 'jsonb',
  ...Object.fromEntries(TEXT_LIKE.map((t) => [t, 'text' as const])),
};

/**
 * The spec type a load normalizes values into for an existing column: the one whose values the
 * column stores as they are (an `int2` takes integers, a `timestamp` timestamps, an enum its labels
 * as text). Null for what no spec type maps onto (arrays, bytea, intervals, geometry…) and for a
 * generated column, which no load writes: those columns keep the type their values suggest.
 */
export function typeOfTableColumn(column: TableColumn): ColumnType | null {
  if (column.generated !== '') return null;
  if (column.baseKind === 'e') return 'text';
  return STORES[column.base] ?? null;
}

/**
 * The types an existing table's columns store, by column name (`typeOfTableColumn`; columns no spec
 * type maps onto are left out), for inference to type the columns a job does not (see
 * `InferInput.targetTypes`). Null when the table does not exist yet (or its schema does not).
 * Reads the catalog only.
 */
export async function readTargetTypes(
  client: pg.Client,
  table: string | TableName,
): Promise<Map<string, TargetColumnType> | null> {
  const name = typeof table === 'string' ? parseTableName(table) : table;
  const resolved = await resolveSchema(client, name);
  if (resolved.problem) return null;
  const info = await readTableInfo(client, resolved.table);
  if (!info || (info.relkind !== 'r' && info.relkind !== 'p')) return null;
  const types = new Map<string, TargetColumnType>();
  for (const column of info.columns) {
    const type = typeOfTableColumn(column);
    if (type) types.set(column.name, { type, display: column.display });
  }
  return types;
}

/**
 * Why a table column cannot take a spec type, or null when it can. `nativeType`: the source
 * database's own type of a text column (`LoadColumn.nativeType`); a column of exactly that type
 * takes the text (an `integer[]` into an `integer[]`).
 */
export function typeProblem(spec: ColumnType, column: TableColumn, nativeType?: string): string | null {
  if (column.generated !== '') return 'a generated column cannot be loaded';
  if (spec === 'text' && column.baseKind === 'e') return null; // enum: labels checked row by row
  if (spec === 'text' && nativeType !== undefined && nativeType === column.display) return null;
  if (ACCEPTS[spec].includes(column.base)) return null;
  return `a ${spec} value cannot be stored in ${column.display} without changing it`;
}

/** Options that change what counts as compatible. */
export interface CompatibilityOptions {
  readonly mode?: LoadMode;
  readonly key?: readonly string[];
  readonly addMissingColumns?: boolean;
  /** Append: the table is emptied first (adds the TRUNCATE to `ddl`). */
  readonly truncate?: boolean;
}

/**
 * Compares an existing table with the column spec, before any row moves: spec columns the table
 * lacks, table columns the source does not provide (fine when nullable, defaulted, identity or
 * generated; a NOT NULL column without default is incompatible), type mismatches, and for
 * upsert/incremental whether a unique key matches the key columns. Reads the catalog only.
 */
export async function checkCompatibility(
  client: pg.Client,
  table: string | TableName,
  columns: readonly LoadColumn[],
  opts: CompatibilityOptions = {},
): Promise<CompatibilityReport> {
  const name = typeof table === 'string' ? parseTableName(table) : table;
  const resolved = await resolveSchema(client, name);
  if (resolved.problem) {
    const missingSchema = name.schema !== null && resolved.table.schema === name.schema;
    const problems = [...generalProblems(columns, opts), resolved.problem];
    const fixes: TargetFix[] = missingSchema
      ? [{ kind: 'create_schema', schema: name.schema!, sql: createSchemaSql(name.schema!) }]
      : [];
    // Once the schema exists the table is created: show that statement too.
    const ddl =
      missingSchema && columns.length > 0 ? [createTableSql(resolved.table, columns, keyOf(opts))] : [];
    return { ...report(resolved.table, false, [], [], [], problems, opts), fixes, ddl };
  }
  const info = await readTableInfo(client, resolved.table);
  return compareWithTable(resolved.table, info, columns, opts);
}

/** Key columns of an upsert/incremental load (the primary key of a table it creates). */
function keyOf(opts: CompatibilityOptions): readonly string[] {
  return opts.mode === 'upsert' || opts.mode === 'incremental' ? (opts.key ?? []) : [];
}

/** Problems that do not depend on the table: nothing to load, truncate outside append. */
function generalProblems(columns: readonly LoadColumn[], opts: CompatibilityOptions): string[] {
  const problems: string[] = [];
  if (columns.length === 0) {
    problems.push('the source has no columns to load (the file has no fields, or every column is skipped)');
  }
  if (opts.truncate && opts.mode !== undefined && opts.mode !== 'append') {
    problems.push(`emptying the table first only applies to mode 'append', not '${opts.mode}'`);
  }
  return problems;
}

/** The pure half of `checkCompatibility`, for a table already read. */
export function compareWithTable(
  table: QualifiedTable,
  info: TableInfo | null,
  columns: readonly LoadColumn[],
  opts: CompatibilityOptions,
): CompatibilityReport {
  const general = generalProblems(columns, opts);
  if (!info) {
    const r = report(table, false, [], [], [], general, opts);
    return r.ok ? { ...r, ddl: [createTableSql(table, columns, keyOf(opts))] } : r;
  }
  const problems: string[] = [...general];
  const fixes: TargetFix[] = [];
  const shown = displayTable(table);
  if (info.relkind !== 'r' && info.relkind !== 'p') {
    problems.push(`${shown} is a ${RELKINDS[info.relkind] ?? 'relation'}, not a table`);
  }
  if (opts.truncate && opts.mode === 'append' && info.referencedBy.length > 0) {
    problems.push(
      `${shown} cannot be emptied first: PostgreSQL refuses to TRUNCATE a table other tables' foreign keys point at ` +
        `(${info.referencedBy.join(', ')}); use mode 'upsert', or append without emptying it`,
    );
  }
  if (opts.mode === 'replace' && info.relkind === 'p') {
    problems.push(
      `${shown} is partitioned; mode 'replace' cannot swap a partitioned table: use mode 'append' with ${EMPTY_FIRST}`,
    );
  }
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  const specNames = new Set(columns.map((c) => c.name));
  const missing: { column: string; type: ColumnType }[] = [];
  const incompatible: IncompatibleColumn[] = [];
  for (const col of columns) {
    const tableCol = byName.get(col.name);
    if (!tableCol) {
      missing.push({ column: col.name, type: col.type });
      continue;
    }
    const why = typeProblem(col.type, tableCol, col.nativeType);
    if (why)
      incompatible.push({ column: col.name, tableType: tableCol.display, specType: col.type, reason: why });
  }
  const extra: ExtraColumn[] = [];
  for (const c of info.columns) {
    if (specNames.has(c.name)) continue;
    const hasDefault = c.hasDefault || c.identity !== '' || c.generated !== '';
    extra.push({ column: c.name, type: c.display, nullable: !c.notNull, hasDefault });
    if (c.notNull && !hasDefault) {
      incompatible.push({
        column: c.name,
        tableType: c.display,
        specType: null,
        reason: 'NOT NULL without a default, and the source does not provide it',
      });
    }
  }
  if ((opts.mode === 'upsert' || opts.mode === 'incremental') && opts.key && opts.key.length > 0) {
    const want = [...opts.key].sort().join('\u0000');
    const same = (k: readonly string[]) => [...k].sort().join('\u0000') === want;
    const found = info.uniqueKeys.some(same);
    const named = (k: { index: string }) => displayTable({ schema: null, name: k.index });
    // ON CONFLICT takes every unique index on exactly the key columns as an arbiter, and refuses
    // a deferrable one: another index on the same columns would not help.
    const deferrable = info.unusableKeys.find((k) => k.why === 'DEFERRABLE' && same(k.columns));
    if (deferrable) {
      problems.push(
        `mode '${opts.mode}' merges with INSERT … ON CONFLICT (${opts.key.join(', ')}), which PostgreSQL refuses ` +
          `while the unique constraint ${named(deferrable)} of ${shown} on these columns is DEFERRABLE: ` +
          'make it NOT DEFERRABLE (drop it and add it again without DEFERRABLE)',
      );
    } else if (!found) {
      const fix = createUniqueIndexSql(table, opts.key);
      const unusable = info.unusableKeys.find((k) => same(k.columns));
      const has = unusable
        ? `its unique index ${named(unusable)} on these columns is ${unusable.why}, which INSERT … ON CONFLICT cannot use`
        : 'it has none on exactly these columns';
      problems.push(
        `mode '${opts.mode}' needs a primary key or unique constraint on (${opts.key.join(', ')}) ` +
          `in ${shown}; ${has}. Create one with: ${fix}`,
      );
      fixes.push({ kind: 'create_unique_index', table, columns: [...opts.key], sql: fix });
    }
  }
  const r = report(table, true, missing, extra, incompatible, problems, opts);
  if (!r.ok) return { ...r, fixes };
  const ddl: string[] = [];
  const alter = opts.addMissingColumns ? addColumnsSql(table, missing) : null;
  if (alter) ddl.push(alter);
  if (opts.truncate && opts.mode === 'append') ddl.push(truncateSql(table, info));
  return { ...r, fixes, ddl };
}

const RELKINDS: Record<string, string> = {
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  S: 'sequence',
  i: 'index',
  c: 'composite type',
};

function report(
  table: QualifiedTable,
  exists: boolean,
  missing: { column: string; type: ColumnType }[],
  extra: ExtraColumn[],
  incompatible: IncompatibleColumn[],
  problems: string[],
  opts: CompatibilityOptions,
): CompatibilityReport {
  const ok =
    problems.length === 0 && incompatible.length === 0 && (missing.length === 0 || !!opts.addMissingColumns);
  return { table, exists, missing, extra, incompatible, problems, fixes: [], ddl: [], ok };
}

/** One message listing every reason a load cannot go ahead (for TARGET_INCOMPATIBLE). */
export function describeIncompatibility(r: CompatibilityReport, addMissingColumns: boolean): string {
  const lines = [...r.problems];
  if (r.missing.length > 0 && !addMissingColumns) {
    const list = r.missing.map((m) => `${m.column} (${m.type})`).join(', ');
    lines.push(
      `missing column${r.missing.length === 1 ? '' : 's'}: ${list} (set addMissingColumns to add them)`,
    );
  }
  for (const c of r.incompatible) lines.push(`column ${c.column} (${c.tableType}): ${c.reason}`);
  return `target ${displayTable(r.table)} does not fit the columns:\n  ${lines.join('\n  ')}`;
}

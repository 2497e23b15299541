import type pg from 'pg';
import type { CommandInput } from '../../common/contract/index.ts';
import type { CompatibilityDto } from '../../common/contract/shared-schemas.ts';
import { LoadstoneError } from '../../common/errors.ts';
import { followsTargetType, sampleTypeStands, targetTypesForLoad } from '../../common/normalize/infer.ts';
import {
  type CompatibilityReport,
  checkCompatibility,
  createSchemaSql,
  createUniqueIndexSql,
  type LoadColumn,
  readTargetTypes,
} from '../load/index.ts';
import { connectTarget } from '../pg/connect.ts';
import type { HandlerContext } from './context.ts';
import { targetConfigFor } from './target-config.ts';
import type { Handlers } from './types.ts';

type TargetHandlers = Pick<Handlers, 'targets.tables' | 'targets.check' | 'targets.fix'>;

/**
 * targets.tables, targets.check and targets.fix: what is in a target database, whether a table fits
 * a spec (with the DDL the load will run), and the changes the check offers.
 */
export function targetHandlers(ctx: HandlerContext): TargetHandlers {
  const withClient = async <T>(connection: string, use: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = await connectTarget(await targetConfigFor(ctx, connection));
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => {});
    }
  };
  return {
    async 'targets.tables'({ connection, schema }) {
      return withClient(connection, (client) => listTables(client, schema ?? null));
    },
    async 'targets.check'({ connection, table, columns, mode, key, watermark, addMissingColumns, truncate }) {
      return withClient(connection, async (client) => {
        const { loaded, retyped } = await asTheLoadTypes(
          client,
          table,
          columns,
          mode === 'incremental' ? watermark : undefined,
        );
        const report = await checkCompatibility(client, table, loaded, {
          ...(mode ? { mode } : {}),
          ...(key ? { key } : {}),
          ...(addMissingColumns !== undefined ? { addMissingColumns } : {}),
          ...(truncate !== undefined ? { truncate } : {}),
        });
        return { ...toDto(report), ...(retyped.length > 0 ? { retyped } : {}) };
      });
    },
    async 'targets.fix'({ connection, fix }) {
      // The statement is built here from names (quoted), never taken from the UI.
      const sql =
        fix.kind === 'create_schema'
          ? createSchemaSql(fix.schema)
          : createUniqueIndexSql(fix.table, fix.columns);
      await withClient(connection, async (client) => {
        try {
          await client.query(sql);
        } catch (error) {
          throw fixFailed(error, sql);
        }
      });
      ctx.log.info(`targets.fix on ${connection}: ${sql}`);
      return { sql };
    },
  };
}

type CheckedColumn = CommandInput<'targets.check'>['columns'][number];
type Retyped = NonNullable<CompatibilityDto['retyped']>[number];

/**
 * The checked columns with the types the load will give them: a column neither the job nor its
 * source types takes the existing table column's type (`followsTargetType`, as the load's inference
 * does), so the check passes what the load will load (and says which columns the table retyped).
 */
async function asTheLoadTypes(
  client: pg.Client,
  table: string,
  columns: readonly CheckedColumn[],
  /** An incremental load's watermark column (`targetTypesForLoad`). */
  watermark: string | undefined,
): Promise<{ loaded: LoadColumn[]; retyped: Retyped[] }> {
  const follows = (c: CheckedColumn) =>
    c.declared !== undefined &&
    followsTargetType({ declared: c.declared, sourceType: c.sourceType, nativeType: c.nativeType });
  const types = columns.some(follows)
    ? targetTypesForLoad(await readTargetTypes(client, table), watermark)
    : null;
  const retyped: Retyped[] = [];
  const loaded = columns.map((c): LoadColumn => {
    const own: LoadColumn = c.nativeType
      ? { name: c.name, type: c.type, nativeType: c.nativeType }
      : { name: c.name, type: c.type };
    const target = follows(c) ? types?.get(c.name) : undefined;
    if (!target || sampleTypeStands(c.type, target.type)) return own;
    retyped.push({ column: c.name, from: c.type, to: target.type, tableType: target.display });
    return { name: c.name, type: target.type };
  });
  return { loaded, retyped };
}

/** Why the server refused an offered change, with what to do about the usual causes. */
function fixFailed(error: unknown, sql: string): LoadstoneError {
  const e = error as { code?: string; message?: string; detail?: string };
  const said = `${e.message ?? String(error)}${e.detail ? ` (${e.detail})` : ''}`;
  const hint =
    e.code === '23505'
      ? ' The table already holds rows with the same key: remove or merge them first, or choose other key columns.'
      : e.code === '42501'
        ? ' The connection’s user may not do this: ask the database owner to run the statement.'
        : e.code === '42P06'
          ? ' It exists already: check the table again.'
          : '';
  return new LoadstoneError('TARGET_INCOMPATIBLE', `the server refused ${sql}: ${said}.${hint}`, {
    cause: error,
  });
}

/**
 * Tables and partitioned tables the user can see, outside the system schemas, with the planner's row
 * estimate (null when the table was never analysed): the target picker lists them.
 */
async function listTables(
  client: pg.Client,
  schema: string | null,
): Promise<Array<{ schema: string; name: string; rows: number | null }>> {
  const result = await client.query<{ schema: string; name: string; rows: string | null }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
        AND has_table_privilege(c.oid, 'SELECT')
        AND ($1::text IS NULL OR n.nspname = $1)
      ORDER BY n.nspname, c.relname`,
    [schema],
  );
  return result.rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    rows: r.rows === null ? null : Number(r.rows),
  }));
}

function toDto(report: CompatibilityReport): CompatibilityDto {
  return {
    exists: report.exists,
    missing: report.missing.map((m) => ({ column: m.column, type: m.type })),
    extra: report.extra.map((e) => ({ column: e.column, type: e.type, nullable: e.nullable })),
    incompatible: report.incompatible.map((c) => ({
      column: c.column,
      tableType: c.tableType,
      specType: c.specType ?? '(not provided)',
      reason: c.reason,
    })),
    problems: [...report.problems],
    fixes: report.fixes.map((f) =>
      f.kind === 'create_schema'
        ? { kind: f.kind, schema: f.schema, sql: f.sql }
        : { kind: f.kind, table: { ...f.table }, columns: [...f.columns], sql: f.sql },
    ),
    ddl: [...report.ddl],
    ok: report.ok,
  };
}

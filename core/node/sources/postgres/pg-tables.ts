import type { ResolvedConnection } from '../../store/resolve-connection.ts';
import type { SourceTable } from '../database/source-table.ts';
import { connectSource, sourceError } from './postgres-source.ts';

/**
 * The tables, views and materialized views a source connection may read, with the planner's row
 * estimate (null when the table was never analyzed), read in a READ ONLY transaction.
 * @throws LoadstoneError SOURCE_UNREACHABLE (cannot connect), SOURCE_UNREADABLE naming the connection
 */
export async function listPostgresTables(config: ResolvedConnection): Promise<SourceTable[]> {
  const { label } = config;
  const client = await connectSource(config, label);
  try {
    await client.query('BEGIN READ ONLY');
    const result = await client.query<{ schema: string; name: string; kind: string; rows: string | null }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
              CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
          AND has_table_privilege(c.oid, 'SELECT')
        ORDER BY n.nspname, c.relname`,
    );
    return result.rows.map((r) => ({
      schema: r.schema,
      name: r.name,
      view: r.kind === 'v' || r.kind === 'm',
      rows: r.rows === null ? null : Number(r.rows),
    }));
  } catch (error) {
    throw sourceError(error, `${label}: cannot list the source's tables`, config.password);
  } finally {
    await client.end().catch(() => {});
  }
}

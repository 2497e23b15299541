import type { SourceTable } from '../database/source-table.ts';
import { connectMysql, queryRows } from './mysql-connection.ts';
import type { MysqlConnectionConfig } from './mysql-url.ts';

/** Schemas of the server itself, never an operator's data. */
const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/**
 * The tables and views a MySQL/MariaDB source connection may read (the connection's database when
 * it names one, else every database but the server's own), with the server's row estimate
 * (`information_schema.TABLES.TABLE_ROWS`: exact for MyISAM, an estimate for InnoDB, null for views),
 * read in the same READ ONLY session as a load.
 * @throws LoadstoneError SOURCE_UNREACHABLE, SOURCE_UNREADABLE naming the connection
 */
export async function listMysqlTables(config: MysqlConnectionConfig): Promise<SourceTable[]> {
  const conn = await connectMysql(config, config.label, undefined);
  try {
    const rows = (await queryRows(
      conn,
      `SELECT TABLE_SCHEMA AS schema_name, TABLE_NAME AS table_name, TABLE_TYPE AS table_type,
              TABLE_ROWS AS table_rows
         FROM information_schema.TABLES
        WHERE ${config.database ? 'TABLE_SCHEMA = DATABASE()' : 'TABLE_SCHEMA NOT IN (?, ?, ?, ?)'}
        ORDER BY TABLE_SCHEMA, TABLE_NAME`,
      config.database ? [] : SYSTEM_SCHEMAS,
      config.label,
    )) as { schema_name: string; table_name: string; table_type: string; table_rows: unknown }[];
    return rows.map((r) => {
      const view = r.table_type === 'VIEW' || r.table_type === 'SYSTEM VIEW';
      const estimate = r.table_rows === null || view ? null : Number(r.table_rows);
      return {
        schema: String(r.schema_name),
        name: String(r.table_name),
        view,
        rows: estimate !== null && Number.isFinite(estimate) ? estimate : null,
      };
    });
  } finally {
    conn.destroy();
  }
}

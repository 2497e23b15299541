import Database from 'better-sqlite3';
import { LoadstoneError } from '../../../common/errors.ts';
import { quoteIdent } from '../../pg/identifiers.ts';
import type { SourceTable } from '../database/source-table.ts';
import { isSqliteFile } from './sqlite-header.ts';

/**
 * The tables and views of an SQLite file (opened read-only), with a row estimate that costs no scan:
 * the largest rowid of a rowid table, else null.
 * @throws LoadstoneError SOURCE_FORMAT (not an SQLite file), SOURCE_UNREADABLE
 */
export function listSqliteTables(path: string): SourceTable[] {
  if (!isSqliteFile(path)) {
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${path}: not an SQLite 3 database (its header says otherwise)`,
    );
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const objects = db
      .prepare(
        `SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as { name: string; type: string }[];
    return objects.map((o) => {
      const rows = o.type === 'table' ? (sqliteRowEstimate(db!, quoteIdent(o.name)) ?? null) : null;
      return { schema: 'main', name: o.name, view: o.type === 'view', rows };
    });
  } catch (error) {
    if (error instanceof LoadstoneError) throw error;
    throw new LoadstoneError(
      'SOURCE_UNREADABLE',
      `${path}: cannot list its tables: ${(error as Error).message}`,
    );
  } finally {
    db?.close();
  }
}

/**
 * A table's rows without counting them: its largest rowid (exact for a table never deleted from,
 * an upper bound otherwise; SQLite finds it at the end of the table's b-tree). Undefined for a
 * WITHOUT ROWID table or a view. `quoted`: the table's name as SQL.
 */
export function sqliteRowEstimate(db: Database.Database, quoted: string): number | undefined {
  try {
    const max = db.prepare(`SELECT max(rowid) AS n FROM ${quoted}`).get() as { n: number | null };
    return max.n ?? 0;
  } catch {
    return undefined;
  }
}

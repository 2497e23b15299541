import type mysql from 'mysql2';
import { utcDateTime } from '../database/watermark-bound.ts';
import type { OpenSourceOptions } from '../types.ts';
import { quoteMysqlIdent } from './mysql-identifiers.ts';
import { wrapQuery } from './mysql-query.ts';
import type { MysqlField } from './mysql-values.ts';

/** A column as `information_schema.COLUMNS` names its type (`int`, `timestamp`, …). */
export interface TableColumn {
  name: string;
  dataType: string;
}

/**
 * The `WHERE` that reads only rows above the watermark, or undefined when it cannot be said safely
 * (the loader drops rows below the mark anyway, so pushing down less is never wrong). The mark is
 * the target's value as text: a UTC timestamp is compared as UTC with a TIMESTAMP column (the session
 * is in UTC); a naive DATETIME is read in the job's time zone, unknown here, so the bound is widened by
 * 15 hours (more than any zone's offset). A row whose watermark is NULL is read on every run
 * (`OR col IS NULL`), so the loader rejects it as `missing_watermark` each time, as on the first run,
 * instead of it vanishing from every run after the first. `where` holds one `?`, for `value`.
 */
export function pushdown(
  columns: readonly TableColumn[],
  column: string,
  after: string,
): { where: string; value: string } | undefined {
  const type = columns.find((c) => c.name === column)?.dataType.toLowerCase();
  if (type === undefined) return undefined;
  const col = quoteMysqlIdent(column);
  if (type === 'timestamp' || type === 'datetime') {
    const utc = utcDateTime(after);
    if (utc === undefined) return undefined;
    return type === 'timestamp'
      ? { where: orNull(col, `${col} >= ?`), value: utc }
      : { where: orNull(col, `${col} > CAST(? AS DATETIME(6)) - INTERVAL 15 HOUR`), value: utc };
  }
  // Text is not pushed down: MySQL's collations order text differently from PostgreSQL.
  // A string compared with a number column is compared as a double in MySQL: past 2^53 a newer row
  // could look equal to the mark. A DECIMAL compares exactly.
  if (/int$|^year$/.test(type) && /^-?\d{1,65}$/.test(after)) {
    return { where: orNull(col, `${col} >= CAST(? AS DECIMAL(65,0))`), value: after };
  }
  if (/^(decimal|numeric)$/.test(type) && /^-?\d{1,35}(\.\d{1,30})?$/.test(after)) {
    return { where: orNull(col, `${col} >= CAST(? AS DECIMAL(65,30))`), value: after };
  }
  if (type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(after)) {
    return { where: orNull(col, `${col} >= ?`), value: after };
  }
  return undefined;
}

function orNull(col: string, above: string): string {
  return `(${above} OR ${col} IS NULL)`;
}

/**
 * An incremental load of a query: `SELECT * FROM (<query>) AS loadstone_source WHERE (col >= mark OR col
 * IS NULL) ORDER BY col`, when its watermark column's type can be compared safely (the columns are
 * probed with `LIMIT 0` first, the query wrapped the same way); else undefined, and the query is read
 * whole (wrapped as always: `wrapQuery`). A probe the server refuses is not reported here: the read
 * that follows fails with the same refusal.
 */
export async function pushQueryDown(
  conn: mysql.Connection,
  query: string,
  mark: NonNullable<OpenSourceOptions['incremental']>,
): Promise<{ sql: string; value: string } | undefined> {
  const derived = wrapQuery(query);
  const fields = await new Promise<MysqlField[] | undefined>((resolve) => {
    conn.query({ sql: `${derived} LIMIT 0`, rowsAsArray: false }, (error, _rows, f) => {
      resolve(error ? undefined : (f as unknown as MysqlField[] | undefined));
    });
  });
  if (!fields) return undefined;
  const columns = fields.map((f) => ({ name: f.name, dataType: dataTypeOf(f) }));
  const column = mark.sourceColumn(columns.map((c) => c.name));
  if (column === undefined) return undefined;
  const pushed = pushdown(columns, column, mark.after);
  if (!pushed) return undefined;
  return {
    sql: `${derived} WHERE ${pushed.where} ORDER BY ${quoteMysqlIdent(column)}`,
    value: pushed.value,
  };
}

/** A result field's type by its `information_schema` name, for the types `pushdown` compares. */
function dataTypeOf(field: MysqlField): string {
  switch (field.columnType) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x08:
    case 0x09:
      return 'int';
    case 0x00:
    case 0xf6:
      return 'decimal';
    case 0x0a:
    case 0x0e:
      return 'date';
    case 0x0d:
      return 'year';
    case 0x07:
      return 'timestamp';
    case 0x0c:
      return 'datetime';
    default:
      return 'other';
  }
}

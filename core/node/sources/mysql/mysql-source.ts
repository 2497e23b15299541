import type mysql from 'mysql2';
import { LoadstoneError } from '../../../common/errors.ts';
import type { MysqlSourceSpec } from '../../../common/spec/job-spec.ts';
import { sourceLabel } from '../../../common/spec/source-label.ts';
import type { RawValue, RecordPlace } from '../../../common/types.ts';
import { CopyRuns, type FieldWriter, fieldWriters } from '../database/copy-rows.ts';
import { VERBATIM_ROW } from '../database/database-source.ts';
import { parseCopyRow } from '../postgres/copy-text.ts';
import type { OpenedSource, OpenSourceOptions, SourceRow } from '../types.ts';
import { leavingColumnsOut } from '../verbatim-rows.ts';
import { connectMysql, lostConnection, queryRows } from './mysql-connection.ts';
import { quoteMysqlIdent, splitTableName } from './mysql-identifiers.ts';
import { pushdown, pushQueryDown, type TableColumn } from './mysql-pushdown.ts';
import { queryRefusal, unionMetadataWarning, wrapQuery } from './mysql-query.ts';
import { startRowQueue } from './mysql-row-queue.ts';
import { isMysqlUrl, type MysqlConnectionConfig, resolveMysqlUrl } from './mysql-url.ts';
import { asIs, type ColumnReader, columnReader, needsTypeCast } from './mysql-values.ts';

const BATCH = 1000;

/**
 * Opens a MySQL / MariaDB table or read-only query and streams its rows (mysql2's row events:
 * the connection is paused while the consumer is behind, so memory stays flat whatever the size).
 * A query is sent only as a derived table (`wrapQuery`: the server refuses any statement that is not
 * one SELECT), in `START TRANSACTION READ ONLY` (a SELECT calling a function that writes is refused too),
 * in UTC (`time_zone = '+00:00'`), with the spec's statement timeout. A table's primary key, when it
 * has one, is what the error report names a row by; otherwise the row number. An incremental load
 * on a table reads only the rows above the stored watermark, and those without one (`WHERE (col >= ?
 * OR col IS NULL) ORDER BY col`: the loader rejects those as `missing_watermark` on every run).
 * @throws LoadstoneError SOURCE_UNREACHABLE (cannot connect, refused login), SOURCE_NOT_FOUND (no
 *   such table), SOURCE_FORMAT (the query is not one SELECT, or names two columns alike),
 *   SOURCE_UNREADABLE (the query fails), SPEC_INVALID (`sample: 'tablesample'`)
 */
export async function openMysqlSource(spec: MysqlSourceSpec, opts: OpenSourceOptions): Promise<OpenedSource> {
  const label = sourceLabel(spec);
  if (spec.sample === 'tablesample') {
    throw new LoadstoneError(
      'SPEC_INVALID',
      "source.sample: 'tablesample' is PostgreSQL's; a MySQL source previews its first rows ('limit')",
    );
  }
  if (!opts.connections?.mysql && !isMysqlUrl(spec.connection)) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `source.connection '${spec.connection}' is a saved connection name, and saved connections are not at hand here: give a mysql:// URL`,
    );
  }
  const config: MysqlConnectionConfig = opts.connections?.mysql
    ? opts.connections.mysql(spec.connection)
    : resolveMysqlUrl(spec.connection, process.env);
  const conn = await connectMysql(config, label, spec.statementTimeoutMs);
  let finished = false;
  let closed = false;
  // A read to its end says goodbye (no "aborted connection" in the server's log); any other close cuts.
  const close = async () => {
    if (closed) return;
    closed = true;
    if (!finished) {
      conn.destroy();
      return;
    }
    await new Promise<void>((resolve) => conn.end(() => resolve()));
  };
  try {
    let sql: string;
    const values: unknown[] = [];
    let keyColumns: string[] = [];
    let perFieldCallback = true;
    let estimatedRows: number | undefined;
    if (spec.table !== undefined) {
      const table = await describeTable(conn, spec.table, label);
      keyColumns = table.key;
      perFieldCallback = needsTypeCast(table.columns.map((c) => c.dataType));
      sql = `SELECT * FROM ${table.quoted}`;
      const mark = opts.incremental;
      const column = mark ? mark.sourceColumn(table.columns.map((c) => c.name)) : undefined;
      const pushed = mark && column ? pushdown(table.columns, column, mark.after) : undefined;
      if (pushed) {
        sql += ` WHERE ${pushed.where} ORDER BY ${quoteMysqlIdent(column!)}`;
        values.push(pushed.value);
      } else if (!opts.preview) {
        // A table read whole says about how many rows it has (progress and the time left).
        estimatedRows = await tableRowEstimate(conn, spec.table, label);
      }
    } else {
      // The query is only ever sent inside a derived table: the server refuses any other statement.
      const mark = opts.incremental;
      const wrapped = mark ? await pushQueryDown(conn, spec.query!, mark) : undefined;
      sql = wrapped?.sql ?? wrapQuery(spec.query!);
      if (wrapped) values.push(wrapped.value);
    }
    const started = await startRowQueue(conn, sql, values, label, BATCH, perFieldCallback).catch(
      (error: unknown) => {
        throw spec.table === undefined ? queryRefusal(error, label) : error;
      },
    );
    if (spec.query !== undefined) {
      const warning = unionMetadataWarning(spec.query, started.fields, label, opts.declaredTypes);
      if (warning) opts.onEvent?.(warning);
    }
    // Cancelling stops a read that waits on the server too, not only between batches.
    opts.signal?.addEventListener('abort', () => void close(), { once: true });
    const readers: ColumnReader[] = started.fields.map(columnReader);
    const reads = readers.map((r) => r.read);
    const converted = readers.flatMap((r, i) => (r.read === asIs ? [] : [i]));
    const columns = started.fields.map((f) => f.name);
    const keyIndexes = keyColumns.map((k) => columns.indexOf(k));
    let rowsRead = 0;
    let iterated = false;
    // Once the load allows, rows whose values all pass go as COPY text (database/copy-rows.ts).
    let writers: FieldWriter[] | null = null;
    let lastBytes = 64 * 1024;
    const parsers = readers.map((r) => (r.numbers ? Number : String));
    // A line of COPY text back into the row's cells: mysql2's value (a number or text), converted.
    const reparse = (recordText: string): RawValue[] => {
      const values = parseCopyRow(recordText, 0, recordText.length, parsers);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) values[i] = reads[i]!(v);
      }
      return values;
    };

    return {
      format: { kind: 'mysql', encoding: 'utf-8', compression: 'none', header: true },
      columns,
      columnTypes: readers.map((r) => r.type),
      totalBytes: undefined,
      bytesRead: () => 0,
      readsNoBytes: true,
      ...(estimatedRows !== undefined && estimatedRows > 0 ? { estimatedRows } : {}),
      rows(): AsyncIterable<SourceRow[]> {
        if (iterated) throw new Error('rows() can be iterated once');
        iterated = true;
        return {
          async *[Symbol.asyncIterator]() {
            try {
              for (;;) {
                const cells = await started.next();
                if (cells === null) finished = true;
                if (cells === null || opts.signal?.aborted) return;
                const batch: SourceRow[] = [];
                const runs = writers ? new CopyRuns(writers, Math.ceil(lastBytes * 1.25)) : null;
                const endRun = () => {
                  const run = runs?.endRun();
                  if (!run) return;
                  batch.push({
                    line: rowsRead - run.rows + 1,
                    values: VERBATIM_ROW,
                    bytes: run.bytes,
                    textStart: run.start,
                    textEnd: run.end,
                    verbatim: true,
                    rows: run.rows,
                  });
                };
                for (let r = 0; r < cells.length; r++) {
                  // mysql2 makes a fresh array per row: its cells are converted in place (no copy).
                  // Columns read as they come (`asIs`) are left alone; mysql2 gives null, never undefined.
                  const values = cells[r] as RawValue[];
                  if (runs?.write(values)) {
                    rowsRead++;
                    continue;
                  }
                  endRun();
                  for (let c = 0; c < converted.length; c++) {
                    const i = converted[c]!;
                    const v = values[i];
                    if (v !== null && v !== undefined) values[i] = reads[i]!(v);
                  }
                  rowsRead++;
                  batch.push({ line: rowsRead, values });
                }
                endRun();
                if (runs) lastBytes = Math.max(1024, runs.used);
                yield batch;
              }
            } catch (error) {
              if (opts.signal?.aborted) return;
              throw lostConnection(error, label, rowsRead);
            } finally {
              await close();
            }
          },
        };
      },
      close,
      reparse,
      // The writer leaves out the columns the load does (see database/copy-rows.ts).
      copyText: leavingColumnsOut(
        {
          kinds: readers.map((r) => r.kind),
          verbatim(given) {
            writers = fieldWriters(given);
          },
        },
        columns,
        reparse,
      ),
      placeOf(line: number, raw: Readonly<Record<string, RawValue>>): RecordPlace {
        if (keyIndexes.length === 0 || keyIndexes.includes(-1)) return { kind: 'row', row: line };
        const key: Record<string, string | null> = {};
        for (const k of keyColumns) {
          const v = raw[k];
          key[k] = v === null || v === undefined ? null : String(v);
        }
        return { kind: 'key', key };
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The table's columns, primary key and quoted name. @throws SOURCE_NOT_FOUND when there is no such table. */
async function describeTable(
  conn: mysql.Connection,
  name: string,
  label: string,
): Promise<{ quoted: string; columns: TableColumn[]; key: string[] }> {
  const { schema, table } = splitTableName(name);
  const where = 'TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?';
  const columns = (await queryRows(
    conn,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType FROM information_schema.COLUMNS
     WHERE ${where} ORDER BY ORDINAL_POSITION`,
    [schema ?? null, table],
    label,
  )) as TableColumn[];
  if (columns.length === 0) {
    throw new LoadstoneError(
      'SOURCE_NOT_FOUND',
      `${label}: there is no table ${name} (or this user may not read it)`,
    );
  }
  const key = (
    (await queryRows(
      conn,
      `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
       WHERE ${where} AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
      [schema ?? null, table],
      label,
    )) as { name: string }[]
  ).map((r) => r.name);
  const quoted =
    schema === undefined ? quoteMysqlIdent(table) : `${quoteMysqlIdent(schema)}.${quoteMysqlIdent(table)}`;
  return { quoted, columns, key };
}

/**
 * The server's estimate of a table's rows (`TABLE_ROWS`: exact for MyISAM, InnoDB's estimate; none
 * for a view), for progress; undefined when it has none.
 */
async function tableRowEstimate(
  conn: mysql.Connection,
  name: string,
  label: string,
): Promise<number | undefined> {
  const { schema, table } = splitTableName(name);
  const [row] = (await queryRows(
    conn,
    'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
    [schema ?? null, table],
    label,
  )) as { n: unknown }[];
  const n = row?.n === null || row?.n === undefined ? Number.NaN : Number(row.n);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

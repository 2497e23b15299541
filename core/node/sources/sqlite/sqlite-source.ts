import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LoadstoneError } from '../../../common/errors.ts';
import type { SqliteSourceSpec } from '../../../common/spec/job-spec.ts';
import { sourceLabel } from '../../../common/spec/source-label.ts';
import { parseTableName, quoteIdent, quoteTableName } from '../../pg/identifiers.ts';
import {
  type DatabaseReader,
  databaseSource,
  keyPlace,
  pushdownColumn,
} from '../database/database-source.ts';
import { naiveLowerBound, pushableMark } from '../database/watermark-bound.ts';
import type { OpenedSource, OpenSourceOptions, SourceRow } from '../types.ts';
import { sqliteCopyReader } from './sqlite-copy-rows.ts';
import { isSqliteFile } from './sqlite-header.ts';
import { sqliteRowEstimate } from './sqlite-tables.ts';
import { type ReplacedTextCheck, replacedTextCheck, type TextLookup } from './sqlite-text-check.ts';
import { sqliteColumnType, sqliteValue } from './sqlite-types.ts';
import { readSqliteInWorker } from './sqlite-worker-reader.ts';

/**
 * Opens a table or query of an SQLite file, read-only (another program may have the file open and
 * even write to it: this reads one consistent snapshot), streaming rows with `iterate()` in
 * batches; once the load allows, rows whose values pass their column's check are written straight
 * into COPY text (sqlite-copy-rows.ts). Integers are read as BigInt, so none is rounded. An incremental watermark is pushed down
 * (`… WHERE … ORDER BY col`): a number as `col >= ?` on a column of numeric affinity only, a timestamp
 * or date as a bound on ISO-like texts (see below); any other mark is compared after reading.
 * @throws LoadstoneError SOURCE_NOT_FOUND, SOURCE_FORMAT (not an SQLite file), SOURCE_UNREADABLE
 *   (the table or query is refused)
 */
export async function openSqliteSource(
  spec: SqliteSourceSpec,
  opts: OpenSourceOptions,
): Promise<OpenedSource> {
  const label = sourceLabel(spec);
  try {
    if (!statSync(spec.path).isFile()) throw new Error('not a file');
  } catch {
    throw new LoadstoneError('SOURCE_NOT_FOUND', `${spec.path}: no such SQLite file`);
  }
  if (!isSqliteFile(spec.path)) {
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${spec.path}: not an SQLite 3 database (its header says otherwise)`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(spec.path, { readonly: true, fileMustExist: true });
    if (spec.statementTimeoutMs !== undefined)
      db.pragma(`busy_timeout = ${Math.trunc(spec.statementTimeoutMs)}`);
  } catch (error) {
    throw new LoadstoneError('SOURCE_UNREADABLE', `${label}: cannot open: ${(error as Error).message}`);
  }
  let iterator: IterableIterator<unknown[]> | undefined;
  let closed = false;
  let worker: DatabaseReader | undefined;
  /** Reads text again as bytes on a connection of its own, once a row needs it. */
  let textCheck: ReplacedTextCheck | undefined;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    iterator?.return?.();
    textCheck?.close();
    if (db.open) db.close();
    await worker?.close();
  };
  const refused = (error: unknown): LoadstoneError =>
    new LoadstoneError('SOURCE_UNREADABLE', `${label}: SQLite refused the read: ${(error as Error).message}`);
  try {
    if (spec.sample === 'tablesample') {
      throw new LoadstoneError(
        'SPEC_INVALID',
        `${label}: SQLite has no TABLESAMPLE; a preview reads the first rows`,
      );
    }
    const table = spec.table !== undefined ? quoteTableName(spec.table, 'source table') : undefined;
    // The `)` on a line of its own: a query ending in a `-- comment` would otherwise swallow it.
    const from = table ?? `(${(spec.query ?? '').replace(/[\s;]+$/, '')}\n)`;
    let sql = table ? `SELECT * FROM ${table}` : (spec.query ?? '').replace(/[\s;]+$/, '');
    let statement: Database.Statement;
    try {
      statement = db.prepare(sql);
    } catch (error) {
      throw refused(error);
    }
    if (!statement.reader) {
      throw new LoadstoneError('SPEC_INVALID', `${label}: the query returns no rows (it is not a SELECT)`);
    }
    const described = statement.columns();
    const names = described.map((c) => c.name);
    const params: unknown[] = [];
    const pushdown = pushdownColumn(opts.incremental, names);
    const declared = pushdown && described.find((c) => c.name === pushdown.column)?.type;
    // A number is compared as one only on a column of numeric affinity (INTEGER, REAL, NUMERIC), where
    // SQLite compares numbers as numbers, and a text or blob value (not a number: 'eleven') is above
    // every number, so it is read and judged by the loader. On a TEXT column '10' < '9': not pushed down.
    const numeric =
      pushdown !== undefined &&
      declared !== undefined &&
      numericAffinity(declared) &&
      pushableMark('decimal', pushdown.after) !== undefined;
    const bound = pushdown && !numeric ? naiveLowerBound(pushdown.after) : undefined;
    const pushed = pushdown !== undefined && (numeric || bound !== undefined);
    if (pushdown && pushed) {
      const col = quoteIdent(pushdown.column);
      if (bound === undefined) {
        // An integer within 64 bits is bound as one (compared exactly); any other number as a REAL, the
        // nearest double: a newer value (above the mark) is never below the mark's double, and the
        // loader drops the values below the mark this reads. `>=`: the rows at the mark are read
        // too, and compared with the table by key (see load/statements.ts).
        const whole = /^-?\d+$/.test(pushdown.after) ? BigInt(pushdown.after) : undefined;
        const exact = whole !== undefined && whole >= INT64_MIN && whole <= INT64_MAX;
        // A row whose watermark is NULL is read on every run, so that the loader rejects it as
        // `missing_watermark` each time (as on the first, full read) instead of it vanishing for good.
        sql = `SELECT * FROM ${from} WHERE (${col} >= ? OR ${col} IS NULL) ORDER BY ${col}`;
        params.push(exact ? whole : Number(pushdown.after));
      } else {
        // SQLite keeps dates as text (or as numbers: epoch seconds, Julian days). Only a text that
        // starts like an ISO date compares in time order as text, and its clock time may be in any
        // zone: such a text at or below the mark less 15 hours is left out; every other value (a NULL
        // too, rejected by the loader each run) is read and the loader compares it once normalized.
        sql =
          `SELECT * FROM ${from} WHERE NOT (typeof(${col}) = 'text' AND ${col} GLOB ` +
          `'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' AND ${col} <= ?) ORDER BY ${col}`;
        params.push(bound);
      }
      try {
        statement = db.prepare(sql);
      } catch (error) {
        throw refused(error);
      }
    }
    // Before iterating: a connection running a statement runs no other.
    const keyColumns = table ? primaryKey(db, spec.table ?? '', names) : null;
    // A table read whole says about how many rows it has (progress and the time left).
    const estimatedRows = table && !pushed && !opts.preview ? sqliteRowEstimate(db, table) : undefined;
    const types = described.map((c) => sqliteColumnType(c.type));
    // Text that was not UTF-8 is read again by the row's key (see sqlite-text-check.ts).
    const lookup: TextLookup | null =
      table && keyColumns
        ? {
            path: spec.path,
            table,
            keys: keyColumns.map((k) => names.indexOf(k)),
            busyTimeoutMs: spec.statementTimeoutMs,
          }
        : null;
    const check = replacedTextCheck(names, lookup);
    textCheck = check;
    const final = statement;
    const readHere = () => {
      final.raw(true).safeIntegers(true);
      iterator = final.iterate(...params) as IterableIterator<unknown[]>;
      return sqliteCopyReader({ rows: iterator, types, textCheck: check, refused, close });
    };
    // The rows are read by a connection of a worker thread's own, or here when the build has no
    // worker module or the worker cannot start.
    worker = readSqliteInWorker({
      path: spec.path,
      sql,
      params,
      busyTimeoutMs: spec.statementTimeoutMs,
      types,
      names,
      lookup,
      refused,
      fallback: readHere,
    });
    const reader: DatabaseReader = worker ? ({ ...worker, close } as DatabaseReader) : readHere();
    // While the worker starts, the sample for inferring the types is read here, on a statement of its
    // own (the worker's rows are then all read after the load has said which go as COPY text). It is
    // this connection's snapshot, not the worker's: a program writing to the file in between changes
    // what the types are inferred from, never which rows are loaded.
    const readSample = async (rows: number): Promise<SourceRow[]> => {
      const sample: SourceRow[] = [];
      try {
        const statement = db.prepare(sql).raw(true).safeIntegers(true);
        for (const raw of statement.iterate(...params) as IterableIterator<unknown[]>) {
          const problem = check.check(raw);
          const values = raw.map(sqliteValue);
          sample.push(
            problem ? { line: sample.length + 1, values, problem } : { line: sample.length + 1, values },
          );
          if (sample.length >= rows) break;
        }
      } catch (error) {
        throw refused(error);
      }
      return sample;
    };
    return databaseSource({
      kind: 'sqlite',
      label,
      columns: names,
      columnTypes: types,
      reader,
      signal: opts.signal,
      placeOf: keyPlace(keyColumns),
      estimatedRows,
      ...(worker ? { readSample } : {}),
    });
  } catch (error) {
    await close();
    throw error;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Whether a declared type makes the column a number: `sqliteColumnType` follows SQLite's affinity
 * rules (https://sqlite.org/datatype3.html §3.1), so such a column has INTEGER, REAL or NUMERIC
 * affinity (BOOLEAN, DATE… have NUMERIC affinity too but are not numbers to the loader).
 */
function numericAffinity(declared: string | null): boolean {
  const type = sqliteColumnType(declared);
  return type === 'bigint' || type === 'integer' || type === 'numeric';
}

/** The table's primary key columns (none for a rowid table without one). */
function primaryKey(db: Database.Database, text: string, columns: readonly string[]): string[] | null {
  const name = parseTableName(text, 'source table');
  const info = db
    .prepare(`SELECT name, pk FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk`)
    .all(name.name, name.schema ?? 'main') as { name: string; pk: number }[];
  const keys = info.map((r) => r.name);
  return keys.length > 0 && keys.every((k) => columns.includes(k)) ? keys : null;
}

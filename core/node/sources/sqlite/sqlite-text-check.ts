import { isUtf8 } from 'node:buffer';
import Database from 'better-sqlite3';
import type { RowProblem } from '../../../common/types.ts';
import { quoteIdent } from '../../pg/identifiers.ts';

// SQLite keeps whatever bytes a program stored as TEXT; better-sqlite3 hands text over decoded as
// UTF-8, each invalid sequence replaced by U+FFFD. Loaded as it came, such a value would be changed
// without a word (the CSV reader rejects the same bytes as `invalid_encoding`). So a text holding
// U+FFFD is read again as bytes, by the row's primary key on a connection of its own (the reading
// one is busy stepping its statement): bytes that are not UTF-8 make the row a rejected one, a
// U+FFFD that is really there stays. Without a key the two cannot be told apart, and the row is
// rejected, saying so. Text without U+FFFD costs nothing more (the COPY writer already sends a text
// with U+FFFD the usual way).

/** How to read a row's text again as bytes: the table and its key columns. */
export interface TextLookup {
  readonly path: string;
  /** The table, quoted. */
  readonly table: string;
  /** Indexes of the primary key columns in the read's columns. */
  readonly keys: readonly number[];
  readonly busyTimeoutMs?: number | undefined;
}

/** Checks rows of raw SQLite values (before `sqliteValue`) for text that was not UTF-8. */
export interface ReplacedTextCheck {
  /** Why the row cannot be loaded as it came, or undefined when it can. */
  check(row: readonly unknown[]): RowProblem | undefined;
  close(): void;
}

const REPLACEMENT = '\uFFFD';

/**
 * A check of rows of the read's columns `names`, reading bytes again through `lookup` (null: the
 * read has no key to do it by).
 */
export function replacedTextCheck(names: readonly string[], lookup: TextLookup | null): ReplacedTextCheck {
  let db: Database.Database | undefined;
  const statements = new Map<number, Database.Statement>();
  const bytesOf = (row: readonly unknown[], column: number): unknown => {
    const l = lookup!;
    if (!db) {
      db = new Database(l.path, { readonly: true, fileMustExist: true });
      if (l.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${Math.trunc(l.busyTimeoutMs)}`);
    }
    let statement = statements.get(column);
    if (!statement) {
      const where = l.keys.map((k) => `${quoteIdent(names[k]!)} IS ?`).join(' AND ');
      statement = db
        .prepare(`SELECT CAST(${quoteIdent(names[column]!)} AS BLOB) FROM ${l.table} WHERE ${where}`)
        .pluck()
        .safeIntegers(true);
      statements.set(column, statement);
    }
    return statement.get(...l.keys.map((k) => row[k]));
  };
  return {
    check(row) {
      for (let i = 0; i < row.length; i++) {
        const value = row[i];
        if (typeof value !== 'string' || value.indexOf(REPLACEMENT) === -1) continue;
        const name = names[i] ?? `#${i + 1}`;
        if (!lookup) {
          return oneCell(
            i,
            value,
            `column '${name}' holds U+FFFD replacement characters: its bytes are not valid UTF-8, or it ` +
              'holds U+FFFD itself; without a primary key to read the bytes again the two cannot be told ' +
              'apart, so the row is not loaded as if it were fine',
          );
        }
        const bytes = bytesOf(row, i);
        // Gone since (another program deleted it): it is judged by what was read.
        if (!Buffer.isBuffer(bytes)) continue;
        if (!isUtf8(bytes)) {
          const shown = bytes.subarray(0, 32).toString('hex');
          return oneCell(
            i,
            value,
            `column '${name}' holds bytes that are not valid UTF-8 (x'${shown}${bytes.length > 32 ? '…' : ''}'); ` +
              'SQLite hands them over as U+FFFD replacement characters, so the row is not loaded as if it were fine',
          );
        }
      }
      return undefined;
    },
    close() {
      if (db?.open) db.close();
    },
  };
}

/** An `invalid_encoding` problem of the one value of source column `column` (the report names the column). */
function oneCell(column: number, value: string, message: string): RowProblem {
  return { reason: 'invalid_encoding', message, cells: [{ column, value, message }] };
}

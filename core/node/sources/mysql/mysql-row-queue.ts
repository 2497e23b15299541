import type mysql from 'mysql2';
import { LoadstoneError } from '../../../common/errors.ts';
import { lostConnection } from './mysql-connection.ts';
import type { MysqlField } from './mysql-values.ts';

/** A running query's rows, handed over in batches; the connection pauses while the reader is behind. */
export interface RowQueue {
  readonly fields: MysqlField[];
  /** The next batch of rows (arrays of cells), or null at the end. @throws the read's failure */
  next(): Promise<unknown[][] | null>;
  /** Rows handed over so far. */
  readonly rowsRead: number;
}

/** Batches held before the connection is paused: bounded memory, the socket read ahead a little. */
const AHEAD = 2;

/**
 * Starts `sql` (through the connection's per-field `typeCastField` callback, or, when
 * `perFieldCallback` is false, with mysql2's own casting: see `needsTypeCast`) and resolves once its column metadata has come (the rows queue behind, paused past
 * AHEAD batches). Rows are taken from mysql2's row events rather than its object stream: one
 * callback per row instead of a stream push, and the pause works per batch.
 * @throws LoadstoneError SOURCE_UNREADABLE (the server refused the statement), SOURCE_UNREACHABLE
 *   (cut connection), SOURCE_FORMAT (a statement without a result set)
 */
export function startRowQueue(
  conn: mysql.Connection,
  sql: string,
  values: unknown[],
  label: string,
  batchRows: number,
  perFieldCallback = true,
): Promise<RowQueue> {
  return new Promise((resolve, reject) => {
    const batches: unknown[][][] = [];
    let current: unknown[][] = [];
    let done = false;
    let failure: unknown;
    let paused = false;
    let handed = 0;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    let answered = false;
    const fail = (error: unknown) => {
      if (failure === undefined) failure = error;
      if (!answered) {
        answered = true;
        reject(lostConnection(error, label, 0, true));
      }
      notify();
    };
    // A cut connection (KILL, server gone) is told to the connection, not always to the query.
    conn.on('error', fail);
    const query = conn.query(perFieldCallback ? { sql, values } : { sql, values, typeCast: true });
    query.on('error', fail);
    // mysql2 tells `fields` for a statement without a result set too (DO, DDL), with none: the `end`
    // that follows rejects it as such.
    query.on('fields', (fields: MysqlField[] | undefined) => {
      if (answered || !fields) return;
      answered = true;
      resolve(queue(fields));
    });
    query.on('result', (row: unknown[]) => {
      current.push(row);
      if (current.length >= batchRows) {
        batches.push(current);
        current = [];
        if (batches.length >= AHEAD && !paused) {
          paused = true;
          conn.pause();
        }
        notify();
      }
    });
    query.on('end', () => {
      if (current.length > 0) batches.push(current);
      current = [];
      done = true;
      if (!answered && failure === undefined) {
        answered = true;
        reject(
          new LoadstoneError(
            'SOURCE_FORMAT',
            `${label}: the statement returns no result set (no columns to load)`,
          ),
        );
      }
      notify();
    });

    const queue = (fields: MysqlField[]): RowQueue => ({
      fields,
      get rowsRead() {
        return handed;
      },
      async next() {
        for (;;) {
          if (failure !== undefined) throw lostConnection(failure, label, handed);
          const batch = batches.shift();
          if (batch) {
            if (paused && batches.length < AHEAD) {
              paused = false;
              conn.resume();
            }
            handed += batch.length;
            return batch;
          }
          if (done) return null;
          await new Promise<void>((r) => {
            wake = r;
          });
        }
      },
    });
  });
}

import type { RejectedRow } from '../../common/types.ts';
import { runSeqOf, type StoreContext } from './context.ts';
import { stringifyRaw } from './raw-json.ts';

/** Buffers rejected rows of one run and writes them in batches, one transaction each. */
export interface RejectWriter {
  /** Queues rows; writes a batch whenever `batchSize` rows are waiting. */
  add(rows: readonly RejectedRow[]): void;
  /** Writes what is waiting. Call before finishing the run. */
  flush(): void;
  /** Rows written so far (not counting the ones waiting). */
  readonly written: number;
}

export interface RejectsRepo {
  /**
   * A writer for one run (@throws LoadstoneError NOT_FOUND for an unknown run). Rows still
   * waiting in it are written when the run finishes or the store closes, so none is lost to a
   * forgotten `flush()`.
   */
  writer(runId: string, opts?: { batchSize?: number }): RejectWriter;
  /** Writes what the writers of `runId` (or of every run) still hold. */
  flushPending(runId?: string): void;
}

/** Creates the rejected-rows part of a store. */
export function createRejectsRepo(ctx: StoreContext): RejectsRepo {
  const { db } = ctx;
  const insertRow = db.prepare(
    'INSERT INTO rejected_rows (run_seq, line, stage, raw, raw_exact, raw_text, errors, place) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertError = db.prepare(
    'INSERT INTO reject_errors (run_seq, row_id, stage, column_name, reason, value) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const readColumns = db.prepare('SELECT source_columns FROM runs WHERE seq = ?').pluck();
  const writeColumns = db.prepare('UPDATE runs SET source_columns = ? WHERE seq = ?');
  const countRejected = db.prepare('UPDATE runs SET rows_rejected = rows_rejected + ? WHERE seq = ?');

  // Writers that may hold rows, by run: flushed by runs.finish and by close.
  const live = new Map<string, Set<RejectWriter>>();

  return {
    flushPending(runId) {
      const runs = runId === undefined ? [...live.keys()] : [runId];
      for (const id of runs) {
        for (const writer of live.get(id) ?? []) writer.flush();
        live.delete(id);
      }
    },

    writer(runId, opts = {}) {
      const seq = runSeqOf(ctx, runId);
      const batchSize = Math.max(1, opts.batchSize ?? 1000);
      let pending: RejectedRow[] = [];
      let written = 0;
      // Raw keys already on the run's source_columns: a key first seen in a rejected row (an
      // unknown JSON field) is appended, so the CSV report's header is the union in first-seen order.
      const known = new Set(JSON.parse(readColumns.get(seq) as string) as string[]);

      const writeBatch = db.transaction((rows: readonly RejectedRow[], added: string[]) => {
        for (const row of rows) {
          const { json, exact } = stringifyRaw(row.raw);
          for (const key in row.raw) {
            if (!known.has(key) && !added.includes(key)) added.push(key);
          }
          const errors = row.errors.map((e) => ({
            column: e.column,
            value: e.value,
            reason: e.reason,
            message: e.message,
            sqlstate: e.sqlstate ?? null,
          }));
          const rowId = insertRow.run(
            seq,
            row.line,
            row.stage,
            json,
            exact ? 1 : 0,
            row.rawText ?? null,
            JSON.stringify(errors),
            row.at ? JSON.stringify(row.at) : null,
          ).lastInsertRowid;
          for (const e of row.errors) insertError.run(seq, rowId, row.stage, e.column, e.reason, e.value);
        }
        if (added.length > 0) {
          const columns = JSON.parse(readColumns.get(seq) as string) as string[];
          writeColumns.run(JSON.stringify([...columns, ...added.filter((k) => !columns.includes(k))]), seq);
        }
        countRejected.run(rows.length, seq);
      });

      const flush = () => {
        if (pending.length === 0) return;
        const added: string[] = [];
        // On failure the batch stays pending and the error reaches the caller: nothing is dropped.
        writeBatch(pending, added);
        for (const key of added) known.add(key);
        written += pending.length;
        pending = [];
      };

      const writer: RejectWriter = {
        add(rows) {
          for (const row of rows) {
            pending.push(row);
            if (pending.length >= batchSize) flush();
          }
        },
        flush,
        get written() {
          return written;
        },
      };
      let writers = live.get(runId);
      if (!writers) live.set(runId, (writers = new Set()));
      writers.add(writer);
      return writer;
    },
  };
}

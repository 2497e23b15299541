import type { ColumnType, RawValue } from '../../../common/types.ts';
import { startBatchWorker } from '../database/batch-worker.ts';
import { type DatabaseReader, type TextRows, VERBATIM_ROW } from '../database/database-source.ts';
import type { CopyTextSource, VerbatimColumn } from '../verbatim-rows.ts';
import { sqliteCopyKinds, sqliteReparse } from './sqlite-copy-rows.ts';
import type { SqliteWorkerInput } from './sqlite-read-worker.ts';
import type { TextLookup } from './sqlite-text-check.ts';

// An SQLite read in a worker thread: stepping the statement and writing rows as COPY text (see
// sqlite-copy-rows.ts) was ~2/3 of an SQLite load's CPU time on the thread that also sends the
// rows; on two cores the worker does it while this thread sends and PostgreSQL stores. The batches
// are the same the reader makes on this thread; the worker's bytes are moved here, not copied.

/** Rows per message from the worker. */
const ROWS_PER_MESSAGE = 2000;

type Message = { rows: TextRows } | { done: true };

/**
 * Starts reading `sql` in a worker thread; undefined when the worker's module is not there (a build
 * without it): the caller then reads on this thread.
 */
export function readSqliteInWorker(options: {
  path: string;
  sql: string;
  params: unknown[];
  busyTimeoutMs: number | undefined;
  types: (ColumnType | null)[];
  names: string[];
  lookup: TextLookup | null;
  refused: (error: unknown) => Error;
  /** Reads on this thread instead, when the worker fails before its first message. */
  fallback: () => DatabaseReader & { nextText(max: number): Promise<TextRows>; copyText: CopyTextSource };
}):
  | (DatabaseReader & {
      nextText(max: number): Promise<TextRows>;
      reparse(recordText: string): RawValue[];
      copyText: CopyTextSource;
    })
  | undefined {
  const input: SqliteWorkerInput = {
    path: options.path,
    sql: options.sql,
    params: options.params,
    busyTimeoutMs: options.busyTimeoutMs === undefined ? undefined : Math.trunc(options.busyTimeoutMs),
    types: options.types,
    names: options.names,
    lookup: options.lookup,
    rowsPerMessage: ROWS_PER_MESSAGE,
  };
  // Paused until the first read: the worker loads, opens the file and prepares meanwhile, and reads
  // its first rows once the load has said which columns may go as COPY text.
  const worker = startBatchWorker<Message>(
    import.meta.url,
    'sqlite-read-worker',
    { ...input },
    { paused: true },
  );
  if (!worker) return undefined;
  /** Set when the worker could not start (a packaged app that cannot run it): reads go here. */
  let here: ReturnType<typeof options.fallback> | undefined;
  let heard = false;
  let offered: readonly VerbatimColumn[] | undefined;
  let failure: Error | null = null;
  let ended = false;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await here?.close();
    await worker.close();
  };
  const none = (): TextRows => ({ values: [], texts: [], starts: [], ends: [], counts: [] });

  return {
    async nextText(max) {
      if (here) return here.nextText(max);
      if (failure) throw failure;
      if (ended || closed) return none();
      worker.start();
      const message = await worker.next();
      if ('error' in message && !heard) {
        // Not one message came: the worker did not start. Nothing was read yet: read here.
        void worker.close();
        here = options.fallback();
        if (offered) here.copyText.verbatim(offered);
        return here.nextText(max);
      }
      heard = true;
      if ('error' in message) {
        ended = true;
        failure = options.refused(new Error(message.error.message));
        await close();
        throw failure;
      }
      if ('done' in message) {
        ended = true;
        await close();
        return none();
      }
      worker.credit();
      // Bytes arrive as Uint8Arrays over the moved memory: seen as Buffers again, nothing copied.
      // Each is a run of rows sent as they are (`VERBATIM_ROW` is known by identity: a copy of it
      // arrived).
      const rows = message.rows;
      const { texts, values } = rows;
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        if (typeof text === 'string') continue;
        texts[i] = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
        values[i] = VERBATIM_ROW;
      }
      return rows;
    },
    async next(max) {
      return (await this.nextText(max)).values;
    },
    reparse: sqliteReparse(options.types),
    copyText: {
      kinds: sqliteCopyKinds(options.types),
      // The writer leaves out the columns the load does (see database/copy-rows.ts).
      skips: true,
      verbatim(columns) {
        offered = columns;
        if (here) {
          here.copyText.verbatim(columns);
          return;
        }
        // Taken by the worker before its next batch (a check is a function: the worker has its own).
        worker.tell(
          columns.map((c) => ({
            kind: c.kind,
            check: null,
            nullTokens: c.nullTokens,
            keepText: c.keepText,
            maxDecimals: c.maxDecimals,
            notNull: c.notNull,
            maxFraction: c.maxFraction,
            skip: c.skip,
          })),
        );
      },
    },
    close,
  };
}

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ColumnType } from '../../../common/types.ts';
import { type BatchWorkerChannel, waitForRoom, workerError } from '../database/batch-worker.ts';
import type { VerbatimColumn } from '../verbatim-rows.ts';
import { sqliteCopyReader } from './sqlite-copy-rows.ts';
import { replacedTextCheck, type TextLookup } from './sqlite-text-check.ts';

// The worker thread of an SQLite read (see sqlite-worker-reader.ts): steps the statement on a
// connection of its own and hands the loading thread batches as `sqliteCopyReader` makes them (runs
// of COPY text as bytes, moved, not copied; other rows as cells).

/** What the loading thread gives the worker. */
export interface SqliteWorkerInput {
  path: string;
  sql: string;
  params: unknown[];
  busyTimeoutMs: number | undefined;
  types: (ColumnType | null)[];
  names: string[];
  /** How to read a text again as bytes (null: the read has no key); see sqlite-text-check.ts. */
  lookup: TextLookup | null;
  rowsPerMessage: number;
}

async function run(input: SqliteWorkerInput & BatchWorkerChannel): Promise<void> {
  const port = parentPort!;
  const db = new Database(input.path, { readonly: true, fileMustExist: true });
  const textCheck = replacedTextCheck(input.names, input.lookup);
  try {
    if (input.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${input.busyTimeoutMs}`);
    const statement = db.prepare(input.sql).raw(true).safeIntegers(true);
    const reader = sqliteCopyReader({
      rows: statement.iterate(...input.params) as IterableIterator<unknown[]>,
      types: input.types,
      textCheck,
      refused: (error) => error as Error,
      close: async () => undefined,
    });
    for (;;) {
      // Room first: a worker started paused reads nothing before the loader asks for rows (and has
      // said by then which columns may go as COPY text).
      if (!waitForRoom(input)) return;
      const offered = receiveMessageOnPort(input.port);
      if (offered) reader.copyText.verbatim(offered.message as VerbatimColumn[]);
      const rows = await reader.nextText(input.rowsPerMessage);
      if (rows.values.length === 0) break;
      const moved = new Set<ArrayBuffer>();
      for (const text of rows.texts) if (typeof text !== 'string') moved.add(text.buffer as ArrayBuffer);
      port.postMessage({ rows }, [...moved]);
    }
    port.postMessage({ done: true });
  } finally {
    textCheck.close();
    db.close();
  }
}

if (parentPort && workerData) {
  run(workerData as SqliteWorkerInput & BatchWorkerChannel).catch((error: unknown) => {
    parentPort!.postMessage({ error: workerError(error) });
  });
}

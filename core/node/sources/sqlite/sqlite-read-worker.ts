import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ColumnType } from '../../../common/types.ts';
import type { VerbatimColumn } from '../verbatim-rows.ts';
import { sqliteCopyReader } from './sqlite-copy-rows.ts';

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
  rowsPerMessage: number;
  /** [0]: messages the worker may still send ahead; [1]: 1 once the reader is closed. */
  flags: SharedArrayBuffer;
  /** Where the columns that may go as they are come from (`copyText.verbatim`). */
  port: MessagePort;
}

/** Waits until the loading thread has room for one more message; false once it closed the read. */
function waitForRoom(flags: Int32Array): boolean {
  for (;;) {
    if (Atomics.load(flags, 1) !== 0) return false;
    const room = Atomics.load(flags, 0);
    if (room > 0) {
      Atomics.sub(flags, 0, 1);
      return true;
    }
    Atomics.wait(flags, 0, room, 1000);
  }
}

async function run(input: SqliteWorkerInput): Promise<void> {
  const port = parentPort!;
  const flags = new Int32Array(input.flags);
  const db = new Database(input.path, { readonly: true, fileMustExist: true });
  try {
    if (input.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${input.busyTimeoutMs}`);
    const statement = db.prepare(input.sql).raw(true).safeIntegers(true);
    const reader = sqliteCopyReader({
      rows: statement.iterate(...input.params) as IterableIterator<unknown[]>,
      types: input.types,
      refused: (error) => error as Error,
      close: async () => undefined,
    });
    for (;;) {
      const offered = receiveMessageOnPort(input.port);
      if (offered) reader.copyText.verbatim(offered.message as VerbatimColumn[]);
      const rows = await reader.nextText(input.rowsPerMessage);
      if (rows.values.length === 0) break;
      if (!waitForRoom(flags)) return;
      const moved = new Set<ArrayBuffer>();
      for (const text of rows.texts) if (typeof text !== 'string') moved.add(text.buffer as ArrayBuffer);
      port.postMessage({ rows }, [...moved]);
    }
    port.postMessage({ done: true });
  } finally {
    db.close();
  }
}

if (parentPort && workerData) {
  run(workerData as SqliteWorkerInput).catch((error: unknown) => {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  });
}

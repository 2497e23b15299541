import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ColumnType, RawValue } from '../../../common/types.ts';
import { type DatabaseReader, type TextRows, VERBATIM_ROW } from '../database/database-source.ts';
import type { CopyTextSource, VerbatimColumn } from '../verbatim-rows.ts';
import { sqliteCopyKinds, sqliteReparse } from './sqlite-copy-rows.ts';
import type { SqliteWorkerInput } from './sqlite-read-worker.ts';

// An SQLite read in a worker thread: stepping the statement and writing rows as COPY text (see
// sqlite-copy-rows.ts) was ~2/3 of an SQLite load's CPU time on the thread that also sends the
// rows; on two cores the worker does it while this thread sends and PostgreSQL stores. The batches
// are the same the reader makes on this thread; the worker's bytes are moved here, not copied.

/** Rows per message from the worker. */
const ROWS_PER_MESSAGE = 2000;
/** Messages the worker may have read ahead of the loader (~0.2 MB each on the bench's rows). */
const MESSAGES_AHEAD = 4;

/**
 * How to start the worker: its module next to this one when running from source (loaded through
 * tsx, registered in the worker first: Node 20 does not pass `--import` on to workers), or the file
 * the CLI and Electron builds write next to their bundle. Undefined when neither can be.
 */
function workerStart(): { script: string | URL; eval: boolean } | undefined {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    let tsx: string;
    try {
      // The ESM build of tsx's API, next to the CommonJS one `require` finds.
      tsx = pathToFileURL(
        createRequire(here)
          .resolve('tsx/esm/api')
          .replace(/\.cjs$/, '.mjs'),
      ).href;
    } catch {
      return undefined;
    }
    const module = new URL('./sqlite-read-worker.ts', here).href;
    return {
      script: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`,
      eval: true,
    };
  }
  const bundled = new URL('./sqlite-read-worker.mjs', here);
  return existsSync(fileURLToPath(bundled)) ? { script: bundled, eval: false } : undefined;
}

type Message = { rows: TextRows } | { done: true } | { error: string };

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
  const start = workerStart();
  if (!start) return undefined;
  const flags = new Int32Array(new SharedArrayBuffer(8));
  flags[0] = MESSAGES_AHEAD;
  const channel = new MessageChannel();
  const input: SqliteWorkerInput = {
    path: options.path,
    sql: options.sql,
    params: options.params,
    busyTimeoutMs: options.busyTimeoutMs === undefined ? undefined : Math.trunc(options.busyTimeoutMs),
    types: options.types,
    rowsPerMessage: ROWS_PER_MESSAGE,
    flags: flags.buffer as SharedArrayBuffer,
    port: channel.port2,
  };
  const worker = new Worker(start.script, {
    eval: start.eval,
    workerData: input,
    transferList: [channel.port2],
  });

  const queue: Message[] = [];
  /** Set when the worker could not start (a packaged app that cannot run it): reads go here. */
  let here: ReturnType<typeof options.fallback> | undefined;
  let heard = false;
  let offered: readonly VerbatimColumn[] | undefined;
  let waiting: ((message: Message) => void) | null = null;
  let failure: Error | null = null;
  let ended = false;
  let closed = false;
  const deliver = (message: Message) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve(message);
    } else {
      queue.push(message);
    }
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ error: error.message }));
  worker.on('exit', () => deliver({ error: 'the SQLite reader stopped' }));
  const nextMessage = (): Promise<Message> => {
    const first = queue.shift();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => {
      waiting = resolve;
    });
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    await here?.close();
    channel.port1.close();
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 0);
    await worker.terminate();
  };
  const none = (): TextRows => ({ values: [], texts: [], starts: [], ends: [] });

  return {
    async nextText(max) {
      if (here) return here.nextText(max);
      if (failure) throw failure;
      if (ended || closed) return none();
      const message = await nextMessage();
      if ('error' in message && !heard) {
        // Not one message came: the worker did not start. Nothing was read yet: read here.
        void worker.terminate();
        here = options.fallback();
        if (offered) here.copyText.verbatim(offered);
        return here.nextText(max);
      }
      heard = true;
      if ('error' in message) {
        ended = true;
        failure = options.refused(new Error(message.error));
        await close();
        throw failure;
      }
      if ('done' in message) {
        ended = true;
        await close();
        return none();
      }
      Atomics.add(flags, 0, 1);
      Atomics.notify(flags, 0);
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
      verbatim(columns) {
        offered = columns;
        if (here) {
          here.copyText.verbatim(columns);
          return;
        }
        // Taken by the worker before its next batch (a check is a function: the worker has its own).
        channel.port1.postMessage(
          columns.map((c) => ({ kind: c.kind, check: null, nullTokens: c.nullTokens })),
        );
      },
    },
    close,
  };
}

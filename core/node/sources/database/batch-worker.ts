import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

// A database read in a worker thread (SQLite's; a MySQL one was measured no faster, see the README):
// the worker sends batches of rows, at most MESSAGES_AHEAD ahead of the loading thread (credits in
// shared memory: the worker blocks on them between batches), and takes what the loading thread tells
// it (the columns that may go as they are) from a message port between batches. See
// sqlite-read-worker.ts.

/** Messages a worker may have sent ahead of the loader. */
const MESSAGES_AHEAD = 4;

/** What every such worker gets in its `workerData`, besides its own input. */
export interface BatchWorkerChannel {
  /** [0]: messages the worker may still send ahead; [1]: 1 once the reader is closed. */
  flags: SharedArrayBuffer;
  /** Messages from the loading thread (`BatchWorker.tell`). */
  port: MessagePort;
}

/** The loading thread's side of a batch worker. */
export interface BatchWorker<M> {
  /** The worker's next message; `{ error }` when it failed or stopped. */
  next(): Promise<M | { error: WorkerError }>;
  /** Gives the worker room for one more message (once one is taken). */
  credit(): void;
  /** Lets a worker started `paused` begin reading (once; later calls do nothing). */
  start(): void;
  /** Sends the worker a message it takes before its next batch. */
  tell(message: unknown): void;
  /** Stops the worker (it may be blocked waiting for room). */
  close(): Promise<void>;
}

/** An error as a worker sends it: a LoadstoneError's code and details when it was one. */
export interface WorkerError {
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

/**
 * Starts the worker module `name` (`sqlite-read-worker`…): next to `callerUrl`'s module when running
 * from source (loaded through tsx, registered in the worker first: Node 20 does not pass `--import`
 * on to workers), else the `.mjs` the CLI and Electron builds write next to their bundle. Undefined
 * when neither can be started.
 */
export function startBatchWorker<M>(
  callerUrl: string,
  name: string,
  input: Record<string, unknown>,
  /** `paused`: the worker starts (loads, opens, prepares) but reads nothing until `start()`. */
  options: { paused?: boolean } = {},
): BatchWorker<M> | undefined {
  let script: string | URL;
  let evaluated = false;
  if (callerUrl.endsWith('.ts')) {
    let tsx: string;
    try {
      // The ESM build of tsx's API, next to the CommonJS one `require` finds.
      tsx = pathToFileURL(
        createRequire(callerUrl)
          .resolve('tsx/esm/api')
          .replace(/\.cjs$/, '.mjs'),
      ).href;
    } catch {
      return undefined;
    }
    const module = new URL(`./${name}.ts`, callerUrl).href;
    script = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`;
    evaluated = true;
  } else {
    const file = outsideAsar(fileURLToPath(new URL(`./${name}.mjs`, callerUrl)));
    if (!existsSync(file)) return undefined;
    script = pathToFileURL(file);
  }
  const flags = new Int32Array(new SharedArrayBuffer(8));
  flags[0] = options.paused ? 0 : MESSAGES_AHEAD;
  let started = !options.paused;
  const channel = new MessageChannel();
  const worker = new Worker(script, {
    eval: evaluated,
    workerData: { ...input, flags: flags.buffer, port: channel.port2 },
    transferList: [channel.port2],
  });
  type Message = M | { error: WorkerError };
  const queue: Message[] = [];
  let waiting: ((message: Message) => void) | null = null;
  const deliver = (message: Message) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve(message);
    } else {
      queue.push(message);
    }
  };
  worker.on('message', (m: Message) => deliver(m));
  worker.on('error', (error) => deliver({ error: { message: error.message } }));
  worker.on('exit', () => deliver({ error: { message: 'the reader thread stopped' } }));
  let closed = false;
  return {
    next() {
      const first = queue.shift();
      if (first) return Promise.resolve(first);
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    credit() {
      Atomics.add(flags, 0, 1);
      Atomics.notify(flags, 0);
    },
    start() {
      if (started) return;
      started = true;
      Atomics.add(flags, 0, MESSAGES_AHEAD);
      Atomics.notify(flags, 0);
    },
    tell(message) {
      channel.port1.postMessage(message);
    },
    async close() {
      if (closed) return;
      closed = true;
      channel.port1.close();
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 0);
      await worker.terminate();
    },
  };
}

/**
 * In the worker, before reading each batch: waits until the loading thread has room for one more
 * message (none before `start()` for a worker started paused); false once it closed.
 */
export function waitForRoom(channel: BatchWorkerChannel): boolean {
  const flags = new Int32Array(channel.flags);
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

/** In the worker: an error as the loading thread rebuilds it. */
export function workerError(error: unknown): WorkerError {
  const e = error as { message?: string; code?: string; details?: Record<string, unknown>; name?: string };
  return {
    message: e?.message ?? String(error),
    ...(e?.name === 'LoadstoneError' && e.code ? { code: e.code } : {}),
    ...(e?.name === 'LoadstoneError' && e.details ? { details: e.details } : {}),
  };
}

/**
 * Where a packaged app's worker module really is: a worker thread cannot be relied on to read its
 * module (nor the native better-sqlite3 it loads) from inside `app.asar`, so the build unpacks it
 * (electron-builder.yml `asarUnpack`) to the same place under `app.asar.unpacked`. A path outside an
 * archive, or one whose unpacked copy is missing, is returned as it is.
 */
export function outsideAsar(file: string): string {
  const parts = file.split(/([\\/])/);
  const at = parts.lastIndexOf('app.asar');
  if (at < 0) return file;
  const unpacked = [...parts.slice(0, at), 'app.asar.unpacked', ...parts.slice(at + 1)].join('');
  return existsSync(unpacked) ? unpacked : file;
}

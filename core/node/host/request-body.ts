import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';

/**
 * How long a request body may keep the host waiting: a call's JSON body must arrive whole within
 * this time, and an upload (which may be large, so has no total limit) ends when this long passes
 * without a byte. Either way the client gets 408 and its connection is closed.
 */
export const BODY_TIMEOUT_MS = 30_000;

/**
 * The client closed its connection before its request was complete. Nothing can be answered; the
 * host logs one line, not a stack trace (an aborted upload or call is not a fault of the engine).
 */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before its request was complete');
    this.name = 'ClientGoneError';
  }
}

/** A request body that stopped arriving: the host answers 408 and closes the connection. */
export class BodyTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    what: string,
  ) {
    super(`The request body did not ${what} within ${timeoutMs / 1000} s; the connection is closed.`);
    this.name = 'BodyTimeoutError';
  }
}

/** Whether `req` declared a body that has not been read to its end (so answering must close the connection). */
export function bodyPending(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a whole request body of at most `limit` bytes within `timeoutMs`.
 * @throws BodyTimeoutError when it does not arrive in time, `tooLarge()` past `limit`;
 *   ClientGoneError when the client goes away first.
 */
export function collectBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      if (!error) return resolve(Buffer.concat(chunks));
      req.pause(); // the answer closes the connection: read no more of it
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onGone = () => finish(new ClientGoneError());
    const onClose = () => {
      if (!req.readableEnded) finish(new ClientGoneError());
    };
    const timer = setTimeout(() => finish(new BodyTimeoutError(timeoutMs, 'arrive whole')), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onClose);
  });
}

/**
 * Pipes a request body into `out` until the body ends and `out` has flushed it, allowing any total
 * time but at most `idleMs` without a byte.
 * @throws BodyTimeoutError after `idleMs` of silence; ClientGoneError when the client goes away first;
 *   `out`'s own error. `out` is destroyed on any failure.
 */
export function pipeBody(req: IncomingMessage, out: Writable, idleMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData).off('error', onGone).off('close', onClose);
      out.off('finish', onFinish).off('error', finish);
      if (!error) return resolve();
      req.unpipe(out);
      req.pause();
      // A write still queued behind the file's open fails once the stream is destroyed
      // (ERR_STREAM_DESTROYED): the body is already given up, so that late error must not be unhandled.
      out.on('error', () => {});
      out.destroy();
      reject(error);
    };
    const onData = () => timer.refresh();
    const onFinish = () => finish(null);
    const onGone = () => finish(new ClientGoneError());
    const onClose = () => {
      if (!req.readableEnded) finish(new ClientGoneError());
    };
    const timer = setTimeout(() => finish(new BodyTimeoutError(idleMs, 'keep coming')), idleMs);
    req.on('data', onData).on('error', onGone).on('close', onClose);
    out.on('finish', onFinish).on('error', finish);
    req.pipe(out);
  });
}

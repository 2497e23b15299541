import { Writable } from 'node:stream';
import type { ReportRowFilter } from '../../common/contract/commands.ts';
import type {
  EngineToTransportMessage,
  GrantReply,
  GrantRequest,
  TransportToEngineMessage,
} from '../../common/contract/engine-protocol.ts';
import { CODES } from '../../common/contract/error-codes.ts';
import type { Reply } from '../../common/contract/errors.ts';
import { toContractError } from './contract-errors.ts';
import { dispatch } from './dispatch.ts';
import type { DownloadFormat, Engine } from './types.ts';

/** Bytes an export collects before sending them to the transport (one message, one acknowledgement). */
const EXPORT_CHUNK_BYTES = 64 * 1024;

/** Messages the engine's side of a process boundary answers (start and shutdown stay with the entry). */
export type ServedMessage = Exclude<TransportToEngineMessage, { type: 'shutdown' }>;

/**
 * The engine's side of a process boundary, shared by Electron's utility process and the browser
 * host's engine child: calls go through `dispatch` with an AbortSignal the transport can fire
 * (`cancel`: its caller went away), grants go to the engine's `FileGrants`, an export streams back
 * in acknowledged chunks (so a slow download holds back the store, not memory), events go out as they
 * are published. Never throws: every failure becomes a reply.
 */
export function createEngineServer(engine: Engine, post: (message: EngineToTransportMessage) => void) {
  const running = new Map<number, AbortController>();
  const acks = new Map<number, () => void>();
  const unsubscribe = engine.bus.subscribe((name, payload) => post({ type: 'event', name, payload }));

  const track = (id: number): AbortSignal => {
    const controller = new AbortController();
    running.set(id, controller);
    return controller.signal;
  };

  async function call(id: number, name: string, input: unknown): Promise<void> {
    const signal = track(id);
    try {
      const reply = await dispatch(engine.handlers, name, input, engine.log, { signal });
      if (signal.aborted) engine.log.info(`${name} cancelled: its caller went away`);
      post({ type: 'reply', id, reply });
    } finally {
      running.delete(id);
    }
  }

  async function grant(id: number, request: GrantRequest): Promise<void> {
    post({ type: 'granted', id, reply: await answerGrant(engine, request) });
  }

  async function exportReport(
    id: number,
    runId: string,
    format: DownloadFormat,
    filter: ReportRowFilter | undefined,
  ): Promise<void> {
    const signal = track(id);
    let reply: Reply<{ rows: number }>;
    try {
      const out = chunkSink(id, signal);
      reply = { ok: true, value: await engine.exportReport(runId, format, out, signal, filter) };
    } catch (error) {
      reply = { ok: false, error: toContractError(error, 'reports.export', engine.log) };
    } finally {
      running.delete(id);
      acks.delete(id);
    }
    post({ type: 'export-end', id, reply });
  }

  /** A byte sink that posts 64 KiB chunks and waits for each to be acknowledged. */
  function chunkSink(id: number, signal: AbortSignal): Writable {
    let pending: Buffer[] = [];
    let size = 0;
    const flush = (done: (error?: Error | null) => void) => {
      if (size === 0) return done();
      const data = Buffer.concat(pending, size);
      pending = [];
      size = 0;
      if (signal.aborted) return done(new Error('the download was cancelled'));
      acks.set(id, () => done());
      post({ type: 'export-chunk', id, data: data.toString('base64') });
    };
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        pending.push(chunk);
        size += chunk.length;
        if (size >= EXPORT_CHUNK_BYTES) flush(done);
        else done();
      },
      final: flush,
    });
  }

  return {
    /** Answers one message; resolves when its work is done (tests await it, transports need not). */
    handle(message: ServedMessage): Promise<void> {
      switch (message.type) {
        case 'call':
          return call(message.id, message.name, message.input);
        case 'grant':
          return grant(message.id, message.request);
        case 'export-report':
          return exportReport(message.id, message.runId, message.format, message.filter);
        case 'export-ack': {
          const ack = acks.get(message.id);
          acks.delete(message.id);
          ack?.();
          return Promise.resolve();
        }
        case 'cancel': {
          running.get(message.id)?.abort();
          // A cancelled export may be waiting for an acknowledgement that will never come.
          const ack = acks.get(message.id);
          acks.delete(message.id);
          ack?.();
          return Promise.resolve();
        }
      }
    },
    /** Aborts what is running and stops forwarding events. */
    close(): void {
      for (const controller of running.values()) controller.abort();
      unsubscribe();
    },
  };
}

/** Grants what a transport asks for (a file the operator picked), as a reply: never throws. */
export async function answerGrant(engine: Engine, request: GrantRequest): Promise<GrantReply> {
  try {
    const value =
      request.kind === 'read'
        ? await engine.grants.grantRead(request.path, {
            ...(request.name === undefined ? {} : { name: request.name }),
            uploaded: request.uploaded ?? false,
          })
        : await engine.grants.grantWrite(request.path, { overwrite: request.overwrite });
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: toContractError(error, 'grant', engine.log) };
  }
}

/** A reply for a call that reached an engine that is not started (yet, or any more). */
export function engineNotStarted(message = 'The engine is not started.'): Reply<never> {
  return { ok: false, error: { code: CODES.INTERNAL, message } };
}

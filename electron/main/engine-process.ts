import { type UtilityProcess, utilityProcess } from 'electron';
import type {
  EngineToMainMessage,
  KeyOperation,
  MainToEngineMessage,
} from '../../core/common/contract/electron-ipc.ts';
import type { GrantReply, GrantRequest } from '../../core/common/contract/engine-protocol.ts';
import { CODES } from '../../core/common/contract/error-codes.ts';
import type { Reply } from '../../core/common/contract/errors.ts';
import type { EventName } from '../../core/common/contract/events.ts';

/** Seals/opens the engine's key with safeStorage (main only). */
export type KeyService = (op: KeyOperation, data: Buffer) => Buffer;

export interface EngineProcessOptions {
  /** The bundled utility entry (dist/electron/engine.mjs). */
  readonly entry: string;
  /** Absent: the engine resolves it like the CLI does, so the app and the CLI share one history. */
  readonly dataDir?: string;
  readonly version: string;
  /** Null when the OS offers no real encryption: the engine then refuses to store secrets. */
  readonly keyService: KeyService | null;
  readonly onEvent: (name: EventName, payload: unknown) => void;
  /** The engine could not start, or crashed too often: show it and quit. */
  readonly onFatal: (message: string) => void;
}

const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 3;

/**
 * The engine (handlers, run store, loads) runs in an Electron utility process so a 1M-row load never
 * blocks the window. Main only relays: calls go out by id, replies and events come back. A crash
 * fails the calls in flight with a clear error and restarts the engine (up to 3 times a minute).
 */
export class EngineProcess {
  #child: UtilityProcess | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, (reply: Reply<unknown>) => void>();
  readonly #grants = new Map<number, (reply: GrantReply) => void>();
  #restarts: number[] = [];
  #stopping = false;

  constructor(private readonly options: EngineProcessOptions) {}

  start(): void {
    const child = utilityProcess.fork(this.options.entry, [], {
      serviceName: 'Loadstone engine',
      stdio: 'inherit',
    });
    this.#child = child;
    child.on('message', (message: EngineToMainMessage) => this.#onMessage(child, message));
    child.on('exit', (code) => this.#onExit(child, code));
    this.#post({
      type: 'init',
      ...(this.options.dataDir === undefined ? {} : { dataDir: this.options.dataDir }),
      version: this.options.version,
      osEncryption: this.options.keyService !== null,
    });
  }

  /** Sends one call to the engine; always resolves with a reply (never rejects). */
  call(name: string, input: unknown): Promise<Reply<unknown>> {
    if (!this.#child) return Promise.resolve(engineDown('The engine is not running.'));
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#post({ type: 'call', id, name, input });
    });
  }

  /**
   * Asks the engine to grant a file the operator picked (dialog, drop); always resolves with a reply.
   * Grants live in the engine: a restarted engine has none, and the renderer asks for the file again.
   */
  grant(request: GrantRequest): Promise<GrantReply> {
    if (!this.#child) return Promise.resolve(engineDown('The engine is not running.'));
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#grants.set(id, resolve);
      this.#post({ type: 'grant', id, request });
    });
  }

  /** Asks the engine to cancel loads and close the store; kills it if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#post({ type: 'shutdown' });
    });
  }

  #post(message: MainToEngineMessage): void {
    this.#child?.postMessage(message);
  }

  #onMessage(child: UtilityProcess, message: EngineToMainMessage): void {
    if (child !== this.#child) return;
    switch (message.type) {
      case 'reply': {
        const resolve = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        resolve?.(message.reply);
        return;
      }
      case 'granted': {
        const resolve = this.#grants.get(message.id);
        this.#grants.delete(message.id);
        resolve?.(message.reply);
        return;
      }
      case 'event':
        this.options.onEvent(message.name, message.payload);
        return;
      // Downloads are the browser host's; main never asks for one.
      case 'export-chunk':
      case 'export-end':
        return;
      case 'key-request':
        this.#answerKey(message.id, message.op, message.data);
        return;
      case 'fatal':
        this.#stopping = true;
        this.options.onFatal(message.message);
        return;
      case 'ready':
        return;
    }
  }

  #answerKey(id: number, op: KeyOperation, data: string): void {
    const service = this.options.keyService;
    try {
      if (!service) throw new Error('no OS encryption');
      const out = service(op, Buffer.from(data, 'base64'));
      this.#post({ type: 'key-reply', id, ok: true, data: out.toString('base64') });
    } catch (error) {
      this.#post({
        type: 'key-reply',
        id,
        ok: false,
        message: error instanceof Error ? error.message : 'failed',
      });
    }
  }

  #onExit(child: UtilityProcess, code: number): void {
    if (child !== this.#child) return;
    this.#child = null;
    const down = engineDown(`The engine stopped unexpectedly (exit code ${code}); try again.`, true);
    for (const resolve of this.#pending.values()) resolve(down);
    for (const resolve of this.#grants.values()) resolve(down);
    this.#pending.clear();
    this.#grants.clear();
    if (this.#stopping) return;
    const now = Date.now();
    this.#restarts = this.#restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.#restarts.length >= MAX_RESTARTS) {
      this.options.onFatal('The Loadstone engine keeps stopping; see the log for details.');
      return;
    }
    this.#restarts.push(now);
    this.start();
  }
}

function engineDown(message: string, crashed = false): Reply<never> {
  return { ok: false, error: { code: crashed ? CODES.ENGINE_CRASHED : CODES.ENGINE_UNREACHABLE, message } };
}

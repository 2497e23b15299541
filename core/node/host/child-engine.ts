import { type ChildProcess, fork } from 'node:child_process';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ReportRowFilter } from '../../common/contract/commands.ts';
import type {
  EngineToTransportMessage,
  GrantReply,
  GrantRequest,
  TransportToEngineMessage,
} from '../../common/contract/engine-protocol.ts';
import { CODES } from '../../common/contract/error-codes.ts';
import type { Reply } from '../../common/contract/errors.ts';
import { type EventName, events } from '../../common/contract/events.ts';
import { EventBus } from '../handlers/event-bus.ts';
import type { Logger } from '../handlers/logger.ts';
import type { DownloadFormat } from '../handlers/types.ts';
import { packageRoot } from '../runtime/package-root.ts';
import type { EngineLink } from './engine-link.ts';

/** How the host starts its engine process. */
export interface ChildEngineOptions {
  readonly dataDir: string;
  readonly version: string;
  /** The 32-byte key file for saved passwords (`--secret-key-file`); absent: passwords are refused. */
  readonly secretKeyFile?: string;
  readonly log: Logger;
  /** The engine's environment (connection defaults such as PGPASSWORD); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Called when the engine cannot start at all (the host cannot serve): the message says why. */
  readonly onFatal?: (message: string) => void;
}

/** What the host tells its engine process first. */
export interface ChildInit {
  type: 'init';
  dataDir: string;
  version: string;
  secretKeyFile?: string;
}

type Pending =
  | { kind: 'call'; resolve: (reply: Reply<unknown>) => void }
  | { kind: 'grant'; resolve: (reply: GrantReply) => void }
  | {
      kind: 'export';
      resolve: (reply: Reply<{ rows: number }>) => void;
      out: Writable;
      signal: AbortSignal;
    };

const ENTRY = fileURLToPath(new URL('./engine-child-main.ts', import.meta.url));

/**
 * The browser host's engine in a child process of its own, as Electron runs it in a utility process:
 * the host only speaks HTTP and relays calls by id, grants, downloads and events. A fatal error in
 * the engine (a file that exhausts memory, a crash in a native module) ends that process, not the
 * host: every call in flight fails with `engine_crashed`, and a new engine starts at once (runs that
 * were loading become `interrupted`; file grants are gone, so the renderer asks for the file again).
 * A call whose HTTP client went away is cancelled in the engine (`signal`).
 */
export class ChildEngine implements EngineLink {
  readonly bus: EventBus;
  readonly #pending = new Map<number, Pending>();
  #child: ChildProcess | null = null;
  #ready: Promise<void> | null = null;
  #nextId = 1;
  #stopping = false;
  #starts = 0;
  /** The engine process that said it was ready (one that dies before that is not restarted). */
  #readyChild: ChildProcess | null = null;

  private constructor(private readonly options: ChildEngineOptions) {
    this.bus = new EventBus(options.log);
  }

  /** Starts the engine process; resolves once its store is open. @throws Error when it cannot start. */
  static async start(options: ChildEngineOptions): Promise<ChildEngine> {
    const engine = new ChildEngine(options);
    await engine.#spawn();
    return engine;
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  get log(): Logger {
    return this.options.log;
  }

  /** The engine process's id (diagnostics and tests); null between a crash and the restart. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** How many times the engine process was started (1 until it first died). */
  get starts(): number {
    return this.#starts;
  }

  call(name: string, input: unknown, signal?: AbortSignal): Promise<Reply<unknown>> {
    return this.#request(
      (id) => ({ type: 'call', id, name, input }),
      (resolve) => ({ kind: 'call', resolve }),
      signal,
    );
  }

  grant(request: GrantRequest): Promise<GrantReply> {
    return this.#request(
      (id) => ({ type: 'grant', id, request }),
      (resolve) => ({ kind: 'grant', resolve }),
    );
  }

  exportReport(
    runId: string,
    format: DownloadFormat,
    out: Writable,
    signal: AbortSignal,
    filter?: ReportRowFilter,
  ): Promise<Reply<{ rows: number }>> {
    return this.#request(
      (id) => ({ type: 'export-report', id, runId, format, ...(filter ? { filter } : {}) }),
      (resolve) => ({ kind: 'export', resolve, out, signal }),
      signal,
    );
  }

  /** Asks the engine to cancel loads and close its store; kills it after `graceMs`. */
  async close(graceMs = 30_000): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#post(child, { type: 'shutdown' });
    });
  }

  #request<R>(
    message: (id: number) => TransportToEngineMessage,
    pending: (resolve: (reply: R) => void) => Pending,
    signal?: AbortSignal,
  ): Promise<R> {
    return (async () => {
      await this.#ready?.catch(() => {});
      const child = this.#child;
      if (!child) return crashed('The engine is not running.') as R;
      const id = this.#nextId++;
      return new Promise<R>((resolve) => {
        this.#pending.set(id, pending(resolve));
        if (signal) {
          const cancel = () => this.#post(child, { type: 'cancel', id });
          if (signal.aborted) cancel();
          else signal.addEventListener('abort', cancel, { once: true });
        }
        this.#post(child, message(id));
      });
    })();
  }

  #spawn(): Promise<void> {
    const entry = ENTRY;
    const child = fork(entry, [], {
      // The host runs from its TypeScript sources (npm run serve); so does its engine. `--import tsx`
      // resolves from the working folder: the package's own.
      execArgv: ['--import', 'tsx'],
      cwd: packageRoot(),
      env: this.options.env ?? process.env,
      // JSON, not the structured clone of 'advanced': measured faster for the large plain objects a
      // preview returns (download chunks travel as base64 text).
      serialization: 'json',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.#starts++;
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: EngineToTransportMessage) => {
        if (message.type === 'ready') {
          this.#readyChild = child;
          resolve();
        } else if (message.type === 'fatal') reject(new Error(message.message));
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) =>
        reject(new Error(`the engine process exited (${signal ?? `code ${code}`}) before it was ready`)),
      );
    });
    this.#ready = ready;
    child.on('message', (message: EngineToTransportMessage) => this.#onMessage(message));
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
    const init: ChildInit = {
      type: 'init',
      dataDir: this.options.dataDir,
      version: this.options.version,
      ...(this.options.secretKeyFile ? { secretKeyFile: this.options.secretKeyFile } : {}),
    };
    child.send(init);
    return ready;
  }

  #post(child: ChildProcess, message: TransportToEngineMessage): void {
    if (child.connected) child.send(message);
  }

  #onMessage(message: EngineToTransportMessage): void {
    switch (message.type) {
      case 'reply':
      case 'granted':
      case 'export-end': {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (pending?.kind === 'export' && message.type === 'export-end') {
          if (message.reply.ok) pending.out.end();
          pending.resolve(message.reply);
        } else if (pending?.kind === 'call' && message.type === 'reply') pending.resolve(message.reply);
        else if (pending?.kind === 'grant' && message.type === 'granted') pending.resolve(message.reply);
        return;
      }
      case 'export-chunk': {
        const pending = this.#pending.get(message.id);
        if (pending?.kind !== 'export' || pending.signal.aborted) return;
        const child = this.#child;
        const ack = () => child && this.#post(child, { type: 'export-ack', id: message.id });
        // Acknowledge once the client took the bytes: a slow download slows the engine's reads.
        if (pending.out.write(Buffer.from(message.data, 'base64'))) ack();
        else pending.out.once('drain', ack);
        return;
      }
      case 'event': {
        if (!Object.hasOwn(events, message.name)) return;
        this.bus.publish(message.name as EventName, message.payload as never);
        return;
      }
      case 'fatal':
        this.options.log.error(message.message);
        this.options.onFatal?.(message.message);
        return;
      case 'ready':
        return;
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = null;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const down = crashed(
      `The engine stopped while answering (${how}) and has been restarted; if it was reading a file, ` +
        'that file may be what stopped it.',
    );
    for (const pending of this.#pending.values()) {
      if (pending.kind === 'export') pending.out.destroy();
      pending.resolve(down as never);
    }
    this.#pending.clear();
    // One that died before it was ready is reported by #spawn's promise; restarting it would only loop.
    if (this.#stopping || this.#readyChild !== child) return;
    this.options.log.error(`the engine process stopped unexpectedly (${how}); starting a new one`);
    // Restart at once; one that cannot even start is fatal (restarting it again would only loop).
    this.#spawn().then(
      // Runs that were loading are now interrupted, and the UI's run lists should show it.
      () => this.bus.publish('data.changed', { domain: 'runs' }),
      (error: unknown) => {
        const message = `The Loadstone engine could not be restarted: ${error instanceof Error ? error.message : String(error)}`;
        this.options.log.error(message);
        this.options.onFatal?.(message);
      },
    );
  }
}

function crashed(message: string): Reply<never> {
  return { ok: false, error: { code: CODES.ENGINE_CRASHED, message } };
}

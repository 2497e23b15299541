import { type EventName, type EventPayload, events } from '../../common/contract/events.ts';
import type { Logger } from './logger.ts';

/** Receives every event published on a bus (transports forward these). */
export type AnyEventListener = (name: EventName, payload: unknown) => void;

/**
 * The engine's push channel, typed on the contract's events. Handlers publish; each transport
 * (SSE, Electron IPC) subscribes once and forwards. A listener that throws is logged and skipped,
 * so one broken transport never stops the others.
 */
export class EventBus {
  readonly #listeners = new Set<AnyEventListener>();

  constructor(private readonly log?: Logger) {}

  /**
   * Validates `payload` against the contract and delivers it to every subscriber.
   * An invalid payload is an engine bug: it is logged and dropped, never sent half-formed.
   */
  publish<N extends EventName>(name: N, payload: EventPayload<N>): void {
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) {
      this.log?.error(
        `event ${name} dropped: payload does not match the contract (${parsed.error.issues.length} issues)`,
      );
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener(name, parsed.data);
      } catch (error) {
        this.log?.error(`event listener failed on ${name}: ${error instanceof Error ? error.name : 'error'}`);
      }
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: AnyEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Subscribes to one event; returns the unsubscribe function. */
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    return this.subscribe((event, payload) => {
      if (event === name) listener(payload as EventPayload<N>);
    });
  }

  /** Number of current subscribers (transports use it to tell whether anyone listens). */
  get size(): number {
    return this.#listeners.size;
  }
}

import type { CommandInput, CommandName, CommandOutput } from './commands.ts';
import type { EventName, EventPayload } from './events.ts';

/**
 * The typed API the renderer uses, whatever the transport:
 * Electron's preload exposes it as `window.loadstone`; the browser host client implements it over HTTP.
 */
export interface LoadstoneApi {
  call<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void;
}

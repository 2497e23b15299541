import type { LoadstoneApi } from './api.ts';
import type { CommandInput, CommandName, CommandOutput } from './commands.ts';
import { CallError, type Reply } from './errors.ts';
import type { GrantedFileDto } from './shared-schemas.ts';

/**
 * What Electron's preload exposes as `window.loadstone`: the `LoadstoneApi` plus `invoke`, which resolves
 * to the call's `Reply` instead of rejecting. Errors lose their class and fields when they cross
 * Electron's contextBridge (only the message survives), so a renderer that needs `CallError` (with its
 * `code` and `issues`) wraps the bridge with `apiFromBridge`.
 */
export interface LoadstoneBridge extends LoadstoneApi {
  invoke<N extends CommandName>(name: N, input: CommandInput<N>): Promise<Reply<CommandOutput<N>>>;
  /**
   * Grants the engine a `File` the operator dropped on or picked in the page: the preload takes its
   * path on disk (`webUtils.getPathForFile`, which a page cannot forge: a File made in memory has
   * none) and main registers it with the engine. The page gets a handle, never the path.
   */
  grantFile(file: object): Promise<Reply<GrantedFileDto>>;
}

/** True when `api` is a preload bridge (has the lossless `invoke`). */
export function isLoadstoneBridge(api: LoadstoneApi): api is LoadstoneBridge {
  return typeof (api as Partial<LoadstoneBridge>).invoke === 'function';
}

/** A `LoadstoneApi` whose failed calls reject with real `CallError`s, built on a preload bridge. */
export function apiFromBridge(bridge: LoadstoneBridge): LoadstoneApi {
  return {
    async call(name, input) {
      const reply = await bridge.invoke(name, input);
      if (reply.ok) return reply.value;
      throw new CallError(reply.error);
    },
    on: (name, listener) => bridge.on(name, listener),
  };
}

// Builds `window.loadstone` from the contract. Sandboxed: only `electron` and the contract are
// imported, and the page never gets `ipcRenderer`, an IPC event object, or a way to name a channel.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { LoadstoneBridge } from '../../core/common/contract/bridge.ts';
import { commands } from '../../core/common/contract/commands.ts';
import { IPC_CHANNELS } from '../../core/common/contract/electron-ipc.ts';
import { CODES } from '../../core/common/contract/error-codes.ts';
import { CallError, type Reply } from '../../core/common/contract/errors.ts';
import { events } from '../../core/common/contract/events.ts';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_CHANNELS.event, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string' || !Object.hasOwn(events, name)) return;
  for (const listener of listeners.get(name) ?? []) {
    try {
      listener(payload);
    } catch (error) {
      console.error(`loadstone: a '${name}' listener failed`, error);
    }
  }
});

async function invoke(name: unknown, input: unknown): Promise<Reply<unknown>> {
  if (typeof name !== 'string' || !Object.hasOwn(commands, name)) {
    return {
      ok: false,
      error: { code: CODES.UNKNOWN_COMMAND, message: `There is no command '${String(name)}'.` },
    };
  }
  return (await ipcRenderer.invoke(IPC_CHANNELS.call, name, input)) as Reply<unknown>;
}

const bridge = {
  invoke,
  /**
   * Resolves to the command's output or rejects with a CallError. Across the context bridge only the
   * error's message survives; `apiFromBridge(window.loadstone)` gives the renderer real CallErrors.
   */
  async call(name: unknown, input: unknown): Promise<unknown> {
    const reply = await invoke(name, input);
    if (reply.ok) return reply.value;
    throw new CallError(reply.error);
  },
  on(name: unknown, listener: unknown): () => void {
    if (typeof name !== 'string' || !Object.hasOwn(events, name))
      throw new Error(`There is no event '${String(name)}'.`);
    if (typeof listener !== 'function') throw new Error('The listener must be a function.');
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
  async grantFile(file: unknown): Promise<Reply<unknown>> {
    // The path comes from Electron for a real File; the page only hands over the File object.
    const path = file instanceof File ? webUtils.getPathForFile(file) : '';
    if (!path) {
      return {
        ok: false,
        error: {
          code: CODES.BAD_REQUEST,
          message: 'This file is not on this computer; use Browse… instead.',
        },
      };
    }
    return (await ipcRenderer.invoke(IPC_CHANNELS.grantFile, path)) as Reply<unknown>;
  },
};

// The implementation takes `unknown` (the page is untrusted) and checks at run time; the type the
// renderer sees is the contract's.
contextBridge.exposeInMainWorld('loadstone', bridge satisfies Record<keyof LoadstoneBridge, unknown>);

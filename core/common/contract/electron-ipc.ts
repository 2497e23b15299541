import type { EngineToTransportMessage, TransportToEngineMessage } from './engine-protocol.ts';

/**
 * The only IPC channels between Electron's preload and main. The preload never takes a channel name from
 * the page; main registers handlers for these and nothing else.
 */
export const IPC_CHANNELS = {
  /** invoke(name, input) → Reply */
  call: 'loadstone:call',
  /** main → renderer: (name, payload) */
  event: 'loadstone:event',
  /**
   * invoke(path) → Reply<GrantedFile>: the preload asks main to grant a file the operator dropped or
   * picked in the page. Only the preload sends it, with the path `webUtils.getPathForFile` gave for a
   * real File (the page cannot name a path: it never sees this channel).
   */
  grantFile: 'loadstone:grant-file',
} as const;

/** How Electron main protects the engine's secret key: safeStorage, when the OS really offers encryption. */
export type KeyOperation = 'encrypt' | 'decrypt';

/** Messages from Electron main to the engine's utility process. */
export type MainToEngineMessage =
  | {
      type: 'init';
      /** Absent: the engine resolves it like the CLI (LOADSTONE_HOME, else the platform's data folder). */
      dataDir?: string;
      version: string;
      /** Whether main can protect a key with the OS keychain (safeStorage with a real backend). */
      osEncryption: boolean;
    }
  | TransportToEngineMessage
  /** Answer to a `key-request`; `data` is base64. */
  | { type: 'key-reply'; id: number; ok: true; data: string }
  | { type: 'key-reply'; id: number; ok: false; message: string };

/** Messages from the engine's utility process to Electron main. */
export type EngineToMainMessage =
  | EngineToTransportMessage
  /** Asks main to encrypt or decrypt (base64 `data`) with safeStorage. */
  | { type: 'key-request'; id: number; op: KeyOperation; data: string };

import {
  apiFromBridge,
  CallError,
  type GrantedFileDto,
  isLoadstoneBridge,
  type LoadstoneApi,
  type ReportRowFilter,
} from '../../core/common/contract/index.ts';
import { createHttpClient, type StreamState } from './http-client.ts';
import { takeToken } from './token.ts';

/** Export formats of an error report. */
export type ReportFormat = 'csv' | 'json' | 'ndjson';

/**
 * How the renderer reaches the engine, with the few capabilities that differ per transport. The
 * renderer never names a file by its path: a file becomes usable only through `grantFile` (a file
 * dropped or picked in the page) or the native open dialog (`dialogs.openFile`), each giving a handle.
 */
export interface Transport {
  readonly kind: 'electron' | 'http';
  readonly api: LoadstoneApi;
  /**
   * A file the operator dropped or picked in the page, granted to the engine: the browser host
   * uploads a copy; the desktop app lets the engine read it where it is. Null when this window has
   * no way to (an old preload).
   */
  readonly grantFile: ((file: File) => Promise<GrantedFileDto>) | null;
  /**
   * Browser host only: a download URL for a run's error report (the rows `filter` selects); it holds
   * no credential, so a click goes through `download`.
   */
  readonly exportUrl?: (runId: string, format: ReportFormat, filter?: ReportRowFilter) => string;
  /** Browser host only: a download URL for a run's export for fixing (follow it with `download`). */
  readonly fixingUrl?: (runId: string, bom: boolean) => string;
  /** Browser host only: downloads an `exportUrl`/`fixingUrl` of `runId` with a one-use ticket. */
  readonly download?: (runId: string, url: string, fileName: string) => Promise<void>;
  /** Observes the push-event connection (HTTP only; IPC does not drop). */
  readonly onStreamState?: (listener: (state: StreamState) => void) => () => void;
}

/** Why no transport could be set up, shown full-screen instead of the app. */
export interface TransportFailure {
  readonly message: string;
}

declare global {
  interface Window {
    /** Provided by Electron's preload script. */
    loadstone?: LoadstoneApi;
  }
}

/**
 * Picks the transport once at start: Electron's preload API when present,
 * otherwise the browser host's HTTP API authenticated by the token from the URL.
 */
export function pickTransport(win: Window): Transport | TransportFailure {
  const preload = win.loadstone;
  if (preload) {
    // Across contextBridge a rejected call keeps only its message; the bridge's `invoke` keeps the
    // whole contract error (code, issues), so use it when the preload offers it.
    if (isLoadstoneBridge(preload)) {
      return {
        kind: 'electron',
        api: apiFromBridge(preload),
        grantFile: async (file) => {
          const reply = await preload.grantFile(file);
          if (reply.ok) return reply.value;
          throw new CallError(reply.error);
        },
      };
    }
    return { kind: 'electron', api: preload, grantFile: null };
  }
  const token = takeToken(win);
  if (!token) {
    return {
      message:
        'No access token. Open Loadstone with the URL printed by `npm run serve` (it ends in #token=…); the token is valid for that launch only.',
    };
  }
  const client = createHttpClient({ baseUrl: '', token });
  return {
    kind: 'http',
    api: client,
    grantFile: (file) => client.upload(file, file.name),
    exportUrl: client.exportUrl,
    fixingUrl: client.fixingUrl,
    download: client.download,
    onStreamState: client.onStreamState,
  };
}

/** True when `value` is a usable transport rather than a failure. */
export function isTransport(value: Transport | TransportFailure): value is Transport {
  return 'api' in value;
}

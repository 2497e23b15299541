import { apiFromBridge, isLoadstoneBridge, type LoadstoneApi } from '../../core/common/contract/index.ts';
import { createHttpClient, type StreamState } from './http-client.ts';
import { takeToken } from './token.ts';

/** Export formats of an error report. */
export type ReportFormat = 'csv' | 'json' | 'ndjson';

/** How the renderer reaches the engine, with the few capabilities that differ per transport. */
export interface Transport {
  readonly kind: 'electron' | 'http';
  readonly api: LoadstoneApi;
  /** Browser host only: sends a picked/dropped file to the host and returns its path there. */
  readonly upload?: (file: File) => Promise<string>;
  /** Electron only: the on-disk path of a dropped or picked file. */
  readonly pathForFile?: (file: File) => string | null;
  /** Browser host only: a download URL for a run's error report. */
  readonly exportUrl?: (runId: string, format: ReportFormat) => string;
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
        pathForFile: (file) => preload.pathForFile(file),
      };
    }
    return { kind: 'electron', api: preload };
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
    upload: (file) => client.upload(file, file.name),
    exportUrl: client.exportUrl,
    onStreamState: client.onStreamState,
  };
}

/** True when `value` is a usable transport rather than a failure. */
export function isTransport(value: Transport | TransportFailure): value is Transport {
  return 'api' in value;
}

import type { DOWNLOAD_FORMATS, ReportRowFilter } from './commands.ts';
import type { Reply } from './errors.ts';
import type { EventName } from './events.ts';
import type { GrantedFileDto } from './shared-schemas.ts';

/** A format an error report (or an export for fixing) downloads in. */
type ReportFormat = (typeof DOWNLOAD_FORMATS)[number];

/**
 * What a transport asks the engine to grant for a file the operator picked (see `FileGrants`):
 * reading a file chosen in an open dialog, dropped, or uploaded (`uploaded`, with the original
 * `name`), or one write to where the operator chose in a save dialog (`overwrite`: the dialog
 * confirmed replacing the file there).
 */
export type GrantRequest =
  | { kind: 'read'; path: string; name?: string; uploaded?: boolean }
  | { kind: 'write'; path: string; overwrite: boolean };

/** What a grant gives the transport to hand to the renderer. */
export type GrantReply = Reply<GrantedFileDto | { handle: string; name: string }>;

/**
 * Messages a transport process sends to the engine's process (Electron's utility process, the
 * browser host's engine child), besides starting it. Calls and exports carry an id; `cancel` aborts
 * the call or export of that id (its caller went away).
 */
export type TransportToEngineMessage =
  | { type: 'call'; id: number; name: string; input: unknown }
  | { type: 'cancel'; id: number }
  | { type: 'grant'; id: number; request: GrantRequest }
  /** Streams a run's error report (the rows `filter` selects) back as `export-chunk`s (the browser host's download). */
  | { type: 'export-report'; id: number; runId: string; format: ReportFormat; filter?: ReportRowFilter }
  /** The transport wrote the last chunk out: the engine may send the next one. */
  | { type: 'export-ack'; id: number }
  | { type: 'shutdown' };

/** Messages the engine's process sends back. */
export type EngineToTransportMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; reply: Reply<unknown> }
  | { type: 'granted'; id: number; reply: GrantReply }
  /** `data`: base64 (every transport can carry text). */
  | { type: 'export-chunk'; id: number; data: string }
  | { type: 'export-end'; id: number; reply: Reply<{ rows: number }> }
  | { type: 'event'; name: EventName; payload: unknown }
  /** The engine could not start; the transport shows the message and stops. */
  | { type: 'fatal'; message: string };

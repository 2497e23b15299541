import type { AlertOutbox } from '../alerts/outbox.ts';
import type { RunStore } from '../store/index.ts';
import type { EventBus } from './event-bus.ts';
import type { FileGrants } from './file-grants.ts';
import type { LoadManager } from './load-manager.ts';
import type { Logger } from './logger.ts';
import type { Warehouse } from './warehouse.ts';

/** What every handler may use. Built once per engine by `openEngine`. */
export interface HandlerContext {
  readonly store: RunStore;
  readonly bus: EventBus;
  readonly log: Logger;
  readonly dataDir: string;
  readonly version: string;
  /** Which transport the UI reaches this engine by (app.info tells the UI, e.g. whether dialogs exist). */
  readonly transport: 'electron' | 'http';
  readonly env: NodeJS.ProcessEnv;
  readonly loads: LoadManager;
  /** The embedded `local` warehouse, started on first use and kept for the engine's life. */
  readonly warehouse: Warehouse;
  /** Files the renderer may name (by handle); every path from a call goes through it. */
  readonly grants: FileGrants;
  /** Alerts of ended runs, delivered in the background (see core/node/alerts). */
  readonly alerts: AlertOutbox;
}

import type { z } from 'zod';
import type {
  CommandName,
  Commands,
  DOWNLOAD_FORMATS,
  REPORT_FORMATS,
  ReportRowFilter,
} from '../../common/contract/commands.ts';
import type { Clock, ScheduleProblem } from '../schedule/scheduler.ts';
import type { EventBus } from './event-bus.ts';
import type { FileGrants } from './file-grants.ts';
import type { Logger } from './logger.ts';

/** What a handler receives: the command input after validation (defaults applied). */
export type HandlerInput<N extends CommandName> = z.output<Commands[N]['input']>;

/** What a handler returns: anything the output schema accepts (it is validated before it leaves). */
export type HandlerOutput<N extends CommandName> = z.input<Commands[N]['output']>;

/** What a transport tells a handler about the call besides its input. */
export interface CallContext {
  /** Aborted when the caller went away (the browser host's client disconnected) or cancelled. */
  readonly signal: AbortSignal;
}

/** One async function per contract command. */
export type Handler<N extends CommandName> = (
  input: HandlerInput<N>,
  call: CallContext,
) => Promise<HandlerOutput<N>>;

/** Every contract command mapped to its handler. */
export type Handlers = { [N in CommandName]: Handler<N> };

/** Formats an error report can be exported as. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** What a report download may be: a report format, or `fixing` / `fixing-bom` (an export for fixing). */
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

/**
 * A running engine as transports see it: the handlers, the event bus, and the one thing that does not
 * fit a JSON reply — streaming an error report into a byte sink (the browser host's download).
 */
export interface Engine {
  readonly handlers: Handlers;
  readonly bus: EventBus;
  readonly log: Logger;
  readonly dataDir: string;
  /** The files the renderer may name, by handle: transports grant what the operator picked. */
  readonly grants: FileGrants;
  /**
   * Streams run `runId`'s error report (or, `fixing`, its export for fixing) to `out` (which it ends);
   * a report holds only the rows `filter` selects (an export for fixing holds every rejected row).
   * @throws LoadstoneError NOT_FOUND when there is no such run (before anything is written).
   */
  exportReport(
    runId: string,
    format: DownloadFormat,
    out: NodeJS.WritableStream,
    signal?: AbortSignal,
    filter?: ReportRowFilter,
  ): Promise<{ rows: number }>;
  /**
   * Starts running saved jobs on their schedules while the engine is open (the desktop app, the
   * browser host). Closing the engine stops it: scheduled loads still running are cancelled and roll
   * back, like every running load; runs that fall due while no engine runs are missed (see the
   * schedule's `missed` policy).
   */
  startScheduler(options?: EngineSchedulerOptions): void;
  /** Cancels running loads, waits for them, and releases the store and the local warehouse. */
  close(): Promise<void>;
}

/** How an engine's scheduler is set up (tests inject a clock). */
export interface EngineSchedulerOptions {
  readonly clock?: Clock;
  /** Schedule problems (missed, overran, failed_to_start), also logged: the hook alerts plug into. */
  readonly onProblem?: (problem: ScheduleProblem) => void;
}

import { contractCode } from '../../common/contract/error-codes.ts';
import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import type { JobSpecInput } from '../../common/spec/job-spec.ts';
import type { RunLoadOutcome } from '../runs/run-load.ts';
import type { SourceRead } from '../sources/types.ts';
import type { RunStore, RunTrigger } from '../store/index.ts';
import type { EventBus } from './event-bus.ts';
import type { Logger } from './logger.ts';
import { scrubSecrets } from './scrub.ts';
import { createThrottle } from './throttle.ts';

/** Progress reaches the UI at most this often per run (10 a second). */
export const PROGRESS_INTERVAL_MS = 100;

/** What a load reports when it ends (the loader's outcome, as far as the UI is concerned). */
export type LoadOutcome = Pick<RunLoadOutcome, 'runId' | 'status' | 'counts' | 'durationMs' | 'error'>;

/** How the manager starts one load: the loader, bound to the engine's store and data folder. */
export type StartLoad = (
  spec: JobSpecInput,
  options: {
    dryRun: boolean;
    /** Resume this run from its last commit (`spec` is its stored spec) instead of a new load. */
    resumeOf?: string;
    signal: AbortSignal;
    trigger?: RunTrigger;
    onRunCreated(runId: string): void;
    onProgress(progress: LoadProgressDto): void;
    /** Told of each page an HTTP API source has read (`OpenSourceOptions.onRead`). */
    onSourceRead?(read: SourceRead): void;
    /** The run whose fixed rejected rows this load reloads. */
    reloadOf?: string;
  },
) => Promise<LoadOutcome>;

/**
 * Runs loads in the background, one AbortController each. `start` resolves as soon as the loader has
 * recorded the run (so the UI gets its id at once) and rejects only when the load fails before that
 * (an invalid spec, a missing file). Progress goes to the bus throttled; the end goes out as
 * `load.finished` plus `data.changed { runs }`.
 */
export class LoadManager {
  /** Loads with a recorded run, by run id (what `cancel` can reach). */
  readonly #running = new Map<string, AbortController>();
  /** Loads not yet recorded (their source still opening and sampled), by the caller's start id (`cancelStart`). */
  readonly #starting = new Map<string, AbortController>();
  /** Every load not yet settled, including ones still planning (what `closeAll` waits for). */
  readonly #inFlight = new Map<Promise<unknown>, AbortController>();

  constructor(
    private readonly startLoad: StartLoad,
    private readonly store: RunStore,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /** Called when the last running load has ended (housekeeping such as retention). */
    private readonly onIdle: () => void = () => {},
  ) {}

  /** Resumes run `runId` (its stored `spec`) as a new run; resolves with the new run's id once recorded. */
  resume(runId: string, spec: JobSpecInput): Promise<string> {
    return this.start(spec, false, { resumeOf: runId });
  }

  /**
   * Starts a load; resolves with its run id once the run is recorded. `onSettled` is called once the
   * load has ended, however it ended (a saved job's lock is released there).
   */
  start(
    spec: JobSpecInput,
    dryRun: boolean,
    opts: {
      trigger?: RunTrigger;
      onSettled?: (outcome: LoadOutcome | null) => void;
      reloadOf?: string;
      resumeOf?: string;
      /**
       * The caller's name for this load until its run is recorded: `cancelStart(startId)` stops it
       * while its source is opened and sampled (which for a slow API can take a minute).
       */
      startId?: string;
    } = {},
  ): Promise<string> {
    const controller = new AbortController();
    let runId: string | null = null;
    const startId = opts.startId;
    if (startId !== undefined) {
      if (this.#starting.has(startId)) {
        return Promise.reject(
          new LoadstoneError('SPEC_INVALID', `a load with start id '${startId}' is already starting`),
        );
      }
      this.#starting.set(startId, controller);
    }
    const started = () => {
      if (startId !== undefined) this.#starting.delete(startId);
    };
    const progress = createThrottle<LoadProgressDto>(PROGRESS_INTERVAL_MS, (p) =>
      this.bus.publish('load.progress', p),
    );

    let settled: LoadOutcome | null = null;
    return new Promise<string>((resolve, reject) => {
      const work = this.startLoad(spec, {
        dryRun,
        signal: controller.signal,
        ...(opts.trigger ? { trigger: opts.trigger } : {}),
        ...(opts.reloadOf ? { reloadOf: opts.reloadOf } : {}),
        ...(opts.resumeOf ? { resumeOf: opts.resumeOf } : {}),
        onRunCreated: (id) => {
          runId = id;
          started();
          this.#running.set(id, controller);
          this.bus.publish('data.changed', { domain: 'runs' });
          resolve(id);
        },
        onProgress: (p) => {
          if (runId) progress.push({ ...p, runId });
        },
        // The pages of the sample, read before the run is recorded (its progress says the rest).
        ...(startId !== undefined
          ? {
              onSourceRead: (read: SourceRead) => {
                if (runId === null) this.bus.publish('source.progress', { id: startId, ...read });
              },
            }
          : {}),
      }).then(
        (outcome) => {
          progress.flush();
          settled = outcome;
          this.#finish(outcome.runId, dryRun, outcome);
          resolve(outcome.runId);
        },
        (error: unknown) => {
          progress.cancel();
          started();
          if (runId === null) {
            // Cancelled while its source was opened and sampled: said as such, whatever the source
            // made of the abort.
            reject(
              controller.signal.aborted
                ? new LoadstoneError(
                    'LOAD_CANCELLED',
                    'cancelled before the run began (while the source was opened and sampled): nothing was written and no run was recorded',
                  )
                : error,
            );
            return;
          }
          // The loader records its own failures; this is the safety net for one that threw instead.
          this.log.error(`load ${runId} ended with an exception: ${errorText(error)}`);
          const run = this.store.runs.get(runId);
          settled = {
            runId,
            status: run && run.status !== 'running' && run.status !== 'interrupted' ? run.status : 'failed',
            counts: run?.counts ?? {
              read: 0,
              inserted: 0,
              updated: 0,
              unchanged: 0,
              skipped: 0,
              superseded: 0,
              rejected: 0,
            },
            durationMs: run?.durationMs ?? (run ? Date.now() - Date.parse(run.startedAt) : 0),
            error: isLoadstoneError(error)
              ? { code: error.code, message: error.message }
              : { code: 'INTERNAL', message: 'the load failed unexpectedly; see the engine log' },
          };
          this.#finish(runId, dryRun, settled);
        },
      );
      this.#inFlight.set(work, controller);
      void work.finally(() => {
        this.#inFlight.delete(work);
        opts.onSettled?.(settled);
      });
    });
  }

  /** Aborts a running load (the loader rolls back). False when no such load is running here. */
  cancel(runId: string): boolean {
    const controller = this.#running.get(runId);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  /**
   * Aborts a load started with `startId` whose run is not recorded yet (its `start` then rejects with
   * LOAD_CANCELLED). False when no such load is starting here (it may have begun: cancel its run).
   */
  cancelStart(startId: string): boolean {
    const controller = this.#starting.get(startId);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  /** Cancels every running load and waits until each has rolled back and recorded its end. */
  async closeAll(): Promise<void> {
    for (const controller of this.#inFlight.values()) controller.abort();
    await Promise.allSettled([...this.#inFlight.keys()]);
  }

  #finish(runId: string, dryRun: boolean, outcome: LoadOutcome): void {
    this.#running.delete(runId);
    // The same lower-case codes as every other error that crosses to the UI.
    const error = outcome.error && {
      code: contractCode(outcome.error.code),
      message: scrubSecrets(outcome.error.message),
    };
    this.bus.publish('load.finished', {
      runId,
      status: outcome.status,
      dryRun,
      counts: outcome.counts,
      durationMs: outcome.durationMs,
      error,
    });
    this.bus.publish('data.changed', { domain: 'runs' });
    if (this.#running.size === 0) this.onIdle();
  }
}

function errorText(error: unknown): string {
  return scrubSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

import type { JobSpec } from '../../common/spec/job-spec.ts';
import type { LocalWarehouse } from '../pg/local-warehouse.ts';
import { runLoad } from '../runs/run-load.ts';
import type { RunStore } from '../store/index.ts';
import {
  type Clock,
  type ScheduledJob,
  type ScheduledRunEnd,
  Scheduler,
  type SchedulerDeps,
} from './scheduler.ts';

/** What a scheduler over a run store needs. */
export interface StoreSchedulerOptions
  extends Pick<SchedulerDeps, 'clock' | 'onProblem' | 'onSkipped' | 'onRunStart' | 'onRunEnd' | 'onRole'> {
  readonly store: RunStore;
  /** Who holds the job locks it takes (`loadstone scheduler`, `app`…), shown to a second run. */
  readonly purpose: string;
  /** Runs the load: `runLoad` in this process by default (needs `env` and `openWarehouse`). */
  readonly run?: (spec: JobSpec, signal: AbortSignal) => Promise<ScheduledRunEnd>;
  readonly env?: NodeJS.ProcessEnv;
  readonly openWarehouse?: () => Promise<LocalWarehouse>;
}

/**
 * A scheduler over the saved jobs of a run store: jobs and schedule state come from the store, each
 * run holds the job's lock (across processes) and is recorded with the trigger `schedule`. It takes a
 * seat among the store's schedulers: when several share the store, the oldest live one runs due jobs.
 */
export function createStoreScheduler(options: StoreSchedulerOptions): Scheduler {
  const { store } = options;
  const run =
    options.run ??
    (async (spec: JobSpec, signal: AbortSignal): Promise<ScheduledRunEnd> => {
      const outcome = await runLoad(spec, {
        store,
        env: options.env ?? process.env,
        openWarehouse: options.openWarehouse ?? missingWarehouse,
        dryRun: false,
        signal,
        trigger: 'schedule',
      });
      return { runId: outcome.runId, status: outcome.status, error: outcome.error };
    });
  return new Scheduler({
    clock: options.clock,
    jobs: () => scheduledJobs(store),
    state: store.schedules,
    seat: () => store.schedulers.seat(options.purpose),
    start(job: ScheduledJob, signal: AbortSignal) {
      const record = store.jobs.get(job.name);
      if (!record) throw new Error(`job '${job.name}' was removed`);
      const lock = store.jobLocks.acquire(job.name, options.purpose);
      try {
        const done = run({ ...record.spec, name: record.name }, signal);
        return { done: done.finally(() => lock.release()) };
      } catch (error) {
        lock.release();
        throw error;
      }
    },
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    ...(options.onSkipped ? { onSkipped: options.onSkipped } : {}),
    ...(options.onRunStart ? { onRunStart: options.onRunStart } : {}),
    ...(options.onRunEnd ? { onRunEnd: options.onRunEnd } : {}),
    ...(options.onRole ? { onRole: options.onRole } : {}),
  });
}

/** Saved jobs with a schedule; one whose spec no longer validates is left out (its run would fail). */
export function scheduledJobs(store: RunStore): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  for (const info of store.jobs.list()) {
    try {
      const schedule = store.jobs.get(info.name)?.spec.schedule;
      if (schedule) jobs.push({ name: info.name, schedule, updatedAt: info.updatedAt });
    } catch {
      // `jobs show` / `jobs run` report an invalid saved spec.
    }
  }
  return jobs;
}

async function missingWarehouse(): Promise<LocalWarehouse> {
  throw new Error('this scheduler has no local warehouse');
}

export type { Clock };

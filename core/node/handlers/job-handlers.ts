import { isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import { nextRunTime } from '../../common/spec/schedule.ts';
import { sourceFilePath } from '../../common/spec/source-label.ts';
import type { JobRecord, RunStore, RunTrigger } from '../store/index.ts';
import type { HandlerContext } from './context.ts';
import { sourceNaming } from './source-naming.ts';
import type { Handlers } from './types.ts';

type JobHandlers = Pick<
  Handlers,
  | 'jobs.list'
  | 'jobs.get'
  | 'jobs.save'
  | 'jobs.run'
  | 'jobs.delete'
  | 'jobs.schedule.set'
  | 'jobs.schedule.pause'
  | 'jobs.schedule.resume'
>;

/**
 * jobs.*: saved job specs (the store validates them on save and on load). A job is saved only from a
 * granted file and keeps its path; opening it grants that file afresh, running it reads it as saved
 * (the data folder stays out of reach either way, uploads aside).
 */
export function jobHandlers(ctx: HandlerContext): JobHandlers {
  const { store, bus, grants } = ctx;
  const naming = sourceNaming(ctx.dataDir);
  const saved = (name: string): JobRecord => {
    const job = store.jobs.get(name);
    if (!job) throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}'`);
    return job;
  };
  return {
    async 'jobs.list'() {
      const now = new Date();
      return store.jobs.list().map((j) => ({
        ...scheduleView(store, j.name, now),
        name: j.name,
        updatedAt: j.updatedAt,
        source: j.source,
        ...naming(j.source),
        table: j.table,
        mode: j.mode,
      }));
    },
    async 'jobs.get'({ name }) {
      const job = saved(name);
      const source = job.spec.source;
      if (!('path' in source)) return { name: job.name, spec: job.spec, file: null, fileProblem: null };
      const { path, ...options } = source;
      let file = null;
      let fileProblem: string | null = null;
      try {
        file = await grants.grantRead(path, { uploaded: await grants.isUpload(path) });
      } catch (error) {
        if (!isLoadstoneError(error)) throw error;
        fileProblem = error.message;
      }
      return { name: job.name, spec: { ...job.spec, source: options }, file, fileProblem };
    },
    async 'jobs.save'({ name, spec }) {
      const { spec: source } = await grants.source(spec.source, 'spec.source.handle');
      store.jobs.save(name, { ...spec, source });
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
    async 'jobs.run'({ name, dryRun }) {
      const job = saved(name);
      const path = sourceFilePath(job.spec.source);
      if (path !== undefined) await grants.checkStoredSource(path);
      return { runId: await startSavedJob(ctx, job, dryRun, 'manual') };
    },
    async 'jobs.schedule.set'({ name, schedule }) {
      const job = store.jobs.saved(name);
      if (!job) throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}'`);
      const { schedule: _old, ...rest } = job.spec as Record<string, unknown>;
      store.jobs.save(name, schedule ? { ...rest, schedule } : rest);
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
    async 'jobs.schedule.pause'({ name }) {
      saved(name);
      store.schedules.setPaused(name, true);
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
    async 'jobs.schedule.resume'({ name }) {
      saved(name);
      store.schedules.setPaused(name, false);
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
    async 'jobs.delete'({ name }) {
      if (!store.jobs.remove(name)) throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}'`);
      bus.publish('data.changed', { domain: 'jobs' });
      return { ok: true };
    },
  };
}

/**
 * Starts a saved job under its lock (two runs of one job never overlap, across processes), named
 * after the job as `jobs run` names it; the lock is released when the load ends.
 * @throws LoadstoneError JOB_RUNNING when the job is running (here, in the CLI or a scheduler).
 */
export async function startSavedJob(
  ctx: Pick<HandlerContext, 'store' | 'loads'>,
  job: JobRecord,
  dryRun: boolean,
  trigger: RunTrigger,
): Promise<string> {
  const lock = ctx.store.jobLocks.acquire(job.name, trigger === 'schedule' ? 'app schedule' : 'app');
  try {
    return await ctx.loads.start({ ...job.spec, name: job.name }, dryRun, {
      trigger,
      onSettled: () => lock.release(),
    });
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** A job's schedule as lists show it: the schedule, paused or not, next run, running now, last run. */
function scheduleView(store: RunStore, name: string, now: Date) {
  let schedule = null;
  try {
    schedule = store.jobs.get(name)?.spec.schedule ?? null;
  } catch {
    // An outdated job lists without its schedule; opening it reports why.
  }
  const state = store.schedules.get(name);
  const last = store.runs.lastOfJob(name);
  return {
    schedule,
    paused: state.paused,
    nextRunAt: schedule && !state.paused ? (nextRunTime(schedule, now)?.toISOString() ?? null) : null,
    running: store.jobLocks.holder(name) !== undefined,
    lastRun: last
      ? { runId: last.id, status: last.status, startedAt: last.startedAt, trigger: last.trigger }
      : null,
  };
}

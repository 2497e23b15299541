import { LoadstoneError } from '../../common/errors.ts';
import { sourceFilePath } from '../../common/spec/source-label.ts';
import { reloadJob } from '../runs/reload-job.ts';
import type { HandlerContext } from './context.ts';
import type { Handlers } from './types.ts';

/**
 * loads.start (returns the run id at once; the load goes on in the background), loads.reload (a
 * fixed export for fixing through the original run's job), loads.cancel, loads.cancelStart (a load
 * whose run is not recorded yet) and loads.resume.
 */
export function loadHandlers(
  ctx: HandlerContext,
): Pick<Handlers, 'loads.start' | 'loads.reload' | 'loads.cancel' | 'loads.cancelStart' | 'loads.resume'> {
  return {
    async 'loads.start'({ spec, dryRun, startId }) {
      const { spec: source } = await ctx.grants.source(spec.source, 'spec.source.handle');
      return {
        runId: await ctx.loads.start({ ...spec, source }, dryRun, startId === undefined ? {} : { startId }),
      };
    },
    async 'loads.reload'({ runId, file }) {
      const fixed = await ctx.grants.readable(file, 'file');
      const spec = reloadJob(ctx.store, runId, fixed.path);
      return { runId: await ctx.loads.start(spec, false, { reloadOf: runId }) };
    },
    async 'loads.cancel'({ runId }) {
      return { cancelled: ctx.loads.cancel(runId) };
    },
    async 'loads.cancelStart'({ startId }) {
      return { cancelled: ctx.loads.cancelStart(startId) };
    },
    async 'loads.resume'({ runId }) {
      const run = ctx.store.runs.get(runId);
      if (!run) throw new LoadstoneError('NOT_FOUND', `no run '${runId}'`);
      // The path is the one the engine itself read for the run (as for a saved job): still never a
      // file under the data folder, uploads aside.
      const path = sourceFilePath(run.spec.source);
      if (path !== undefined) await ctx.grants.checkStoredSource(path);
      return { runId: await ctx.loads.resume(runId, run.spec) };
    },
  };
}

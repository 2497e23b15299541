import type { HandlerContext } from './context.ts';
import type { Handlers } from './types.ts';

/** loads.start (returns the run id at once; the load goes on in the background) and loads.cancel. */
export function loadHandlers(ctx: HandlerContext): Pick<Handlers, 'loads.start' | 'loads.cancel'> {
  return {
    async 'loads.start'({ spec, dryRun }) {
      const { spec: source } = await ctx.grants.source(spec.source, 'spec.source.handle');
      return { runId: await ctx.loads.start({ ...spec, source }, dryRun) };
    },
    async 'loads.cancel'({ runId }) {
      return { cancelled: ctx.loads.cancel(runId) };
    },
  };
}

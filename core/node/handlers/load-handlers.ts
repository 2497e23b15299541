import type { HandlerContext } from './context.ts';
import { withCheckedSource } from './paths.ts';
import type { Handlers } from './types.ts';

/** loads.start (returns the run id at once; the load goes on in the background) and loads.cancel. */
export function loadHandlers(ctx: HandlerContext): Pick<Handlers, 'loads.start' | 'loads.cancel'> {
  return {
    async 'loads.start'({ spec, dryRun }) {
      return { runId: await ctx.loads.start(withCheckedSource(spec), dryRun) };
    },
    async 'loads.cancel'({ runId }) {
      return { cancelled: ctx.loads.cancel(runId) };
    },
  };
}

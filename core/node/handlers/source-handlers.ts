import { inspectSource, preview } from '../preview/preview.ts';
import type { HandlerContext } from './context.ts';
import type { Handlers } from './types.ts';

/**
 * sources.inspect and preview.run: read-only looks at a granted file; nothing is recorded. Both stop
 * reading when the call's signal aborts (the browser host's client went away).
 */
export function sourceHandlers(ctx: HandlerContext): Pick<Handlers, 'sources.inspect' | 'preview.run'> {
  return {
    async 'sources.inspect'(ref, { signal }) {
      const { spec } = await ctx.grants.source(ref, 'handle');
      return inspectSource(spec, { signal });
    },
    async 'preview.run'({ spec, limit }, { signal }) {
      const { spec: source } = await ctx.grants.source(spec.source, 'spec.source.handle');
      return preview({ ...spec, source }, { limit, signal });
    },
  };
}

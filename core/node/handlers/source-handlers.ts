import { inspectSource, preview } from '../preview/preview.ts';
import type { HandlerContext } from './context.ts';
import { withCheckedSource } from './paths.ts';
import type { Handlers } from './types.ts';

/** sources.inspect and preview.run: read-only looks at a file; nothing is recorded. */
export function sourceHandlers(_ctx: HandlerContext): Pick<Handlers, 'sources.inspect' | 'preview.run'> {
  return {
    async 'sources.inspect'(source) {
      const checked = withCheckedSource({ source }, 'path').source;
      return inspectSource(checked);
    },
    async 'preview.run'({ spec, limit }) {
      return preview(withCheckedSource(spec), { limit });
    },
  };
}

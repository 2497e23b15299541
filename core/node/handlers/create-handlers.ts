import { alertHandlers } from './alert-handlers.ts';
import { appHandlers } from './app-handlers.ts';
import { connectionHandlers } from './connection-handlers.ts';
import type { HandlerContext } from './context.ts';
import { jobHandlers } from './job-handlers.ts';
import { loadHandlers } from './load-handlers.ts';
import { reportHandlers } from './report-handlers.ts';
import { sourceHandlers } from './source-handlers.ts';
import { targetHandlers } from './target-handlers.ts';
import type { Handlers } from './types.ts';

/**
 * Every contract command's handler, by domain. Handlers get validated input (see `dispatch`) and
 * return plain data the output schema accepts; they throw LoadstoneErrors for anything the
 * operator should read, and publish `data.changed` after each mutation.
 */
export function createHandlers(ctx: HandlerContext): Handlers {
  return {
    ...appHandlers(ctx),
    ...connectionHandlers(ctx),
    ...sourceHandlers(ctx),
    ...targetHandlers(ctx),
    ...jobHandlers(ctx),
    ...loadHandlers(ctx),
    ...reportHandlers(ctx),
    ...alertHandlers(ctx),
  };
}

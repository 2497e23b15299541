import { z } from 'zod';
import { alertDesktopEventSchema } from './alert-schemas.ts';
import { contractErrorCodeSchema } from './errors.ts';
import { loadProgressSchema, runCountsSchema, runStatusSchema } from './shared-schemas.ts';

/** Every event the engine pushes to the UI: `domain.event` → payload schema. */
export const events = {
  /** Throttled to ≤ 10 a second per run. */
  'load.progress': loadProgressSchema,
  'load.finished': z.object({
    runId: z.string(),
    status: runStatusSchema,
    dryRun: z.boolean(),
    counts: runCountsSchema,
    durationMs: z.number(),
    error: z.object({ code: contractErrorCodeSchema, message: z.string() }).nullable(),
  }),
  /**
   * How far an HTTP API source has read while a preview (`preview.run`'s `progressId`) or a load not
   * yet recorded (`loads.start`'s `startId`) reads its sample: one event per page, the first pages
   * of a slow API taking up to a minute before anything else can be shown.
   */
  'source.progress': z.object({
    /** The `progressId` or `startId` the caller gave. */
    id: z.string(),
    pages: z.number().int().nonnegative(),
    records: z.number().int().nonnegative(),
  }),
  /** Something changed that list queries show; the UI invalidates exactly these. */
  'data.changed': z.object({ domain: z.enum(['runs', 'jobs', 'connections', 'settings', 'alerts']) }),
  /** An alert channel of kind `desktop` has a message: the host shows it. */
  'alert.desktop': alertDesktopEventSchema,
} as const satisfies Record<string, z.ZodType>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<N extends EventName> = z.output<Events[N]>;

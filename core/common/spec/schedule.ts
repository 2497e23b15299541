import { Cron } from 'croner';
import { z } from 'zod';

/** What a scheduler does with runs that fell due while nothing was running: drop them, or run once. */
export const MISSED_POLICIES = ['skip', 'runOnce'] as const;
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

/** Longest maximum run time a schedule may set: one week. */
export const MAX_RUN_MINUTES_LIMIT = 7 * 24 * 60;

/** Whether `zone` is an IANA time zone this runtime knows (`UTC`, `Europe/Paris`…). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why croner refuses a cron expression, or null when it reads it. */
export function cronProblem(cron: string): string | null {
  try {
    new Cron(cron, { paused: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A saved job's schedule: a cron expression (5 fields, or 6 with seconds first) read by croner in a
 * time zone, what to do with runs missed while no scheduler ran, and the longest a run may take.
 */
export const scheduleSchema = z
  .object({
    cron: z
      .string()
      .trim()
      .min(1, 'a cron expression is required')
      .superRefine((cron, ctx) => {
        const problem = cronProblem(cron);
        if (problem)
          ctx.addIssue({ code: 'custom', message: `not a cron expression croner reads: ${problem}` });
      }),
    timezone: z
      .string()
      .min(1)
      .default('UTC')
      .refine(isTimeZone, { message: 'is not an IANA time zone (e.g. UTC, Europe/Paris)' }),
    missed: z.enum(MISSED_POLICIES).default('skip'),
    /** A run still going after this many minutes is cancelled (and reported as overran). */
    maxRunMinutes: z.number().int().min(1).max(MAX_RUN_MINUTES_LIMIT).default(60),
  })
  .strict();
export type Schedule = z.infer<typeof scheduleSchema>;
export type ScheduleInput = z.input<typeof scheduleSchema>;

/** The next `count` times a schedule fires after `after` (croner, in the schedule's time zone). */
export function nextRunTimes(
  schedule: Pick<Schedule, 'cron' | 'timezone'>,
  after: Date,
  count: number,
): Date[] {
  const cron = new Cron(schedule.cron, { paused: true, timezone: schedule.timezone });
  return cron.nextRuns(count, after);
}

/** The next time a schedule fires strictly after `after`, or null when it never fires again. */
export function nextRunTime(schedule: Pick<Schedule, 'cron' | 'timezone'>, after: Date): Date | null {
  return nextRunTimes(schedule, after, 1)[0] ?? null;
}

import {
  MISSED_POLICIES,
  type MissedPolicy,
  nextRunTimes,
  type Schedule,
  scheduleSchema,
} from '../../../core/common/spec/schedule.ts';

/** The schedule editor's fields, as typed. */
export interface ScheduleDraft {
  cron: string;
  timezone: string;
  missed: MissedPolicy;
  maxRunMinutes: string;
}

/** What the editor shows: the schedule to save and its next run times, or the problems by field. */
export type ScheduleCheck =
  | { ok: true; schedule: Schedule; next: Date[] }
  | { ok: false; problems: Partial<Record<keyof ScheduleDraft, string>> };

/** The editor's starting fields: the job's schedule, or weekdays at 06:00 in the operator's zone. */
export function draftOf(schedule: Schedule | null, localZone: string): ScheduleDraft {
  return schedule
    ? { ...schedule, maxRunMinutes: String(schedule.maxRunMinutes) }
    : { cron: '0 6 * * 1-5', timezone: localZone, missed: 'skip', maxRunMinutes: '60' };
}

/** Validates a draft with the contract's own schema (croner reads the cron) and previews 3 runs. */
export function checkSchedule(draft: ScheduleDraft, now: Date): ScheduleCheck {
  const minutes = draft.maxRunMinutes.trim() === '' ? Number.NaN : Number(draft.maxRunMinutes);
  const result = scheduleSchema.safeParse({ ...draft, maxRunMinutes: minutes });
  if (!result.success) {
    const problems: Partial<Record<keyof ScheduleDraft, string>> = {};
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? 'cron') as keyof ScheduleDraft;
      problems[field] ??=
        field === 'maxRunMinutes' ? 'a whole number of minutes from 1 to 10080' : issue.message;
    }
    return { ok: false, problems };
  }
  const next = nextRunTimes(result.data, now, 3);
  if (next.length === 0) return { ok: false, problems: { cron: 'this expression never runs again' } };
  return { ok: true, schedule: result.data, next };
}

/** A run time in the schedule's zone, with the zone named: `Mon, 7 Dec 2026, 06:00 (Europe/Paris)`. */
export function formatInZone(at: Date, timezone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: at.getUTCSeconds() === 0 ? undefined : '2-digit',
  }).format(at);
  return `${text} (${timezone})`;
}

/** The schedule in a few words, for the jobs table. */
export function scheduleLabel(schedule: Schedule): string {
  return `${schedule.cron} · ${schedule.timezone}`;
}

export const MISSED_LABELS: Record<MissedPolicy, string> = {
  skip: 'Skip them',
  runOnce: 'Run once when the app or scheduler starts',
};

export { MISSED_POLICIES };

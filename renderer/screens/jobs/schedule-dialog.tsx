import { useMemo, useState } from 'react';
import type { Schedule } from '../../../core/common/spec/schedule.ts';
import { useCommandMutation } from '../../api/queries.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBox } from '../../components/states.tsx';
import {
  checkSchedule,
  draftOf,
  formatInZone,
  MISSED_LABELS,
  MISSED_POLICIES,
  type ScheduleDraft,
} from './schedule-text.ts';

const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * Edits a job's schedule: a cron expression and its time zone (with the next three run times, read
 * by croner as the scheduler will), what to do with runs missed while nothing ran, and the longest a
 * run may take. Saving replaces the schedule; "Remove schedule" leaves the job to run only when started.
 */
export function ScheduleDialog(props: {
  job: { name: string; schedule: Schedule | null } | null;
  onClose: () => void;
}) {
  const { job, onClose } = props;
  return job ? <ScheduleForm key={job.name} job={job} onClose={onClose} /> : null;
}

function ScheduleForm(props: { job: { name: string; schedule: Schedule | null }; onClose: () => void }) {
  const { job, onClose } = props;
  const [draft, setDraft] = useState<ScheduleDraft>(() => draftOf(job.schedule, LOCAL_ZONE));
  const check = useMemo(() => checkSchedule(draft, new Date()), [draft]);
  const save = useCommandMutation('jobs.schedule.set', { invalidates: ['jobs'], onSuccess: onClose });
  const set = (patch: Partial<ScheduleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const problem = (field: keyof ScheduleDraft) =>
    !check.ok && check.problems[field] ? (
      <p className="field-error" data-testid={`schedule-${field}-error`}>
        {check.problems[field]}
      </p>
    ) : null;

  return (
    <ConfirmDialog
      open
      title={`Schedule of job ${job.name}`}
      confirmLabel="Save schedule"
      cancelLabel="Cancel"
      busy={!check.ok || save.isPending}
      onCancel={onClose}
      onConfirm={() => {
        if (check.ok) save.mutate({ name: job.name, schedule: check.schedule });
      }}
      testId="schedule-dialog"
    >
      <div className="field-row">
        <div className="field grow">
          <label htmlFor="schedule-cron">Cron expression</label>
          <input
            id="schedule-cron"
            className="input mono"
            value={draft.cron}
            onChange={(e) => set({ cron: e.target.value })}
            data-testid="schedule-cron"
          />
          {problem('cron')}
        </div>
        <div className="field grow">
          <label htmlFor="schedule-timezone">Time zone</label>
          <input
            id="schedule-timezone"
            className="input"
            value={draft.timezone}
            onChange={(e) => set({ timezone: e.target.value })}
            data-testid="schedule-timezone"
          />
          {problem('timezone')}
        </div>
      </div>
      <p className="muted">
        Minute, hour, day of month, month, day of week (a sixth field first for seconds). For example{' '}
        <code>0 6 * * 1-5</code>: weekdays at 06:00.
      </p>
      <div className="field">
        <span className="field-label">Next runs</span>
        {check.ok ? (
          <ol data-testid="schedule-next-runs">
            {check.next.map((at) => (
              <li key={at.toISOString()}>{formatInZone(at, check.schedule.timezone)}</li>
            ))}
          </ol>
        ) : (
          <p className="muted">Fix the schedule to see when it runs.</p>
        )}
      </div>
      <div className="field-row">
        <div className="field grow">
          <label htmlFor="schedule-missed">Runs missed while nothing was running</label>
          <select
            id="schedule-missed"
            className="input"
            value={draft.missed}
            onChange={(e) => set({ missed: e.target.value as ScheduleDraft['missed'] })}
            data-testid="schedule-missed"
          >
            {MISSED_POLICIES.map((m) => (
              <option key={m} value={m}>
                {MISSED_LABELS[m]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="schedule-max">Maximum run time (minutes)</label>
          <input
            id="schedule-max"
            className="input"
            inputMode="numeric"
            value={draft.maxRunMinutes}
            onChange={(e) => set({ maxRunMinutes: e.target.value })}
            data-testid="schedule-max-minutes"
          />
          {problem('maxRunMinutes')}
        </div>
      </div>
      <p className="muted">
        Due jobs run while the app is open (or under <code>loadstone scheduler</code> on a server); a run past
        its maximum run time is cancelled and rolled back.
      </p>
      {job.schedule ? (
        <button
          type="button"
          className="btn btn-small btn-ghost"
          disabled={save.isPending}
          onClick={() => save.mutate({ name: job.name, schedule: null })}
          data-testid="schedule-remove"
        >
          Remove schedule
        </button>
      ) : null}
      {save.isError ? <ErrorBox title="Could not save the schedule" error={save.error} /> : null}
    </ConfirmDialog>
  );
}

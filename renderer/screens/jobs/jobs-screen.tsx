import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Schedule } from '../../../core/common/spec/schedule.ts';
import { useTransport } from '../../api/api-context.tsx';
import { commandKey, useCommand, useCommandMutation } from '../../api/queries.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { formatDateTime } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { href, navigate } from '../../router.ts';
import { useWizard } from '../load/wizard-context.tsx';
import { type JobSummary, runJobEffect, runJobSourceNote } from './run-job-text.ts';
import { ScheduleDialog } from './schedule-dialog.tsx';
import { scheduleLabel } from './schedule-text.ts';

/**
 * Saved jobs: open one in the wizard (to review or change it), run it as saved (after saying what the
 * run will do to the table), or delete it. A job that reads a copy uploaded to the browser host says so.
 */
export function JobsScreen() {
  const jobs = useCommand('jobs.list', {});
  const { api } = useTransport();
  const client = useQueryClient();
  const { dispatch } = useWizard();
  const [deleting, setDeleting] = useState<string | null>(null);
  const [running, setRunning] = useState<JobSummary | null>(null);
  const [opening, setOpening] = useState<{ name: string; error: unknown } | null>(null);
  const [scheduling, setScheduling] = useState<{ name: string; schedule: Schedule | null } | null>(null);
  const pause = useCommandMutation('jobs.schedule.pause', { invalidates: ['jobs'] });
  const resume = useCommandMutation('jobs.schedule.resume', { invalidates: ['jobs'] });
  const remove = useCommandMutation('jobs.delete', { invalidates: ['jobs'] });
  const start = useCommandMutation('jobs.run', {
    invalidates: ['runs'],
    onSuccess: ({ runId }) => navigate({ name: 'run', runId }),
  });

  const fetchJob = (name: string) =>
    client.fetchQuery({
      queryKey: commandKey('jobs.get', { name }),
      queryFn: () => api.call('jobs.get', { name }),
    });

  const open = async (name: string) => {
    setOpening({ name, error: null });
    try {
      const job = await fetchJob(name);
      dispatch({ type: 'openJob', name: job.name, spec: job.spec, file: job.file });
      setOpening(null);
      navigate({ name: 'load' });
    } catch (error) {
      setOpening({ name, error });
    }
  };

  return (
    <div className="screen" data-testid="screen-jobs">
      <header className="screen-head">
        <h1 className="screen-title">Jobs</h1>
        <a className="btn btn-primary" href={href({ name: 'load' })}>
          New load
        </a>
      </header>
      {opening?.error ? <ErrorBox title={`Cannot open job ${opening.name}`} error={opening.error} /> : null}
      {start.isError ? (
        <ErrorBox title="Could not start the job" error={start.error} testId="job-start-error" />
      ) : null}
      {jobs.isPending ? (
        <Loading label="Loading jobs…" />
      ) : jobs.isError ? (
        <ErrorBox title="Cannot list jobs" error={jobs.error} onRetry={() => jobs.refetch()} />
      ) : jobs.data.length === 0 ? (
        <Empty title="No saved jobs" testId="jobs-empty">
          Set up a load and save it from the Plan step to run it again later.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="jobs-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Source</th>
                <th scope="col">Table</th>
                <th scope="col">Mode</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((j) => (
                <tr key={j.name} data-testid="job-row" data-name={j.name}>
                  <td className="mono">
                    <strong>{j.name}</strong>
                  </td>
                  <td
                    className="mono ellipsis"
                    title={j.uploaded ? `${j.sourceName} (uploaded copy)` : j.source}
                  >
                    <span data-testid="job-source">{j.sourceName}</span>
                    {j.uploaded ? (
                      <>
                        {' '}
                        <span className="badge" data-testid="job-uploaded">
                          uploaded copy
                        </span>
                      </>
                    ) : null}
                  </td>
                  <td className="mono">{j.table ?? '—'}</td>
                  <td data-testid="job-mode">{j.mode ?? '—'}</td>
                  <td className="mono" data-testid="job-schedule">
                    {j.schedule ? scheduleLabel(j.schedule) : '—'}
                    {j.schedule && j.paused ? (
                      <>
                        {' '}
                        <span className="badge" data-testid="job-paused">
                          paused
                        </span>
                      </>
                    ) : null}
                  </td>
                  <td data-testid="job-next-run">
                    {j.running ? 'running now' : j.nextRunAt ? formatDateTime(j.nextRunAt) : '—'}
                  </td>
                  <td data-testid="job-last-run">
                    {j.lastRun ? (
                      <a href={href({ name: 'run', runId: j.lastRun.runId })} title={j.lastRun.runId}>
                        <StatusBadge status={j.lastRun.status} /> {formatDateTime(j.lastRun.startedAt)}
                        {j.lastRun.trigger === 'schedule' ? ' (scheduled)' : ''}
                      </a>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => void open(j.name)}
                      disabled={opening?.name === j.name && !opening.error}
                      data-testid="open-job"
                    >
                      Open
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => setRunning(j)}
                      disabled={start.isPending || !j.table}
                      data-testid="run-job"
                    >
                      Run now
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => setScheduling({ name: j.name, schedule: j.schedule })}
                      data-testid="schedule-job"
                    >
                      Schedule…
                    </button>
                    {j.schedule ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={pause.isPending || resume.isPending}
                        onClick={() => (j.paused ? resume : pause).mutate({ name: j.name })}
                        data-testid={j.paused ? 'resume-job' : 'pause-job'}
                      >
                        {j.paused ? 'Resume' : 'Pause'}
                      </button>
                    ) : null}
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      onClick={() => setDeleting(j.name)}
                      data-testid="delete-job"
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={running !== null}
        title={`Run job ${running?.name ?? ''} now (${running?.mode ?? 'append'})?`}
        confirmLabel={`Run now: ${running?.mode ?? 'append'}`}
        cancelLabel="Not now"
        danger={(running?.mode ?? 'append') === 'append' || running?.mode === 'replace'}
        onCancel={() => setRunning(null)}
        onConfirm={() => {
          if (running) start.mutate({ name: running.name, dryRun: false });
          setRunning(null);
        }}
        testId="run-job-dialog"
      >
        {running ? (
          <>
            <p data-testid="run-job-effect">{runJobEffect(running)}</p>
            {runJobSourceNote(running) ? (
              <p data-testid="run-job-source">{runJobSourceNote(running)}</p>
            ) : null}
          </>
        ) : null}
      </ConfirmDialog>
      <ScheduleDialog job={scheduling} onClose={() => setScheduling(null)} />
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete job ${deleting ?? ''}?`}
        confirmLabel="Delete"
        cancelLabel="Keep it"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) remove.mutate({ name: deleting });
          setDeleting(null);
        }}
        testId="delete-job-dialog"
      >
        Its runs and error reports stay in the history.
      </ConfirmDialog>
    </div>
  );
}

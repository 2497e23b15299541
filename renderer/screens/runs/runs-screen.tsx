import { useId, useState } from 'react';
import { RUN_STATUSES, type RunStatus } from '../../../core/common/contract/index.ts';
import { useCommand } from '../../api/queries.ts';
import { durationBetween, formatCount, formatDateTime, formatDuration } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { href } from '../../router.ts';

/** How often a list with a running run is read again. */
const RUNNING_POLL_MS = 2000;
/** How often a list without one is read again while the window is visible (a new CLI run shows). */
const IDLE_POLL_MS = 5000;

/** Run history with a status filter; each run opens its detail and error report. */
export function RunsScreen() {
  const [status, setStatus] = useState<RunStatus | ''>('');
  const id = useId();
  // A run of another process (the CLI, a headless scheduler) sends this window no event when it
  // starts or ends: the list is read again when the window regains focus, and now and then while
  // it is visible (often while one is listed as running). Not while hidden (React Query pauses the
  // interval), and an unchanged answer renders nothing anew.
  const runs = useCommand('runs.list', status ? { status, limit: 200 } : { limit: 200 }, {
    refetchInterval: (q) =>
      q.state.data?.some((r) => r.status === 'running') ? RUNNING_POLL_MS : IDLE_POLL_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: 'always',
  });

  return (
    <div className="screen" data-testid="screen-runs">
      <header className="screen-head">
        <h1 className="screen-title">Runs</h1>
        <div className="field field-inline">
          <label htmlFor={id}>Status</label>
          <select
            id={id}
            className="input input-small"
            value={status}
            onChange={(e) => setStatus(e.target.value as RunStatus | '')}
            data-testid="runs-filter"
          >
            <option value="">All</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </header>
      {runs.isPending ? (
        <Loading label="Loading runs…" />
      ) : runs.isError ? (
        <ErrorBox title="Cannot list runs" error={runs.error} onRetry={() => runs.refetch()} />
      ) : runs.data.length === 0 ? (
        <Empty title={status ? `No ${status} runs` : 'No runs yet'} testId="runs-empty">
          {status ? (
            'Change the filter to see other runs.'
          ) : (
            <a href={href({ name: 'load' })}>Start a load</a>
          )}
        </Empty>
      ) : (
        <div className="table-wrap">
          {/* Below 1280 px the mode and the Updated and Unchanged counts step aside (the run page has
              them) and long names wrap, so the list fits a 1024 px window without scrolling sideways. */}
          <table className="table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col">Job / source</th>
                <th scope="col">Target</th>
                <th scope="col" className="col-optional">
                  Mode
                </th>
                <th scope="col" className="num">
                  Read
                </th>
                <th scope="col" className="num">
                  Inserted
                </th>
                <th scope="col" className="num col-optional">
                  Updated
                </th>
                <th scope="col" className="num col-optional">
                  Unchanged
                </th>
                <th scope="col" className="num">
                  Rejected
                </th>
                <th scope="col" className="num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status}>
                  <td className="run-started">
                    <a href={href({ name: 'run', runId: r.id })} data-testid="run-link">
                      {formatDateTime(r.startedAt)}
                    </a>
                  </td>
                  <td>
                    <StatusBadge status={r.status} dryRun={r.dryRun} />
                  </td>
                  <td className="run-what" title={r.uploaded ? `${r.sourceName} (uploaded copy)` : r.source}>
                    {r.jobName ? <strong>{r.jobName}</strong> : null}{' '}
                    <span className="muted" data-testid="run-source">
                      {r.sourceName}
                    </span>
                  </td>
                  <td className="mono wrap-anywhere" data-testid="run-target">
                    {r.target}:{r.table}
                  </td>
                  <td className="col-optional">{r.mode}</td>
                  <td className="num">{formatCount(r.counts.read)}</td>
                  <td className="num">{formatCount(r.counts.inserted)}</td>
                  <td className="num col-optional">{formatCount(r.counts.updated)}</td>
                  <td className="num col-optional">{formatCount(r.counts.unchanged)}</td>
                  <td className={`num${r.counts.rejected > 0 ? ' text-bad' : ''}`} data-testid="run-rejected">
                    {formatCount(r.counts.rejected)}
                  </td>
                  <td className="num" data-testid="run-duration">
                    {/* The run's one duration; a running run shows how long it has been going. */}
                    {formatDuration(
                      r.durationMs ?? (r.status === 'running' ? durationBetween(r.startedAt, null) : null),
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

import { rowsOutcome } from '../../../core/common/outcome/run-outcome.ts';
import { useCommand } from '../../api/queries.ts';
import { formatDateTime } from '../../components/format.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { href } from '../../router.ts';
import { ErrorReport } from './error-report.tsx';
import { FixAndReload, RunLinks } from './fix-and-reload.tsx';
import { RunAlerts } from './run-alerts.tsx';
import { RunEvents } from './run-events.tsx';
import { RunMonitor } from './run-monitor.tsx';

/** One run: what it did (live while running) and its error report. */
export function RunScreen(props: { runId: string }) {
  const run = useCommand('runs.get', { runId: props.runId });
  return (
    <div className="screen" data-testid="screen-run">
      <header className="screen-head">
        <h1 className="screen-title">
          <a href={href({ name: 'runs' })} className="crumb">
            Runs
          </a>{' '}
          / <span className="mono">{props.runId}</span>
        </h1>
      </header>
      {run.isPending ? (
        <Loading label="Loading the run…" />
      ) : run.isError ? (
        <ErrorBox
          title="Cannot open this run"
          error={run.error}
          onRetry={() => run.refetch()}
          testId="run-error"
        />
      ) : (
        <>
          <dl className="facts facts-wide" data-testid="run-facts">
            <dt>Job</dt>
            <dd>{run.data.jobName ?? '—'}</dd>
            <dt>Source</dt>
            {/* An upload by the name the operator gave it: its copy's path is the host's business. */}
            <dd className="mono" data-testid="run-source">
              {run.data.uploaded ? (
                <>
                  {run.data.sourceName}{' '}
                  <span className="badge" data-testid="run-uploaded">
                    uploaded copy
                  </span>
                </>
              ) : (
                run.data.source
              )}
            </dd>
            <dt>Target</dt>
            <dd className="mono">
              {run.data.target}:{run.data.table}
            </dd>
            <dt>Mode</dt>
            <dd>{run.data.mode}</dd>
            <dt>Started</dt>
            <dd>{formatDateTime(run.data.startedAt)}</dd>
            <dt>Ended</dt>
            <dd>{formatDateTime(run.data.endedAt)}</dd>
            {run.data.mode === 'incremental' ? (
              <>
                <dt>Watermark before</dt>
                <dd className="mono" data-testid="watermark-before">
                  {run.data.watermark.before ?? '— (every row was a candidate)'}
                </dd>
                <dt>Watermark after</dt>
                <dd className="mono" data-testid="watermark-after">
                  {run.data.watermark.after ?? (run.data.status === 'running' ? '…' : '— (not stored)')}
                </dd>
              </>
            ) : null}
            <RunLinks run={run.data} />
          </dl>
          <RunMonitor runId={props.runId} showReportLink={false} />
          {run.data.status !== 'running' && !run.data.dryRun && run.data.counts.rejected > 0 ? (
            <FixAndReload run={run.data} />
          ) : null}
          <RunEvents runId={props.runId} running={run.data.status === 'running'} />
          <RunAlerts runId={props.runId} />
          <ErrorReport
            runId={props.runId}
            running={run.data.status === 'running'}
            rejectedRows={run.data.counts.rejected}
            emptyText={rowsOutcome(run.data)}
          />
        </>
      )}
    </div>
  );
}

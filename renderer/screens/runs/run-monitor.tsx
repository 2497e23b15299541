import { useState } from 'react';
import type { RunCounts, RunStatus } from '../../../core/common/contract/index.ts';
import { rowsOutcome } from '../../../core/common/outcome/run-outcome.ts';
import { countOf } from '../../../core/common/outcome/words.ts';
import { progressFraction } from '../../../core/common/progress.ts';
import { useRunEventStore } from '../../api/api-context.tsx';
import { useCommand, useCommandMutation } from '../../api/queries.ts';
import { useRunLive } from '../../api/run-events.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { formatBytes, formatCount, formatDuration, formatEta } from '../../components/format.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { uiWording } from '../../components/ui-words.ts';
import { href } from '../../router.ts';
import { phaseTitle } from './phase-title.ts';
import { ResumeButton } from './resume-button.tsx';

/** While a run is running, re-read it now and then in case a pushed event was lost (reconnects). */
const SAFETY_POLL_MS = 2000;

/**
 * A run as it happens: live progress from `load.progress` events (bar, rows/s, loaded, rejected,
 * ETA, phase), Cancel with confirmation, and at the end the summary with a link to the error report.
 */
export function RunMonitor(props: { runId: string; showReportLink?: boolean; compact?: boolean }) {
  const store = useRunEventStore();
  const live = useRunLive(store, props.runId);
  const run = useCommand(
    'runs.get',
    { runId: props.runId },
    {
      refetchInterval: (q) => (q.state.data?.status === 'running' || !q.state.data ? SAFETY_POLL_MS : false),
      retry: 2,
    },
  );
  const [confirming, setConfirming] = useState(false);
  const cancel = useCommandMutation('loads.cancel', { invalidates: ['runs'] });

  const finished = live?.finished;
  const status: RunStatus = finished?.status ?? run.data?.status ?? 'running';
  const dryRun = finished?.dryRun ?? run.data?.dryRun ?? false;

  if (!live && run.isPending) return <Loading label="Starting…" testId="run-starting" />;
  if (!live && run.isError) return <ErrorBox title="Cannot read the run" error={run.error} />;

  if (status === 'running') {
    const p = live?.progress;
    const fraction = p ? progressFraction(p) : null;
    return (
      <div className="panel run-monitor" data-testid="run-progress" data-run-id={props.runId}>
        <div className="panel-head">
          <h3 className="panel-title" data-testid="progress-title">
            {phaseTitle(p?.phase, dryRun)}
          </h3>
          <StatusBadge status="running" dryRun={dryRun} />
        </div>
        <div
          className={`progress${fraction === null ? ' progress-indeterminate' : ''}`}
          role="progressbar"
          aria-label="Load progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
          data-testid="progress-bar"
        >
          <div
            className="progress-fill"
            style={{ transform: fraction === null ? undefined : `scaleX(${fraction})` }}
          />
        </div>
        {p?.notice ? (
          <p className="notice" data-testid="progress-notice">
            {p.notice}
          </p>
        ) : null}
        <dl className="stats" data-testid="progress-stats">
          <div>
            <dt>Phase</dt>
            <dd data-testid="progress-phase">{p?.phase ?? 'starting'}</dd>
          </div>
          <div>
            <dt>Read</dt>
            <dd data-testid="progress-read">
              {formatCount(p?.rowsRead ?? 0)}
              {p?.estimatedRows ? (
                <span className="muted" title="the source's estimate of its rows">
                  {' '}
                  of ≈ {formatCount(p.estimatedRows)}
                </span>
              ) : null}{' '}
              rows
              {p?.bytesRead != null ? (
                <span className="muted">
                  {' '}
                  · {formatBytes(p.bytesRead)}
                  {p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}
                </span>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Loaded</dt>
            <dd data-testid="progress-loaded">{formatCount(p?.loaded ?? 0)}</dd>
          </div>
          <div>
            <dt>Rejected</dt>
            <dd data-testid="progress-rejected" className={(p?.rejected ?? 0) > 0 ? 'text-bad' : undefined}>
              {formatCount(p?.rejected ?? 0)}
            </dd>
          </div>
          <div>
            <dt>Speed</dt>
            <dd>{formatCount(Math.round(p?.rowsPerSecond ?? 0))} rows/s</dd>
          </div>
          <div>
            <dt>Remaining</dt>
            <dd>{formatEta(p?.etaSeconds)}</dd>
          </div>
        </dl>
        <div className="step-actions">
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => setConfirming(true)}
            disabled={cancel.isPending || cancel.isSuccess}
            data-testid="cancel-load"
          >
            {cancel.isPending || cancel.isSuccess ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
        {cancel.isError ? <ErrorBox title="Cancel failed" error={cancel.error} /> : null}
        <ConfirmDialog
          open={confirming}
          title={dryRun ? 'Cancel the dry run?' : 'Cancel this load?'}
          confirmLabel={dryRun ? 'Cancel dry run' : 'Cancel load and roll back'}
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            cancel.mutate({ runId: props.runId });
          }}
          testId="cancel-dialog"
        >
          {dryRun
            ? 'The dry run stops; nothing was written to the table.'
            : 'The load stops and its transaction is rolled back: rows committed by earlier runs stay, rows of this run are not kept (unless it commits in batches).'}
        </ConfirmDialog>
      </div>
    );
  }

  const counts: RunCounts | undefined = finished?.counts ?? run.data?.counts;
  // One duration per run: the engine measures it once and the event and the store carry the same.
  const durationMs = finished?.durationMs ?? run.data?.durationMs ?? null;
  const error = finished?.error?.message ?? run.data?.error ?? null;
  const mode = run.data?.mode ?? null;
  const watermark = run.data?.watermark;
  return (
    <div
      className="panel run-summary"
      data-testid="run-summary"
      data-status={status}
      data-run-id={props.runId}
    >
      <div className="panel-head">
        <h3 className="panel-title">{endTitle(status, dryRun)}</h3>
        <StatusBadge status={status} dryRun={dryRun} />
      </div>
      {error ? (
        <p className={status === 'cancelled' ? 'text-warn' : 'text-bad'} role="alert" data-testid="run-error">
          {uiWording(error)}
        </p>
      ) : null}
      {counts ? <CountsTable counts={counts} dryRun={dryRun} mode={mode} /> : null}
      {counts ? <p data-testid="run-outcome">{rowsOutcome({ status, dryRun, counts })}</p> : null}
      {mode === 'incremental' && watermark ? (
        <p
          data-testid="run-watermark"
          data-before={watermark.before ?? ''}
          data-after={watermark.after ?? ''}
        >
          Watermark: {watermarkText(status, dryRun, watermark)}
        </p>
      ) : null}
      <p className="muted" data-testid="run-duration" data-ms={durationMs ?? ''}>
        Took {formatDuration(durationMs)}.
      </p>
      <ResumeButton runId={props.runId} status={status} dryRun={dryRun} mode={mode} />
      {props.showReportLink !== false ? (
        <a className="btn" href={href({ name: 'run', runId: props.runId })} data-testid="open-report">
          {counts && counts.rejected > 0
            ? `Open the error report (${countOf(counts.rejected, 'rejected row')})`
            : 'Open the run'}
        </a>
      ) : null}
    </div>
  );
}

/** The heading of a finished run: what happened, in the operator's words. */
function endTitle(status: RunStatus, dryRun: boolean): string {
  if (dryRun) return status === 'succeeded' ? 'Plan (dry run, nothing written)' : `Dry run ${status}`;
  switch (status) {
    case 'succeeded':
      return 'Load finished';
    case 'cancelled':
      return 'Load cancelled';
    case 'interrupted':
      return 'Load interrupted (the engine stopped while it ran)';
    default:
      return 'Load failed';
  }
}

/** The watermark an incremental run started above, and where it is now (or would be). */
function watermarkText(
  status: RunStatus,
  dryRun: boolean,
  w: { before: string | null; after: string | null },
): string {
  const from = w.before ?? 'none (every row was a candidate)';
  if (status === 'running') return `started above ${from}`;
  if (status !== 'succeeded') return `${from}, unchanged (the run did not commit)`;
  if (w.after === null || w.after === w.before) return `${from}, unchanged (no row above it)`;
  return `${from} → ${w.after}${dryRun ? ' (would be stored; a dry run stores nothing)' : ''}`;
}

/**
 * A run's counts; a dry run says "would". Skipped (incremental, below the watermark) and
 * superseded (a later row with the same key) show for the modes that have them, or when not zero.
 */
export function CountsTable(props: { counts: RunCounts; dryRun: boolean; mode?: string | null }) {
  const c = props.counts;
  const w = props.dryRun ? 'Would ' : '';
  const keyed = props.mode === 'upsert' || props.mode === 'incremental';
  const items: [string, string, number][] = [
    ['read', 'Read', c.read],
    ['inserted', `${w}${props.dryRun ? 'insert' : 'Inserted'}`, c.inserted],
    ['updated', `${w}${props.dryRun ? 'update' : 'Updated'}`, c.updated],
    ['unchanged', props.dryRun ? 'Would leave unchanged' : 'Unchanged', c.unchanged],
  ];
  if (props.mode === 'incremental' || c.skipped > 0)
    items.push([
      'skipped',
      props.dryRun ? 'Would skip (below the watermark)' : 'Skipped (below the watermark)',
      c.skipped,
    ]);
  if (keyed || c.superseded > 0)
    items.push(['superseded', 'Superseded by a later row with the same key', c.superseded]);
  items.push(['rejected', props.dryRun ? 'Would reject' : 'Rejected', c.rejected]);
  return (
    <dl className="stats" data-testid="run-counts">
      {items.map(([key, label, n]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd
            data-testid={`count-${key}`}
            data-value={n}
            className={key === 'rejected' && n > 0 ? 'text-bad' : undefined}
          >
            {formatCount(n)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

import { useId, useMemo, useState } from 'react';
import type { PreviewResultDto } from '../../../core/common/contract/index.ts';
import { countOf } from '../../../core/common/outcome/words.ts';
import { useCommand, useCommandMutation } from '../../api/queries.ts';
import { formatPercent } from '../../components/format.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { uiWording } from '../../components/ui-words.ts';
import { RunMonitor } from '../runs/run-monitor.tsx';
import { sourceWords } from './source-words.ts';
import { UpdateJobDialog } from './update-job-dialog.tsx';
import { usePreview } from './use-preview.ts';
import { pagesReadText, useSourceProgress } from './use-source-progress.ts';
import { useTargetCheck } from './use-target-check.ts';
import { useWizard } from './wizard-context.tsx';
import { buildSpec, hasUnsavedJobChanges } from './wizard-state.ts';

/** Step 5: what will happen, the dry run's plan, saving the job, and the Load button. */
export function PlanStep() {
  const { state, dispatch } = useWizard();
  const { query: preview } = usePreview(state);
  const spec = useMemo(() => buildSpec(state, { withTarget: true }), [state]);
  const specText = JSON.stringify(spec);
  const start = useCommandMutation('loads.start', { invalidates: ['runs'] });
  const t = state.target;
  const words = sourceWords(state);
  const dry = state.dryRun && state.dryRun.specText === specText ? state.dryRun : null;
  // Loading a job the operator opened and changed asks whether to update the saved job first.
  const unsaved = hasUnsavedJobChanges(state);
  const [askUpdate, setAskUpdate] = useState(false);
  const updateJob = useCommandMutation('jobs.save', { invalidates: ['jobs'] });
  // The same check as the Target step: nothing starts while it fails (or has not answered yet).
  const target = useTargetCheck(state, preview.data?.columns);
  const blocked = !spec || start.isPending || !target.passed;

  const cancelStart = useCommandMutation('loads.cancelStart');
  // Names the load until its run is recorded, so Cancel can reach it while its source is sampled.
  const [startId, setStartId] = useState<string | null>(null);
  // An HTTP API source's pages read while the sample is (the run's own progress follows).
  const startProgress = useSourceProgress(start.isPending ? startId : null);
  const run = (dryRun: boolean) => {
    if (!spec) return;
    const id = crypto.randomUUID();
    setStartId(id);
    start.mutate(
      { spec, dryRun, startId: id },
      {
        onSuccess: ({ runId }) =>
          dispatch(dryRun ? { type: 'dryRunStarted', runId, specText } : { type: 'loadStarted', runId }),
      },
    );
  };

  const columns = preview.data?.columns ?? [];
  return (
    <section className="step-body" aria-labelledby="plan-heading">
      <h2 id="plan-heading" className="section-title">
        Plan
      </h2>
      <div className="panel" data-testid="plan-summary">
        <p>
          Load <code data-testid="plan-source">{words.label}</code> into <code>{t.table}</code> on{' '}
          <strong>{t.connection}</strong> — mode <strong data-testid="plan-mode">{t.mode}</strong>
          {t.key.length > 0 && (t.mode === 'upsert' || t.mode === 'incremental') ? (
            <>
              , key <code>{t.key.join(', ')}</code>
            </>
          ) : null}
          {t.mode === 'incremental' && t.watermark ? (
            <>
              , watermark <code>{t.watermark}</code>
            </>
          ) : null}
          {t.mode === 'append' && t.truncate ? (
            <>
              , <strong data-testid="plan-truncate">emptying the table first</strong>
            </>
          ) : null}
          . Stop when more than {formatPercent(state.maxErrorRate)} of rows are rejected.
        </p>
        {target.check.data && target.check.data.ddl.length > 0 ? (
          <div data-testid="plan-ddl">
            <p className="hint">Before any row moves, the load runs:</p>
            <pre className="sql mono">{`${target.check.data.ddl.join(';\n')};`}</pre>
          </div>
        ) : null}
        {columns.length > 0 ? (
          <table className="table table-compact" data-testid="plan-columns">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Target column</th>
                <th scope="col">Type</th>
                <th scope="col">In sample: rejected</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c) => {
                // A column the table types (see the target check's `retyped`) loads as the table's type.
                const retyped = c.skip
                  ? undefined
                  : target.check.data?.retyped?.find((r) => r.column === c.name);
                return (
                  <tr key={c.source} className={c.skip ? 'row-muted' : undefined}>
                    <td className="mono">{c.source}</td>
                    <td className="mono">{c.skip ? '(skipped)' : c.name}</td>
                    <td data-testid={retyped ? 'plan-retyped' : undefined}>
                      {retyped ? `${retyped.to} (the table’s; the preview read ${retyped.from})` : c.type}
                      {c.declared || retyped ? '' : ' (inferred)'}
                    </td>
                    {retyped ? (
                      <td className="hint">counted by the dry run</td>
                    ) : (
                      <td className={c.nonFitting > 0 ? 'text-bad' : undefined}>{c.nonFitting}</td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </div>

      <div className="step-actions step-actions-left">
        <button
          type="button"
          className="btn"
          onClick={() => run(true)}
          disabled={blocked}
          data-testid="dry-run"
        >
          {dry ? 'Run the dry run again' : 'Dry run'}
        </button>
        <span className="hint">Reads {words.whole} and computes the plan without writing anything.</span>
      </div>
      {!target.passed ? (
        <div className="notice" data-testid="plan-blocked">
          {target.check.data?.ok === false || target.check.isError ? (
            <>
              The check of the target does not pass:{' '}
              {target.check.data?.problems.map(uiWording).join(' ') || 'see the Target step.'}{' '}
              <button
                type="button"
                className="link"
                onClick={() => dispatch({ type: 'step', step: 'target' })}
              >
                Back to Target
              </button>
            </>
          ) : (
            'Checking the target…'
          )}
        </div>
      ) : null}
      {start.isPending ? (
        // The run is recorded only once the source is open and its sample read (an API's first pages,
        // which can take a minute): until then it is followed here and cancelled by its start id.
        <div className="step-actions step-actions-left">
          <Loading
            label={`Starting the ${start.variables?.dryRun ? 'dry run' : 'load'}: opening the source and reading a sample of ${words.phrase} to settle the column types; progress shows once the run begins.${startProgress ? ` ${pagesReadText(startProgress)}.` : ''}`}
            testId="load-starting"
          />
          <button
            type="button"
            className="btn"
            disabled={startId === null || cancelStart.isPending}
            onClick={() => {
              if (startId !== null) cancelStart.mutate({ startId });
            }}
            data-testid="cancel-start"
          >
            Cancel
          </button>
        </div>
      ) : null}
      {start.isError && start.error.code === 'load_cancelled' ? (
        <p className="notice" data-testid="start-cancelled">
          Cancelled before the run began: nothing was written and no run was recorded.
        </p>
      ) : start.isError ? (
        <ErrorBox title="Could not start" error={start.error} testId="start-error" />
      ) : null}
      {cancelStart.isError ? (
        <ErrorBox title="Could not cancel" error={cancelStart.error} testId="cancel-start-error" />
      ) : null}
      {dry ? <RunMonitor runId={dry.runId} /> : null}
      {dry ? <WholeFileEstimate runId={dry.runId} preview={preview.data} whole={words.whole} /> : null}
      {state.dryRun && !dry ? (
        <p className="notice" data-testid="dry-run-stale">
          The settings changed since the last dry run; run it again to see the current plan.
        </p>
      ) : null}

      <SaveJob />

      <div className="step-actions">
        <button type="button" className="btn" onClick={() => dispatch({ type: 'step', step: 'target' })}>
          ← Target
        </button>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => (unsaved ? setAskUpdate(true) : run(false))}
          disabled={blocked}
          data-testid="start-load"
        >
          Load
        </button>
      </div>
      {unsaved ? (
        <p className="hint" data-testid="job-unsaved">
          Unsaved changes to job {state.openedJob}: Load will ask whether to update it.
        </p>
      ) : null}
      {updateJob.isError ? (
        <ErrorBox title="Could not update the job" error={updateJob.error} testId="job-update-error" />
      ) : null}
      <UpdateJobDialog
        open={askUpdate}
        job={state.openedJob ?? ''}
        busy={updateJob.isPending || start.isPending}
        onBack={() => setAskUpdate(false)}
        onLoadOnly={() => {
          setAskUpdate(false);
          run(false);
        }}
        onUpdate={() => {
          const name = state.openedJob;
          if (!spec || !name) return;
          updateJob.mutate(
            { name, spec: { ...spec, name } },
            {
              onSuccess: () => {
                dispatch({ type: 'jobSaved', name });
                setAskUpdate(false);
                run(false);
              },
            },
          );
        }}
      />
    </section>
  );
}

/**
 * Once the dry run is over: the rejected count over the whole source (a dry run reads all of it),
 * beside what the preview's sample said, so the plan does not rest on the sample alone.
 */
function WholeFileEstimate(props: { runId: string; preview: PreviewResultDto | undefined; whole: string }) {
  const run = useCommand('runs.get', { runId: props.runId });
  if (run.data?.status !== 'succeeded') return null;
  const c = run.data.counts;
  const sample = props.preview?.counts.sample;
  return (
    <p data-testid="whole-file-estimate" data-rejected={c.rejected} data-read={c.read}>
      {props.whole.charAt(0).toUpperCase() + props.whole.slice(1)} was read: a load would reject{' '}
      <strong>{countOf(c.rejected, 'row')}</strong> of {countOf(c.read, 'row')}
      {sample && !props.preview?.counts.wholeFile
        ? ` (the preview's sample of ${countOf(sample.rows, 'row')} had ${countOf(sample.rejected, 'rejected row')}).`
        : '.'}
    </p>
  );
}

/** Saves the wizard's spec as a named job (re-runnable from Jobs). */
export function SaveJob() {
  const { state, dispatch } = useWizard();
  const id = useId();
  const save = useCommandMutation('jobs.save', { invalidates: ['jobs'] });
  const name = state.jobName.trim();
  const spec = buildSpec(state, { withTarget: true });
  return (
    <div className="panel save-job">
      <div className="field-row">
        <div className="field grow">
          <label htmlFor={id}>Job name</label>
          <input
            id={id}
            className="input mono"
            value={state.jobName}
            placeholder="customers-daily"
            onChange={(e) => {
              save.reset();
              dispatch({ type: 'jobName', value: e.target.value });
            }}
            data-testid="job-name"
          />
        </div>
        <button
          type="button"
          className="btn"
          disabled={!name || !spec || save.isPending}
          onClick={() =>
            spec &&
            save.mutate(
              { name, spec: { ...spec, name } },
              { onSuccess: () => dispatch({ type: 'jobSaved', name }) },
            )
          }
          data-testid="job-save"
        >
          Save job
        </button>
      </div>
      {save.isSuccess ? (
        <p className="text-ok" role="status" data-testid="job-saved">
          ✓ Saved as “{save.variables?.name}”. Run it again from Jobs.
        </p>
      ) : null}
      {save.isError ? (
        <ErrorBox title="Could not save the job" error={save.error} testId="job-save-error" />
      ) : null}
    </div>
  );
}

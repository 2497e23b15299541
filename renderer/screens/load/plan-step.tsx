import { useId, useMemo, useState } from 'react';
import { useCommandMutation } from '../../api/queries.ts';
import { formatPercent } from '../../components/format.ts';
import { ErrorBox } from '../../components/states.tsx';
import { RunMonitor } from '../runs/run-monitor.tsx';
import { UpdateJobDialog } from './update-job-dialog.tsx';
import { usePreview } from './use-preview.ts';
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
  const dry = state.dryRun && state.dryRun.specText === specText ? state.dryRun : null;
  // Loading a job the operator opened and changed asks whether to update the saved job first.
  const unsaved = hasUnsavedJobChanges(state);
  const [askUpdate, setAskUpdate] = useState(false);
  const updateJob = useCommandMutation('jobs.save', { invalidates: ['jobs'] });

  const run = (dryRun: boolean) => {
    if (!spec) return;
    start.mutate(
      { spec, dryRun },
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
          Load <code>{state.file?.name}</code> into <code>{t.table}</code> on <strong>{t.connection}</strong>{' '}
          — mode <strong data-testid="plan-mode">{t.mode}</strong>
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
          . Stop when more than {formatPercent(state.maxErrorRate)} of rows are rejected.
        </p>
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
              {columns.map((c) => (
                <tr key={c.source} className={c.skip ? 'row-muted' : undefined}>
                  <td className="mono">{c.source}</td>
                  <td className="mono">{c.skip ? '(skipped)' : c.name}</td>
                  <td>
                    {c.type}
                    {c.declared ? '' : ' (inferred)'}
                  </td>
                  <td className={c.nonFitting > 0 ? 'text-bad' : undefined}>{c.nonFitting}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>

      <div className="step-actions step-actions-left">
        <button
          type="button"
          className="btn"
          onClick={() => run(true)}
          disabled={!spec || start.isPending}
          data-testid="dry-run"
        >
          {dry ? 'Run the dry run again' : 'Dry run'}
        </button>
        <span className="hint">Reads the whole file and computes the plan without writing anything.</span>
      </div>
      {start.isError ? <ErrorBox title="Could not start" error={start.error} testId="start-error" /> : null}
      {dry ? <RunMonitor runId={dry.runId} /> : null}
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
          disabled={!spec || start.isPending}
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

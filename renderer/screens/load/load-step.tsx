import { RunMonitor } from '../runs/run-monitor.tsx';
import { SaveJob } from './plan-step.tsx';
import { useWizard } from './wizard-context.tsx';

/** Step 6: the load as it runs, then its summary. */
export function LoadStep() {
  const { state, dispatch } = useWizard();
  if (!state.loadRunId) return null;
  return (
    <section className="step-body" aria-labelledby="load-heading">
      <h2 id="load-heading" className="section-title">
        Load into {state.target.table}
      </h2>
      <RunMonitor runId={state.loadRunId} />
      <SaveJob />
      <div className="step-actions">
        <button type="button" className="btn" onClick={() => dispatch({ type: 'step', step: 'plan' })}>
          ← Plan
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => dispatch({ type: 'reset' })}
          data-testid="new-load"
        >
          New load
        </button>
      </div>
    </section>
  );
}

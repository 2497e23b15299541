import { ColumnsStep } from './columns-step.tsx';
import { LoadStep } from './load-step.tsx';
import { PlanStep } from './plan-step.tsx';
import { SourceStep } from './source-step.tsx';
import { TargetStep } from './target-step.tsx';
import { useWizard } from './wizard-context.tsx';
import { hasSource, WIZARD_STEPS, type WizardState, type WizardStep } from './wizard-state.ts';

const LABELS: Record<WizardStep, string> = {
  source: 'Source',
  columns: 'Preview & columns',
  target: 'Target',
  plan: 'Plan',
  load: 'Load',
};

/** Which steps can be visited: a step needs the ones before it. */
function reachable(state: WizardState, step: WizardStep): boolean {
  switch (step) {
    case 'source':
      return true;
    case 'columns':
    case 'target':
      return hasSource(state) && !state.sourceEdits;
    case 'plan':
      return hasSource(state) && !state.sourceEdits && state.target.table.trim() !== '';
    case 'load':
      return state.loadRunId !== null;
  }
}

/** The New load screen: a stepper over the wizard's steps. */
export function LoadWizard() {
  const { state, dispatch } = useWizard();
  const current = WIZARD_STEPS.indexOf(state.step);
  return (
    <div className="screen screen-wizard" data-testid="screen-load">
      <header className="screen-head">
        <h1 className="screen-title">
          New load
          {state.openedJob ? (
            <span className="muted" data-testid="opened-job">
              {' '}
              · job {state.openedJob}
            </span>
          ) : null}
        </h1>
        {hasSource(state) ? (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => dispatch({ type: 'reset' })}
          >
            Start over
          </button>
        ) : null}
      </header>
      <nav aria-label="Load steps">
        <ol className="stepper">
          {WIZARD_STEPS.map((step, i) => {
            const can = reachable(state, step);
            return (
              <li key={step} className={i === current ? 'step-on' : i < current ? 'step-done' : undefined}>
                <button
                  type="button"
                  className="step-button"
                  disabled={!can}
                  title={
                    !can && state.sourceEdits && step !== 'load'
                      ? 'The source has changes: use "Preview rows" to read it as shown'
                      : undefined
                  }
                  aria-current={i === current ? 'step' : undefined}
                  onClick={() => dispatch({ type: 'step', step })}
                  data-testid={`step-${step}`}
                >
                  <span className="step-num" aria-hidden="true">
                    {i + 1}
                  </span>
                  {LABELS[step]}
                </button>
              </li>
            );
          })}
        </ol>
      </nav>
      {state.step === 'source' ? <SourceStep key={state.session} /> : null}
      {state.step === 'columns' ? <ColumnsStep /> : null}
      {state.step === 'target' ? <TargetStep /> : null}
      {state.step === 'plan' ? <PlanStep /> : null}
      {state.step === 'load' ? <LoadStep /> : null}
    </div>
  );
}

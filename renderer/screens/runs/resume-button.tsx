import type { RunStatus } from '../../../core/common/contract/index.ts';
import { useCommandMutation } from '../../api/queries.ts';
import { ErrorBox } from '../../components/states.tsx';
import { navigate } from '../../router.ts';

/** Runs that stopped before their end; a resume continues them from their last commit. */
const STOPPED: readonly RunStatus[] = ['interrupted', 'failed', 'cancelled'];

/**
 * Resume on a run that stopped: the engine continues it from its last commit as a new run (same
 * spec, same file; refused with the reason when the file changed) and the new run's page opens.
 * Not offered for a dry run or a replace (nothing of a replace is committed before its swap).
 */
export function ResumeButton(props: {
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  mode: string | null;
}) {
  const resume = useCommandMutation('loads.resume', {
    invalidates: ['runs'],
    onSuccess: (out) => navigate({ name: 'run', runId: out.runId }),
  });
  if (props.dryRun || props.mode === null || props.mode === 'replace' || !STOPPED.includes(props.status))
    return null;
  return (
    <div className="step-actions" data-testid="resume-panel">
      <button
        type="button"
        className="btn btn-primary"
        onClick={() => resume.mutate({ runId: props.runId })}
        disabled={resume.isPending || resume.isSuccess}
        data-testid="resume-load"
      >
        {resume.isPending ? 'Resuming…' : 'Resume from the last commit'}
      </button>
      {resume.isError ? <ErrorBox title="Cannot resume" error={resume.error} testId="resume-error" /> : null}
    </div>
  );
}

import type { RunStatus } from '../../core/common/contract/index.ts';

const LABELS: Record<RunStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

/** A run's status as a coloured label (the text carries the meaning; colour only helps). */
export function StatusBadge(props: { status: RunStatus; dryRun?: boolean }) {
  return (
    <span className={`badge badge-${props.status}`} data-testid="run-status" data-status={props.status}>
      {LABELS[props.status]}
      {props.dryRun ? ' · dry run' : ''}
    </span>
  );
}

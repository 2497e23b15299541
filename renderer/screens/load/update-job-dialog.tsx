import { useEffect, useRef } from 'react';

/**
 * Asked when the operator loads a job they opened and then changed (its file or settings): update the
 * saved job with the changes first, load without updating it, or go back. Escape goes back.
 */
export function UpdateJobDialog(props: {
  open: boolean;
  job: string;
  busy: boolean;
  onUpdate: () => void;
  onLoadOnly: () => void;
  onBack: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { open, onBack } = props;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const onCancel = (e: Event) => {
      e.preventDefault();
      onBack();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => dialog.removeEventListener('cancel', onCancel);
  }, [onBack]);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="update-job-title" data-testid="update-job-dialog">
      {open ? (
        <>
          <h2 id="update-job-title" className="dialog-title">
            Update job {props.job} before loading?
          </h2>
          <div className="dialog-body">
            <p>
              You changed the source or the settings since you opened job {props.job}. Update the saved job so
              that its next run (Jobs → Run now) does the same, or load this once without changing the job.
            </p>
          </div>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={props.onBack} data-testid="update-job-back">
              Back
            </button>
            <button
              type="button"
              className="btn"
              onClick={props.onLoadOnly}
              disabled={props.busy}
              data-testid="update-job-load-only"
            >
              Load without updating
            </button>
            <button
              type="button"
              className="btn btn-primary"
              onClick={props.onUpdate}
              disabled={props.busy}
              data-testid="update-job-save"
            >
              Update job and load
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}

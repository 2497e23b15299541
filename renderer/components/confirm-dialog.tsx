import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A modal confirmation built on <dialog>: focus moves into it, Escape closes it, and the safe
 * choice comes first, so showModal() gives it the initial focus.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { open, onCancel } = props;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const onClose = (e: Event) => {
      e.preventDefault();
      onCancel();
    };
    dialog.addEventListener('cancel', onClose);
    return () => dialog.removeEventListener('cancel', onClose);
  }, [onCancel]);

  const titleId = `${props.testId ?? 'confirm'}-title`;
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={props.testId ?? 'confirm-dialog'}
    >
      {open ? (
        <>
          <h2 id={titleId} className="dialog-title">
            {props.title}
          </h2>
          <div className="dialog-body">{props.children}</div>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={props.onCancel} data-testid="confirm-no">
              {props.cancelLabel ?? 'Keep going'}
            </button>
            <button
              type="button"
              className={props.danger ? 'btn btn-danger' : 'btn btn-primary'}
              onClick={props.onConfirm}
              disabled={props.busy}
              data-testid="confirm-yes"
            >
              {props.confirmLabel}
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}

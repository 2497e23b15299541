import type { ReactNode } from 'react';
import { CallError } from '../../core/common/contract/index.ts';
import { uiPath, uiWording } from './ui-words.ts';

/** A quiet "loading" line; announced to screen readers. */
export function Loading(props: { label?: string; testId?: string }) {
  return (
    <div
      className="state state-loading"
      role="status"
      aria-live="polite"
      data-testid={props.testId ?? 'loading'}
    >
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </div>
  );
}

/** What an empty list says, and what to do about it. */
export function Empty(props: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="state state-empty" data-testid={props.testId ?? 'empty'}>
      <p className="state-title">{props.title}</p>
      {props.children ? <div className="state-body">{props.children}</div> : null}
    </div>
  );
}

/** Splits an unknown failure into what the operator needs: message, stable code, and issue paths. */
export function describeError(error: unknown): {
  message: string;
  code: string | null;
  issues: { path: string; message: string }[];
} {
  if (error instanceof CallError) {
    return { message: error.message, code: error.code, issues: error.issues ?? [] };
  }
  if (error instanceof Error) return { message: error.message, code: null, issues: [] };
  return { message: String(error), code: null, issues: [] };
}

/**
 * A contract error as the operator sees it: the engine's message (in the UI's words: controls, not
 * spec fields), its code, and each issue by the control it is about. When the message only repeats
 * the issues (a validation error lists them all), it is not shown twice.
 */
export function ErrorBox(props: { error: unknown; title?: string; onRetry?: () => void; testId?: string }) {
  const described = describeError(props.error);
  const { code, issues } = described;
  const repeats = issues.length > 0 && issues.every((i) => described.message.includes(i.message));
  const message = repeats
    ? `${issues.length === 1 ? 'One value needs' : `${issues.length} values need`} fixing:`
    : uiWording(described.message);
  return (
    <div className="error-box" role="alert" data-testid={props.testId ?? 'error'}>
      <div className="error-head">
        <strong>{props.title ?? 'Something went wrong'}</strong>
        {code ? (
          <code className="error-code" data-testid="error-code">
            {code}
          </code>
        ) : null}
      </div>
      <p className="error-message" data-testid="error-message">
        {message}
      </p>
      {issues.length > 0 ? (
        <ul className="error-issues" data-testid="error-issues">
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <strong>{uiPath(i.path)}</strong> {uiWording(i.message)}
            </li>
          ))}
        </ul>
      ) : null}
      {props.onRetry ? (
        <button type="button" className="btn btn-small" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

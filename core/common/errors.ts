import type { ErrorCode } from './contract/error-codes.ts';

/**
 * Stable error codes that cross every boundary (CLI, HTTP host, Electron IPC), listed once in
 * `contract/error-codes.ts`. Callers branch on `code`, never on the message text.
 */
export type { ErrorCode } from './contract/error-codes.ts';

/** One issue found while validating an input, located by its path in that input. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** The one error class of Loadstone: a stable `code`, a human message, optional details. */
export class LoadstoneError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LoadstoneError';
    this.code = code;
    if (options?.details) this.details = options.details;
  }

  /** The shape that crosses process and transport boundaries: no stack, no cause. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/**
 * True when `error` is a LoadstoneError made by this module (`instanceof`). An error that crossed a
 * process or realm boundary is no longer one: it arrives as its `toJSON()` shape (a `ContractError`).
 */
export function isLoadstoneError(error: unknown): error is LoadstoneError {
  return error instanceof LoadstoneError;
}

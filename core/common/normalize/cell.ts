import type { ReasonCode } from '../types.ts';

/**
 * What a cell rule returns when it cannot read a value. Rules return either the
 * normalized value or a `Rejection`; allocation happens only on the error path.
 */
export class Rejection {
  constructor(
    readonly reason: ReasonCode,
    readonly message: string,
  ) {}
}

/** True when a rule's result is a rejection. */
export function isRejection(value: unknown): value is Rejection {
  return value instanceof Rejection;
}

/** A cell rule: raw text (already trimmed, never a null token) → value or rejection. */
export type CellRule<T> = (text: string) => T | Rejection;

import { z } from 'zod';

/** The one error shape that crosses a transport: stable code, human message, optional issues. */
export const contractErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ContractError = z.infer<typeof contractErrorSchema>;

/** A call's reply on any transport. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** Thrown on the UI side when a call fails; carries the contract error. */
export class CallError extends Error {
  readonly code: string;
  readonly issues: ContractError['issues'];
  constructor(readonly error: ContractError) {
    super(error.message);
    this.name = 'CallError';
    this.code = error.code;
    this.issues = error.issues;
  }
}

import { z } from 'zod';
import { CONTRACT_ERROR_CODES, type ContractErrorCode } from './error-codes.ts';

/** A boundary error code (see `error-codes.ts`): one of `CONTRACT_ERROR_CODES`. */
export const contractErrorCodeSchema = z.enum(CONTRACT_ERROR_CODES);

/** The one error shape that crosses a transport: stable code, human message, optional issues. */
export const contractErrorSchema = z.object({
  code: contractErrorCodeSchema,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ContractError = z.infer<typeof contractErrorSchema>;

/** A call's reply on any transport. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** Thrown on the UI side when a call fails; carries the contract error. */
export class CallError extends Error {
  readonly code: ContractErrorCode;
  readonly issues: ContractError['issues'];
  constructor(readonly error: ContractError) {
    super(error.message);
    this.name = 'CallError';
    this.code = error.code;
    this.issues = error.issues;
  }
}

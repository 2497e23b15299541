import type { z } from 'zod';
import { CODES, contractCode } from '../../common/contract/error-codes.ts';
import type { ContractError } from '../../common/contract/errors.ts';
import { isLoadstoneError, type ValidationIssue } from '../../common/errors.ts';
import { toValidationIssues } from '../../common/spec/job-spec.ts';
import type { Logger } from './logger.ts';
import { scrubSecrets } from './scrub.ts';

/** Turns zod issues of a command input into a structured `bad_request` / `spec_invalid` error. */
export function validationError(command: string, error: z.ZodError): ContractError {
  const issues = toValidationIssues(error).map((i) => ({ path: i.path, message: scrubSecrets(i.message) }));
  // A problem inside a job or source spec is the operator's spec, not a malformed request.
  const inSpec =
    command === 'sources.inspect' || issues.some((i) => i.path === 'spec' || i.path.startsWith('spec.'));
  const shown = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
  return {
    code: inSpec ? CODES.SPEC_INVALID : CODES.BAD_REQUEST,
    message: `Invalid input for ${command}: ${shown}${more}`,
    issues,
  };
}

/**
 * Maps anything a handler threw to the error that crosses the boundary.
 * LoadstoneErrors keep their stable code (lower-cased) and message; anything else becomes `internal`
 * with a generic message, and the original goes to the log only. Secrets are scrubbed either way.
 */
export function toContractError(error: unknown, command: string, log: Logger): ContractError {
  if (isLoadstoneError(error)) {
    const out: ContractError = { code: contractCode(error.code), message: scrubSecrets(error.message) };
    const details = error.details ? scrubDetails(error.details) : undefined;
    const issues = details?.issues;
    if (isIssueList(issues)) {
      out.issues = issues.map((i) => ({ path: i.path, message: i.message }));
      delete details!.issues;
    }
    if (details && Object.keys(details).length > 0) out.details = details;
    if (error.code === 'INTERNAL') log.error(`${command}: ${scrubSecrets(error.message)}`);
    return out;
  }
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack =
    error instanceof Error && error.stack ? `\n${error.stack.split('\n').slice(1, 8).join('\n')}` : '';
  log.error(`${command} failed unexpectedly: ${scrubSecrets(what)}${scrubSecrets(stack)}`);
  return {
    code: CODES.INTERNAL,
    message: `${command} failed unexpectedly; the details are in the engine log.`,
  };
}

function isIssueList(value: unknown): value is ValidationIssue[] {
  return (
    Array.isArray(value) &&
    value.every(
      (i) =>
        typeof i === 'object' && i !== null && typeof i.path === 'string' && typeof i.message === 'string',
    )
  );
}

const SECRET_KEY = /pass|pwd|secret|token|credential/i;

/** Copies error details as plain JSON with every string scrubbed and secret-named keys dropped; drops what JSON cannot carry. */
function scrubDetails(details: Record<string, unknown>): Record<string, unknown> {
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubSecrets(value);
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
    if (depth > 6) return undefined;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    if (typeof value === 'object' && !(value instanceof Error)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (SECRET_KEY.test(k)) continue;
        const w = walk(v, depth + 1);
        if (w !== undefined) out[k] = w;
      }
      return out;
    }
    return undefined;
  };
  return walk(details, 0) as Record<string, unknown>;
}

import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../errors.ts';
import {
  CODES,
  CONTRACT_ERROR_CODES,
  type ContractErrorCode,
  contractCode,
  ERROR_CODES,
  TRANSPORT_ERROR_CODES,
} from './error-codes.ts';
import { contractErrorSchema } from './errors.ts';
import { events } from './events.ts';

describe('boundary error codes', () => {
  it('are every engine and transport code once, lower-cased, and CODES names each', () => {
    expect(CONTRACT_ERROR_CODES).toEqual(
      [...ERROR_CODES, ...TRANSPORT_ERROR_CODES].map((code) => code.toLowerCase()),
    );
    expect(new Set(CONTRACT_ERROR_CODES).size).toBe(CONTRACT_ERROR_CODES.length);
    for (const name of [...ERROR_CODES, ...TRANSPORT_ERROR_CODES]) {
      expect(CODES[name]).toBe(name.toLowerCase());
      expect(contractCode(name)).toBe(CODES[name]);
    }
    expect(Object.keys(CODES)).toHaveLength(CONTRACT_ERROR_CODES.length);
    expect(Object.isFrozen(CODES)).toBe(true);
  });

  it('a ContractError carries one of them, nothing else (not the upper-case name)', () => {
    for (const code of CONTRACT_ERROR_CODES) {
      expect(contractErrorSchema.safeParse({ code, message: 'm' }).success).toBe(true);
    }
    for (const code of ['ENGINE_UNREACHABLE', 'HTTP_502', 'internal_error', '']) {
      expect(contractErrorSchema.safeParse({ code, message: 'm' }).success).toBe(false);
    }
    const finished = {
      runId: 'r',
      status: 'failed',
      dryRun: false,
      counts: { read: 0, inserted: 0, updated: 0, unchanged: 0, skipped: 0, superseded: 0, rejected: 0 },
      durationMs: 1,
    };
    expect(
      events['load.finished'].safeParse({ ...finished, error: { code: CODES.LOAD_FAILED, message: 'm' } })
        .success,
    ).toBe(true);
    expect(
      events['load.finished'].safeParse({ ...finished, error: { code: 'LOAD_FAILED', message: 'm' } })
        .success,
    ).toBe(false);
  });

  it("a LoadstoneError's code crosses as its contract code", () => {
    const error = new LoadstoneError('SOURCE_NOT_FOUND', 'x.csv: no such file');
    const crossed: ContractErrorCode = contractCode(error.toJSON().code);
    expect(crossed).toBe(CODES.SOURCE_NOT_FOUND);
    expect(crossed).toBe('source_not_found');
  });
});

import { describe, expect, it } from 'vitest';
import { CODES, CONTRACT_ERROR_CODES } from '../../common/contract/error-codes.ts';
import { statusForCode } from './http-util.ts';

describe('statusForCode', () => {
  it('gives every boundary code an HTTP error status', () => {
    for (const code of CONTRACT_ERROR_CODES) {
      const status = statusForCode(code);
      expect([code, status >= 400 && status < 600]).toEqual([code, true]);
    }
  });

  it('keeps the statuses the host answers with', () => {
    expect(statusForCode(CODES.BAD_REQUEST)).toBe(400);
    expect(statusForCode(CODES.SPEC_INVALID)).toBe(400);
    expect(statusForCode(CODES.UNAUTHORIZED)).toBe(401);
    expect(statusForCode(CODES.FORBIDDEN)).toBe(403);
    expect(statusForCode(CODES.UNKNOWN_COMMAND)).toBe(404);
    expect(statusForCode(CODES.SOURCE_NOT_FOUND)).toBe(404);
    expect(statusForCode(CODES.TOO_LARGE)).toBe(413);
    expect(statusForCode(CODES.SOURCE_UNREADABLE)).toBe(422);
    expect(statusForCode(CODES.TARGET_UNREACHABLE)).toBe(422);
    expect(statusForCode(CODES.INTERNAL)).toBe(500);
    expect(statusForCode(CODES.STORE_UNAVAILABLE)).toBe(503);
  });
});

import { describe, expect, it } from 'vitest';
import { isRejection } from './cell.ts';
import { parseUuid, uuidRule } from './uuid.ts';

const CANONICAL = '123e4567-e89b-12d3-a456-426614174000';

describe('uuid', () => {
  it('returns the canonical form as is', () => {
    expect(uuidRule(CANONICAL)).toBe(CANONICAL);
  });

  it('lower-cases, unwraps braces and inserts hyphens', () => {
    expect(uuidRule('123E4567-E89B-12D3-A456-426614174000')).toBe(CANONICAL);
    expect(uuidRule('{123e4567-e89b-12d3-a456-426614174000}')).toBe(CANONICAL);
    expect(uuidRule('123E4567E89B12D3A456426614174000')).toBe(CANONICAL);
    expect(uuidRule('{123e4567e89b12d3a456426614174000}')).toBe(CANONICAL);
  });

  it('rejects other shapes with invalid_uuid', () => {
    for (const text of [
      '123e4567-e89b-12d3-a456-42661417400',
      '123e4567-e89b-12d3-a456-4266141740000',
      '123e4567-e89b-12d3-a456_426614174000',
      '123e4567-e89b-12d3-a456-42661417400g',
      '123e4567e89b-12d3-a456-426614174000a',
      '{123e4567-e89b-12d3-a456-426614174000',
      'not-a-uuid',
    ]) {
      const result = uuidRule(text);
      expect(isRejection(result) && result.reason).toBe('invalid_uuid');
    }
    expect(parseUuid('')).toBeUndefined();
  });
});

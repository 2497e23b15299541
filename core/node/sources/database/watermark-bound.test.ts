import { describe, expect, it } from 'vitest';
import { naiveLowerBound, utcDateTime } from './watermark-bound.ts';

describe('watermark bounds for pushdown', () => {
  it('reads the target’s timestamp marks as UTC', () => {
    expect(utcDateTime('2024-01-01 00:00:03.5+00')).toBe('2024-01-01 00:00:03.5');
    expect(utcDateTime('2024-01-01T01:30:00+05:30')).toBe('2023-12-31 20:00:00');
    expect(utcDateTime('2024-01-01')).toBeUndefined();
    expect(utcDateTime('0050-03-01 00:00:00+00')).toBe('0050-03-01 00:00:00');
  });

  it('puts the naive bound 15 hours below a timestamp or date mark, or gives none', () => {
    expect(naiveLowerBound('2024-06-03 06:00:00+00')).toBe('2024-06-02 15:00:00');
    expect(naiveLowerBound('2024-06-03T06:00:00.999999Z')).toBe('2024-06-02 15:00:00');
    expect(naiveLowerBound('2024-06-03 06:00:00-10')).toBe('2024-06-03 01:00:00');
    expect(naiveLowerBound('2024-01-01')).toBe('2023-12-31 09:00:00');
    expect(naiveLowerBound('42')).toBeUndefined();
    expect(naiveLowerBound('0001-01-01 00:00:00+00')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { naiveLowerBound, pushableMark, utcDateTime } from './watermark-bound.ts';

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

describe('which marks are pushed down', () => {
  it('only where the column’s own type orders the way the mark does', () => {
    expect(pushableMark('integer', '9')).toBe('9');
    expect(pushableMark('integer', '-12345678901234567890123')).toBe('-12345678901234567890123');
    expect(pushableMark('integer', '9.5')).toBeUndefined();
    expect(pushableMark('decimal', '9.5')).toBe('9.5');
    expect(pushableMark('decimal', '9')).toBe('9');
    expect(pushableMark('decimal', '1e3')).toBeUndefined();
    expect(pushableMark('date', '2024-01-01')).toBe('2024-01-01');
    expect(pushableMark('date', '2024-01-01 00:00:00+00')).toBeUndefined();
    expect(pushableMark('timestamptz', '2024-01-01T01:30:00.5+05:30')).toBe('2023-12-31 20:00:00.5+00');
    expect(pushableMark('timestamptz', '2024-01-01')).toBeUndefined();
    expect(pushableMark('timestamp', '2024-06-03 06:00:00+00')).toBe('2024-06-02 15:00:00');
    // Text (a TEXT column of '1'..'20' inferred as integers: '10' < '9' as text) is never pushed down.
    expect(pushableMark('other', '9')).toBeUndefined();
    expect(pushableMark('other', '2024-01-01 00:00:00+00')).toBeUndefined();
  });
});

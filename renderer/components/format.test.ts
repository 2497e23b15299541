import { describe, expect, it } from 'vitest';
import {
  displayValue,
  formatBytes,
  formatCount,
  formatDuration,
  formatEta,
  formatPercent,
} from './format.ts';

describe('formatting', () => {
  it('counts with separators and a dash for unknown', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(null)).toBe('—');
  });

  it('durations at every scale', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_400)).toBe('12.4 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatEta(null)).toBe('—');
    expect(formatEta(0.2)).toBe('under 1 s');
  });

  it('bytes and percentages', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatPercent(0.05)).toBe('5 %');
    expect(formatPercent(0.125)).toBe('12.5 %');
  });

  it('makes null, empty and structured cell values visible, never blank', () => {
    expect(displayValue(null)).toEqual({ text: 'NULL', kind: 'null' });
    expect(displayValue('')).toEqual({ text: '(empty)', kind: 'empty' });
    expect(displayValue(undefined).kind).toBe('missing');
    expect(displayValue(false).text).toBe('false');
    expect(displayValue({ a: [1, '2'] }).text).toBe('{"a":[1,"2"]}');
  });
});

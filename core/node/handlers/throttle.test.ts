import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createThrottle } from './throttle.ts';

describe('createThrottle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits the first value at once, then at most one per interval, always the latest', () => {
    const seen: number[] = [];
    const t = createThrottle<number>(100, (v) => seen.push(v));
    t.push(1);
    expect(seen).toEqual([1]);
    for (let i = 2; i <= 50; i++) t.push(i);
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([1, 50]);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1, 50]);
  });

  it('holds 10 per second under a steady stream of 1,000 values per second', () => {
    const seen: number[] = [];
    const t = createThrottle<number>(100, (v) => seen.push(v));
    for (let ms = 0; ms < 1000; ms++) {
      t.push(ms);
      vi.advanceTimersByTime(1);
    }
    expect(seen.length).toBeLessThanOrEqual(11);
    expect(seen.length).toBeGreaterThanOrEqual(9);
  });

  it('flush delivers the pending value immediately; cancel drops it', () => {
    const seen: string[] = [];
    const t = createThrottle<string>(100, (v) => seen.push(v));
    t.push('a');
    t.push('b');
    t.flush();
    expect(seen).toEqual(['a', 'b']);
    t.push('c');
    t.cancel();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual(['a', 'b']);
  });
});

import { describe, expect, it } from 'vitest';
import { progressFraction } from './progress.ts';

const at = (p: Partial<Parameters<typeof progressFraction>[0]>) =>
  progressFraction({
    bytesRead: null,
    totalBytes: null,
    rowsRead: 0,
    estimatedRows: null,
    phase: 'loading',
    ...p,
  });

describe('progressFraction', () => {
  it("a file's bytes read against its size come first", () => {
    expect(at({ bytesRead: 250, totalBytes: 1000, rowsRead: 10, estimatedRows: 100 })).toBe(0.25);
    expect(at({ bytesRead: 2000, totalBytes: 1000 })).toBe(1);
  });

  it("else the rows read against the source's estimate, short of 1 until the load is done", () => {
    expect(at({ rowsRead: 300, estimatedRows: 1000 })).toBe(0.3);
    // An estimate below the rows there are (a table that grew since it was analyzed).
    expect(at({ rowsRead: 1500, estimatedRows: 1000 })).toBe(0.99);
    expect(at({ rowsRead: 1500, estimatedRows: 1000, phase: 'done' })).toBe(1);
  });

  it('nothing to go by: null (the bar runs without a fill)', () => {
    expect(at({ rowsRead: 300 })).toBeNull();
    expect(at({ rowsRead: 300, estimatedRows: 0 })).toBeNull();
    expect(at({ bytesRead: 300, totalBytes: 0 })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import { loadFailureCounts } from './failure-counts.ts';

describe('loadFailureCounts', () => {
  it('reads the counts a failed load attached, and nothing else', () => {
    const error = new LoadstoneError('LOAD_ABORTED_ERROR_RATE', 'too many', {
      details: { rowsRead: 100, rejected: 20, maxErrorRate: 0.05, committedRows: 0 },
    });
    expect(loadFailureCounts(error)).toEqual({ rowsRead: 100, rejected: 20, committedRows: 0 });
  });

  it('is null when the error carries no counts, or counts of the wrong kind', () => {
    expect(loadFailureCounts(new LoadstoneError('TARGET_UNREACHABLE', 'down'))).toBeNull();
    const odd = new LoadstoneError('LOAD_FAILED', 'x', {
      details: { rowsRead: '100', rejected: 1, committedRows: 0 },
    });
    expect(loadFailureCounts(odd)).toBeNull();
  });
});

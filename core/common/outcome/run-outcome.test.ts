import { describe, expect, it } from 'vitest';
import { type RunOutcomeInput, rowsOutcome } from './run-outcome.ts';
import { countOf } from './words.ts';

const zero = { read: 0, inserted: 0, updated: 0, unchanged: 0, skipped: 0, superseded: 0, rejected: 0 };
const run = (p: {
  status?: RunOutcomeInput['status'];
  dryRun?: boolean;
  counts?: Partial<RunOutcomeInput['counts']>;
}): RunOutcomeInput => ({
  status: p.status ?? 'succeeded',
  dryRun: p.dryRun ?? false,
  counts: { ...zero, ...p.counts },
});

describe('countOf', () => {
  it('singular for one, plural otherwise, with thousands separators', () => {
    expect(countOf(1, 'rejected row')).toBe('1 rejected row');
    expect(countOf(0, 'rejected row')).toBe('0 rejected rows');
    expect(countOf(1725, 'row')).toBe('1,725 rows');
    expect(countOf(2, 'key column', 'key columns')).toBe('2 key columns');
  });
});

describe('rowsOutcome never claims more than the counts say', () => {
  it('"Every row read was loaded" only for a committed load with nothing rejected, skipped or superseded', () => {
    expect(rowsOutcome(run({ counts: { read: 3, inserted: 3 } }))).toBe('Every row read was loaded.');
    expect(rowsOutcome(run({ dryRun: true, counts: { read: 3, inserted: 3 } }))).toBe(
      'Every row read would be loaded.',
    );
  });

  it('a failed dry run that read nothing says so', () => {
    expect(rowsOutcome(run({ status: 'failed', dryRun: true }))).toBe(
      'The dry run failed before any row was read; see the error above.',
    );
    expect(rowsOutcome(run({ status: 'cancelled', counts: { read: 1, rejected: 1 } }))).toBe(
      'The load was cancelled after reading 1 row (1 row was rejected); what it had not committed was rolled back.',
    );
  });

  it('skipped and superseded rows are named, with the right plural', () => {
    expect(rowsOutcome(run({ counts: { read: 10, inserted: 1, skipped: 8, superseded: 1 } }))).toBe(
      'Of 10 rows read, 1 was loaded; 8 rows were skipped (below the watermark); 1 row was superseded by a later row with the same key.',
    );
    expect(rowsOutcome(run({ counts: { read: 2, inserted: 1, rejected: 1 } }))).toBe(
      'Of 2 rows read, 1 was loaded; 1 row was rejected.',
    );
    expect(rowsOutcome(run({ counts: {} }))).toBe('The source had no rows to load.');
  });
});

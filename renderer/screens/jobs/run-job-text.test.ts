import { describe, expect, it } from 'vitest';
import { runJobEffect, runJobSourceNote } from './run-job-text.ts';

const job = {
  name: 'daily',
  sourceName: 'Ventes été.csv',
  uploaded: false,
  table: 'sales',
  mode: 'append' as const,
};

describe('the Run now confirmation', () => {
  it('says that an append adds the rows again, and what each other mode does', () => {
    expect(runJobEffect(job)).toBe(
      'Append adds every row of Ventes été.csv to sales again: rows that earlier runs of this job loaded will be in the table twice.',
    );
    expect(runJobEffect({ ...job, mode: null })).toContain('Append adds every row');
    expect(runJobEffect({ ...job, mode: 'replace' })).toContain('swaps the contents of sales');
    expect(runJobEffect({ ...job, mode: 'upsert' })).toContain('unchanged rows stay');
    expect(runJobEffect({ ...job, mode: 'incremental' })).toContain('above the watermark');
  });

  it('says when the job reads an uploaded copy', () => {
    expect(runJobSourceNote(job)).toBeNull();
    expect(runJobSourceNote({ ...job, uploaded: true })).toContain('copy of Ventes été.csv uploaded');
  });
});

import { describe, expect, it } from 'vitest';
import type { CellError } from '../types.ts';
import { RejectTally, rejectSummary, unreadableWarning } from './reject-tally.ts';

const bad = (column: string): CellError => ({ column, value: 'x', reason: 'invalid_number', message: 'no' });

describe('RejectTally', () => {
  it('counts rows, rejected rows, unreadable rows by reason and bad values by column', () => {
    const tally = new RejectTally();
    expect(tally.add(2, undefined, null)).toBe(false);
    expect(tally.add(3, undefined, [])).toBe(false);
    expect(tally.add(4, undefined, [bad('amount')])).toBe(true);
    // Two bad values: one rejected row, counted in both columns.
    expect(tally.add(5, undefined, [bad('amount'), bad('day')])).toBe(true);
    expect(tally.add(6, { reason: 'stray_quote', message: 'line 6: a quote' }, null)).toBe(true);
    expect(tally.add(7, { reason: 'too_few_fields', message: 'line 7: 2 fields' }, null)).toBe(true);
    expect(tally.add(9, { reason: 'stray_quote', message: 'line 9: a quote' }, null)).toBe(true);
    expect(tally.counts()).toEqual({
      rows: 7,
      rejected: 5,
      unreadable: 3,
      unreadableByReason: { stray_quote: 2, too_few_fields: 1 },
      columns: { amount: 2, day: 1 },
    });
    expect(tally.unreadableExamples()).toEqual([
      { line: 6, reason: 'stray_quote', message: 'line 6: a quote' },
      { line: 7, reason: 'too_few_fields', message: 'line 7: 2 fields' },
    ]);
  });

  it('gives a copy: counting on does not change counts already taken', () => {
    const tally = new RejectTally();
    tally.add(2, undefined, [bad('a')]);
    const before = tally.counts();
    tally.add(3, undefined, [bad('a')]);
    expect(before.columns).toEqual({ a: 1 });
    expect(tally.counts().columns).toEqual({ a: 2 });
  });
});

describe('sentences', () => {
  it('names unreadable rows by reason with the first example, or nothing when there are none', () => {
    const tally = new RejectTally();
    for (let line = 2; line < 10_002; line++) {
      if (line === 57 || line === 90)
        tally.add(
          line,
          { reason: 'stray_quote', message: `line ${line}: a quote (") inside unquoted field 2` },
          null,
        );
      else if (line === 400)
        tally.add(line, { reason: 'too_few_fields', message: 'line 400: 1 field, expected 3' }, null);
      else tally.add(line, undefined, null);
    }
    expect(unreadableWarning(tally.counts(), tally.unreadableExamples(), { sampled: true })).toBe(
      '3 of 10,000 sampled rows could not be read and would be rejected: 2 stray_quote, 1 too_few_fields (first: line 57: a quote (") inside unquoted field 2)',
    );
    const clean = new RejectTally();
    clean.add(2, undefined, null);
    expect(unreadableWarning(clean.counts(), [], { sampled: true })).toBeUndefined();
  });

  it('says what the badge counts and over what', () => {
    const counts = (rows: number, rejected: number) => ({
      rows,
      rejected,
      unreadable: 0,
      unreadableByReason: {},
      columns: {},
    });
    expect(rejectSummary(counts(10_000, 3), counts(200, 0), false)).toBe(
      '3 of 10,000 sampled rows would be rejected; 200 shown, none of them rejected',
    );
    expect(rejectSummary(counts(10_000, 47), counts(200, 2), false)).toBe(
      '47 of 10,000 sampled rows would be rejected; 200 shown, 2 of them rejected',
    );
    expect(rejectSummary(counts(13, 3), counts(13, 3), true)).toBe(
      '3 of 13 rows (the whole file) would be rejected',
    );
    expect(rejectSummary(counts(1, 0), counts(1, 0), true)).toBe(
      '0 of 1 row (the whole file) would be rejected',
    );
    expect(rejectSummary(counts(3, 1), counts(3, 1), true, 'sqlite')).toBe(
      '1 of 3 rows (the whole result) would be rejected',
    );
    expect(rejectSummary(counts(3, 0), counts(3, 0), true, 'http')).toBe(
      '0 of 3 rows (every record the API returned) would be rejected',
    );
    expect(rejectSummary(counts(500, 1), counts(200, 1), true)).toBe(
      '1 of 500 rows (the whole file) would be rejected; 200 shown, 1 of them rejected',
    );
  });
});

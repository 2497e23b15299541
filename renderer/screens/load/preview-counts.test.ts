import { describe, expect, it } from 'vitest';
import type {
  PreviewResultDto,
  PreviewRowDto,
  RejectCountsDto,
} from '../../../core/common/contract/index.ts';
import {
  badgeText,
  columnRejected,
  columnRejectedText,
  gridRows,
  oneLine,
  rejectedListed,
  rejectedListNote,
} from './preview-counts.ts';

const clean = (line: number): PreviewRowDto => ({ line, raw: {}, values: {}, errors: [] });
const bad = (line: number): PreviewRowDto => ({
  line,
  raw: {},
  values: {},
  errors: [{ column: 'amount', value: 'x', reason: 'invalid_number', message: "'x' is not a number" }],
});
const broken = (line: number): PreviewRowDto => ({
  line,
  raw: {},
  values: {},
  errors: [],
  problem: { reason: 'stray_quote', message: 'a quote', rawText: '1,"a"b' },
});

/** A result of 200 rows shown out of a 10,000-row sample. */
function result(shown: PreviewRowDto[], more: PreviewRowDto[], sampleRejected: number): PreviewResultDto {
  const shownRejected = shown.filter((r) => r.problem || r.errors.length > 0).length;
  const counts = (rows: number, rejected: number): RejectCountsDto => ({
    rows,
    rejected,
    unreadable: 0,
    unreadableByReason: {},
    columns: rejected > 0 ? { amount: rejected } : {},
  });
  return {
    format: { kind: 'csv', encoding: 'utf-8', compression: 'none', header: true },
    columns: [],
    rows: shown,
    rejectedRows: shownRejected,
    sampleSize: 10_000,
    counts: {
      sample: counts(10_000, sampleRejected),
      shown: counts(shown.length, shownRejected),
      wholeFile: false,
    },
    moreRejected: more,
    warnings: [],
  };
}

describe('the preview screen reads one count', () => {
  it('badge, filter and headers agree when every rejected row lies beyond the rows shown', () => {
    const shown = Array.from({ length: 200 }, (_, i) => clean(i + 2));
    const r = result(shown, [bad(300), broken(4000), bad(9000)], 3);
    expect(badgeText(r)).toBe('3 of 10,000 sampled rows would be rejected; 200 shown, none of them rejected');
    expect(rejectedListed(r)).toBe(3);
    expect(gridRows(r, true).map((row) => row.line)).toEqual([300, 4000, 9000]);
    expect(gridRows(r, false)).toBe(shown);
    expect(rejectedListNote(r)).toBeNull();
    expect(columnRejected(r, 'amount')).toBe(3);
    expect(columnRejected(r, 'day')).toBe(0);
    expect(columnRejectedText(r, 'amount')).toBe(
      '3 of 10,000 sampled rows have a value here that would be rejected',
    );
  });

  it('lists the rejected rows shown first, then the ones beyond', () => {
    const r = result([clean(2), bad(3), broken(4)], [bad(500)], 3);
    expect(gridRows(r, true).map((row) => row.line)).toEqual([3, 4, 500]);
    expect(rejectedListed(r)).toBe(3);
  });

  it('says when the filter cannot list every rejected sampled row', () => {
    const more = Array.from({ length: 1000 }, (_, i) => bad(300 + i));
    const r = result([clean(2)], more, 3000);
    expect(rejectedListNote(r)).toBe('Listing 1,000 of the 3,000 rejected rows among 10,000 sampled rows.');
  });

  it('shows a multi-line record on one line', () => {
    expect(oneLine('1,"a\r\nb"x\n2')).toBe('1,"a↵b"x↵2');
  });
});

import { describe, expect, it } from 'vitest';
import type { PreviewColumnDto, PreviewResultDto } from '../../../core/common/contract/index.ts';
import { columnMatches, headerChars } from './column-fit.ts';

function column(over: Partial<PreviewColumnDto>): PreviewColumnDto {
  return {
    index: 0,
    source: 'amount',
    name: 'amount',
    type: 'numeric',
    declared: false,
    skip: false,
    sampleSize: 10,
    nullCount: 0,
    nonFitting: 0,
    warnings: [],
    format: {
      nullTokens: [''],
      decimalSeparator: '.',
      percent: 'keep',
      dateOrder: 'MDY',
      timeZone: 'UTC',
      twoDigitYearPivot: 70,
    },
    ...over,
  };
}

function result(bad: Record<string, number>): PreviewResultDto {
  const counts = (rejected: number) => ({
    rows: 10,
    rejected,
    unreadable: 0,
    unreadableByReason: {},
    columns: bad,
  });
  return {
    format: { kind: 'csv', encoding: 'utf-8', compression: 'none', header: true },
    columns: [],
    rows: [],
    rejectedRows: 0,
    sampleSize: 10,
    counts: { sample: counts(1), shown: counts(1), wholeFile: true },
    moreRejected: [],
    warnings: [],
  } as PreviewResultDto;
}

describe('headerChars', () => {
  it('is the longer of the name line and the meta line', () => {
    expect(
      headerChars(result({}), column({ source: 'a_rather_long_name', name: 'a_rather_long_name' })),
    ).toBe(18);
    expect(headerChars(result({}), column({ source: 'x', name: 'x', type: 'timestamptz' }))).toBe(11);
  });

  it('makes room for the bad count and the source header of a renamed column (the cut "← Be…")', () => {
    const c = column({ source: 'Betrag (EUR) netto', name: 'betrag_eur_netto', declared: true });
    // numeric ✎ + " 1,234 bad" + " ← Betrag (EUR) netto"
    expect(headerChars(result({ betrag_eur_netto: 1234 }), c)).toBe(
      'numeric'.length + 2 + ' 1,234 bad'.length + 1 + ' ← Betrag (EUR) netto'.length + 1,
    );
  });
});

describe('columnMatches', () => {
  it('finds a column by its target name or its source header, ignoring case and blanks', () => {
    const c = column({ source: 'Betrag (EUR)', name: 'betrag_eur' });
    expect(columnMatches(c, '')).toBe(true);
    expect(columnMatches(c, '  EUR) ')).toBe(true);
    expect(columnMatches(c, 'betrag_')).toBe(true);
    expect(columnMatches(c, 'datum')).toBe(false);
  });
});

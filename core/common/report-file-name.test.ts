import { describe, expect, it } from 'vitest';
import { isFilteredReport, reportFileName } from './report-file-name.ts';

describe('reportFileName', () => {
  const id = 'r_20261207_101500_ab12';

  it('names every format by the run, as one rule for the download and the save dialog', () => {
    expect(reportFileName(id, 'csv')).toBe(`loadstone-run-${id}-rejected.csv`);
    expect(reportFileName(id, 'json')).toBe(`loadstone-run-${id}-rejected.json`);
    expect(reportFileName(id, 'ndjson')).toBe(`loadstone-run-${id}-rejected.ndjson`);
  });

  it('says when the file holds only the rows a filter selects', () => {
    expect(reportFileName(id, 'csv', { reason: 'invalid_number' })).toBe(
      `loadstone-run-${id}-rejected-filtered.csv`,
    );
    expect(reportFileName(id, 'json', { stage: 'parse' })).toBe(`loadstone-run-${id}-rejected-filtered.json`);
    expect(reportFileName(id, 'ndjson', { column: 'amount' })).toBe(
      `loadstone-run-${id}-rejected-filtered.ndjson`,
    );
    expect(reportFileName(id, 'csv', { text: 'Müller' })).toBe(`loadstone-run-${id}-rejected-filtered.csv`);
    // Filters that select every row are no filter.
    expect(reportFileName(id, 'csv', {})).toBe(`loadstone-run-${id}-rejected.csv`);
    expect(reportFileName(id, 'csv', { text: '' })).toBe(`loadstone-run-${id}-rejected.csv`);
  });

  it('names an export for fixing apart, with or without a byte-order mark', () => {
    expect(reportFileName(id, 'fixing')).toBe(`loadstone-run-${id}-for-fixing.csv`);
    expect(reportFileName(id, 'fixing-bom')).toBe(`loadstone-run-${id}-for-fixing.csv`);
  });

  it('keeps a header- and file-system-safe name whatever the id holds', () => {
    expect(reportFileName('../a"b c', 'csv')).toBe('loadstone-run-___a_b_c-rejected.csv');
    expect(reportFileName('', 'json')).toBe('loadstone-run-run-rejected.json');
  });
});

describe('isFilteredReport', () => {
  it('is true only when some filter narrows the rows', () => {
    expect(isFilteredReport(undefined)).toBe(false);
    expect(isFilteredReport({ text: '' })).toBe(false);
    expect(isFilteredReport({ reason: 'x' })).toBe(true);
  });
});

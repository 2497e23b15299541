import type { PreviewResultDto, PreviewRowDto } from '../../../core/common/contract/index.ts';
import { formatCount } from '../../../core/common/normalize/defaults.ts';
import { rejectSummary } from '../../../core/common/normalize/reject-tally.ts';

/**
 * What the preview screen says about rejected rows, all read from the result's one count
 * (`counts`), so the badge, the "Only rejected rows" filter, the column headers and the column
 * panel agree with each other and with the warnings.
 */

/** Whether a preview row would be rejected (a value that cannot be loaded, or a row that could not be read). */
export function isRejectedRow(row: PreviewRowDto): boolean {
  return row.problem !== undefined || row.errors.length > 0;
}

/** The badge: "3 of 10,000 sampled rows would be rejected; 200 shown, none of them rejected". */
export function badgeText(result: PreviewResultDto): string {
  return rejectSummary(
    result.counts.sample,
    result.counts.shown,
    result.counts.wholeFile,
    result.format.kind,
  );
}

/** The rows the grid lists: the first rows, or with the filter on every rejected row the result holds. */
export function gridRows(result: PreviewResultDto, onlyRejected: boolean): PreviewRowDto[] {
  if (!onlyRejected) return result.rows;
  return [...result.rows.filter(isRejectedRow), ...result.moreRejected];
}

/** How many rows "Only rejected rows" lists. */
export function rejectedListed(result: PreviewResultDto): number {
  return result.counts.shown.rejected + result.moreRejected.length;
}

/**
 * A note under the filtered grid when it cannot list every rejected sampled row (the result
 * carries at most 1,000 beyond the rows shown), else null.
 */
export function rejectedListNote(result: PreviewResultDto): string | null {
  const { sample, shown } = result.counts;
  const listed = rejectedListed(result);
  // Rows shown beyond the sample are listed too, so compare with what the sample and the rows shown hold.
  const known = Math.max(sample.rejected, shown.rejected);
  if (listed >= known) return null;
  return `Listing ${formatCount(listed)} of the ${formatCount(sample.rejected)} rejected rows among ${formatCount(sample.rows)} sampled rows.`;
}

/** A column's "N bad": sampled rows whose value in the column would be rejected. */
export function columnRejected(result: PreviewResultDto, name: string): number {
  return result.counts.sample.columns[name] ?? 0;
}

/** What a column's "N bad" counts, in words (its tooltip and the column panel). */
export function columnRejectedText(result: PreviewResultDto, name: string): string {
  const n = columnRejected(result, name);
  const rows = result.counts.sample.rows;
  const over = result.counts.wholeFile ? `${formatCount(rows)} rows` : `${formatCount(rows)} sampled rows`;
  return `${formatCount(n)} of ${over} ${n === 1 ? 'has a value' : 'have a value'} here that would be rejected`;
}

/** A raw record text for one line of the grid: line breaks made visible. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '↵');
}

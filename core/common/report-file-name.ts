import type { DOWNLOAD_FORMATS, ReportRowFilter } from './contract/commands.ts';

/** What a report file holds: an error report (`csv`, `json`, `ndjson`) or an export for fixing. */
export type ReportFileFormat = (typeof DOWNLOAD_FORMATS)[number];

/** Whether a filter narrows the rejected rows (each part absent or empty selects every row, as in `reports.page`). */
export function isFilteredReport(filter: ReportRowFilter | undefined): boolean {
  if (!filter) return false;
  return Boolean(filter.stage || filter.column || filter.reason || filter.text);
}

/**
 * The one name a report file is offered under, in the browser host's download and the desktop app's
 * save dialog alike: `loadstone-run-<runId>-rejected.<csv|json|ndjson>`, with `-filtered` before the
 * extension when the report's filters select only some rows, and `loadstone-run-<runId>-for-fixing.csv`
 * for an export for fixing (always every row; with or without a byte-order mark). A run id is made of
 * letters, digits and `_`; anything else becomes `_`, so the name is safe in a `Content-Disposition`
 * header and on every file system.
 */
export function reportFileName(runId: string, format: ReportFileFormat, filter?: ReportRowFilter): string {
  const id = runId.replace(/[^A-Za-z0-9_-]/g, '_') || 'run';
  if (format === 'fixing' || format === 'fixing-bom') return `loadstone-run-${id}-for-fixing.csv`;
  return `loadstone-run-${id}-rejected${isFilteredReport(filter) ? '-filtered' : ''}.${format}`;
}

import { exportLayout, FIXING_ERROR_COLUMN, unguardCell } from '../../common/export-format.ts';
import type { RawValue } from '../../common/types.ts';
import type { OpenedSource, SourceRow } from './types.ts';

/**
 * A delimited file Loadstone exported (an error report, or an export for fixing: recognised by its
 * trailing columns, see `exportLayout`) had a `'` put before every cell a spreadsheet could run as a
 * formula. Reading it back removes exactly those guards from the source columns and their headers,
 * so `=1+1` loads as `=1+1`, not `'=1+1`. Any other file is returned as it is: there a leading `'`
 * is data. (Loadstone's own trailing columns are left alone: their messages quote values.)
 */
export function unguardLoadstoneExport(source: OpenedSource): OpenedSource {
  if (!source.format.header) return source;
  const layout = exportLayout(source.columns);
  if (!layout) return source;
  const n = layout.sourceColumns;
  const unguard = (values: RawValue[]): RawValue[] => {
    for (let i = 0; i < n && i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'string' && v.charCodeAt(0) === 0x27) values[i] = unguardCell(v);
    }
    return values;
  };
  const reparse = source.reparse?.bind(source);
  return {
    format: source.format,
    columns: source.columns.map((c, i) => (i < n ? unguardCell(c) : c)),
    totalBytes: source.totalBytes,
    bytesRead: () => source.bytesRead(),
    async *rows(): AsyncIterable<SourceRow[]> {
      for await (const batch of source.rows()) {
        for (const row of batch) unguard(row.values);
        yield batch;
      }
    },
    close: () => source.close(),
    ...(reparse ? { reparse: (text: string) => unguard(reparse(text)) } : {}),
  };
}

/**
 * A reload's reader (`load --reload-of`): drops the trailing `loadstone_error` column an export for
 * fixing added, so the fixed file has exactly the source's columns again. Only a reload does this,
 * and only for the last column: anywhere else a column of that name is the operator's data and loads
 * like any other.
 */
export function dropFixingColumn(source: OpenedSource): OpenedSource {
  const n = source.columns.length;
  if (n < 2 || source.columns[n - 1] !== FIXING_ERROR_COLUMN) return source;
  const last = n - 1;
  const drop = (values: RawValue[]): RawValue[] => {
    if (values.length > last) values.splice(last, 1);
    return values;
  };
  const reparse = source.reparse?.bind(source);
  return {
    format: source.format,
    columns: source.columns.slice(0, last),
    totalBytes: source.totalBytes,
    bytesRead: () => source.bytesRead(),
    async *rows(): AsyncIterable<SourceRow[]> {
      for await (const batch of source.rows()) {
        for (const row of batch) drop(row.values);
        yield batch;
      }
    },
    close: () => source.close(),
    ...(reparse ? { reparse: (text: string) => drop(reparse(text)) } : {}),
  };
}

import { LoadstoneError } from '../../common/errors.ts';

/** The most columns a PostgreSQL table can have. */
export const MAX_TABLE_COLUMNS = 1600;

/**
 * Refuses a source with more columns to load than a PostgreSQL table can hold, before anything is
 * sampled or loaded (a load would otherwise fail at CREATE TABLE, after reading the file).
 * @param columns the source's column names
 * @param skipped source column names the job leaves out (`columns[].skip`)
 * @throws LoadstoneError SOURCE_FORMAT naming the count and the limit
 */
export function checkColumnCount(
  path: string,
  columns: readonly string[],
  skipped: ReadonlySet<string> = new Set(),
): void {
  let loaded = 0;
  for (const name of columns) if (!skipped.has(name)) loaded++;
  if (loaded <= MAX_TABLE_COLUMNS) return;
  const count = loaded.toLocaleString('en-US');
  const of =
    loaded === columns.length
      ? ''
      : ` (of ${columns.length.toLocaleString('en-US')}, after the skipped ones)`;
  throw new LoadstoneError(
    'SOURCE_FORMAT',
    `${path}: ${count} columns to load${of}, but a PostgreSQL table holds at most ${MAX_TABLE_COLUMNS.toLocaleString('en-US')}; skip columns in a job spec (columns[].skip) or split the file`,
    { details: { path, columns: loaded, limit: MAX_TABLE_COLUMNS } },
  );
}

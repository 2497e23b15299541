import type { LoadProgressDto } from './contract/shared-schemas.ts';

/**
 * How far a load is, 0 to 1, or null when nothing says: the bytes of a file read against its size,
 * else the rows read against the source's estimate of its rows (a database table read whole). An
 * estimate can be short of the rows there are: the fraction stops just below 1 until the load ends.
 */
export function progressFraction(
  p: Pick<LoadProgressDto, 'bytesRead' | 'totalBytes' | 'rowsRead' | 'estimatedRows' | 'phase'>,
): number | null {
  if (p.totalBytes && p.bytesRead !== null && p.totalBytes > 0)
    return Math.min(1, p.bytesRead / p.totalBytes);
  if (p.estimatedRows && p.estimatedRows > 0) {
    return p.phase === 'done' ? 1 : Math.min(0.99, p.rowsRead / p.estimatedRows);
  }
  return null;
}

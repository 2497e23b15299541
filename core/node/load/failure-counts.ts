import type { LoadstoneError } from '../../common/errors.ts';

/**
 * The counts a load that failed part-way attaches to its LoadstoneError's `details`
 * (LOAD_CANCELLED, LOAD_ABORTED_ERROR_RATE, TARGET_UNREACHABLE when the connection was lost), so
 * the run records how far it got. A type, not an interface: it is used as `details` as is.
 */
export type LoadFailureCounts = {
  /** Rows read from the source, rejected ones included. */
  readonly rowsRead: number;
  /** Rows rejected (parse, normalize and load stage). */
  readonly rejected: number;
  /** Rows committed before the failure (`commitEvery`); they stay in the target. */
  readonly committedRows: number;
};

/** The failure counts of `error`, or null when it carries none (failed before any row moved). */
export function loadFailureCounts(error: LoadstoneError): LoadFailureCounts | null {
  const d = error.details;
  if (
    d === undefined ||
    typeof d.rowsRead !== 'number' ||
    typeof d.rejected !== 'number' ||
    typeof d.committedRows !== 'number'
  ) {
    return null;
  }
  return { rowsRead: d.rowsRead, rejected: d.rejected, committedRows: d.committedRows };
}

import { LoadstoneError } from '../../common/errors.ts';

/** The fields of a server error we use (pg's DatabaseError). */
export interface PgError {
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly column?: string;
  readonly constraint?: string;
}

/** Whether `error` came from the server (it has a SQLSTATE). */
export function isPgError(error: unknown): error is PgError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as PgError).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as PgError).code!)
  );
}

/**
 * Whether the server refused the data of some row, so isolating rows makes sense: data exceptions
 * (22: out of range, too long, bad syntax…), integrity violations (23: not null, unique, foreign
 * key, check, exclusion), program limits (54: an index row too large), a trigger's RAISE (P0001).
 * Everything else (cancel, lock or serialization failure, lost connection, disk full) fails the load.
 */
export function isRowDataError(error: PgError): boolean {
  const code = error.code ?? '';
  return code.startsWith('22') || code.startsWith('23') || code === '54000' || code === 'P0001';
}

/** The server's message with its detail (`Key (id)=(5) already exists.`), as shown in reports. */
export function serverMessage(error: PgError): string {
  return error.detail ? `${error.message} (${error.detail})` : error.message;
}

/** Whether the connection itself is gone (the server restarted, the network dropped). */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code && (e.code.startsWith('08') || e.code === '57P01' || e.code === '57P02' || e.code === '57P03'))
    return true;
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ECONNREFUSED') return true;
  return /Connection terminated|Client has encountered a connection error|not queryable/i.test(
    e.message ?? '',
  );
}

/** Wraps an unexpected failure during a load as LOAD_FAILED, keeping the SQLSTATE. */
export function loadFailed(error: unknown, what: string): LoadstoneError {
  if (error instanceof LoadstoneError) return error;
  const message = isPgError(error)
    ? serverMessage(error)
    : error instanceof Error
      ? error.message
      : String(error);
  return new LoadstoneError('LOAD_FAILED', `${what}: ${message}`, {
    details: isPgError(error) ? { sqlstate: error.code } : {},
    cause: error,
  });
}

/**
 * The one vocabulary of error codes that cross a boundary (CLI, HTTP host, Electron IPC, events).
 * Each code is written once, here, by its upper-case name; on the wire it is the same name in lower
 * case (`SOURCE_NOT_FOUND` → `source_not_found`). Producers and consumers use `CODES.X` (or a value
 * typed `ContractErrorCode`), so a misspelt code or a `switch` missing a case fails to compile.
 */

/** Codes a `LoadstoneError` carries: what the engine could not do. Callers branch on them. */
export const ERROR_CODES = [
  'BAD_USAGE',
  'SPEC_INVALID',
  'SOURCE_NOT_FOUND',
  'SOURCE_UNREADABLE',
  'SOURCE_FORMAT',
  /**
   * A source cannot be reached: a database's refused connection or login or a connection cut
   * mid-read; an HTTP API unreachable, or still failing after its retries.
   */
  'SOURCE_UNREACHABLE',
  'TARGET_UNREACHABLE',
  'TARGET_INCOMPATIBLE',
  'LOAD_ABORTED_ERROR_RATE',
  'LOAD_CANCELLED',
  'LOAD_FAILED',
  'STORE_UNAVAILABLE',
  'STORE_MIGRATION',
  'SECRET_UNAVAILABLE',
  'NOT_FOUND',
  /** A file handle the engine did not grant (made up, or from before the engine restarted). */
  'FILE_NOT_GRANTED',
  /** A granted file the engine still may not touch: under the data folder, not a regular file. */
  'FORBIDDEN_PATH',
  /** An export would replace an existing file the operator did not confirm replacing. */
  'FILE_EXISTS',
  /** `load --resume`: the run cannot be resumed (still running, finished, a replace, a dry run…). */
  'RESUME_NOT_POSSIBLE',
  /** `load --resume`: the source file is not the one the interrupted run read (size, mtime, bytes). */
  'SOURCE_CHANGED',
  /** An alert channel's test message was not delivered (its answer is in the message). */
  'ALERT_DELIVERY_FAILED',
  /** A saved job is already running (in this or another process): two runs of one job never overlap. */
  'JOB_RUNNING',
  /** A network source refused the credentials (HTTP 401/403, an OAuth2 token request refused). */
  'SOURCE_AUTH',
  /** An HTTP API answered a request with an error the run cannot retry (a 4xx other than 401/403/408/429). */
  'SOURCE_HTTP',
  /** An HTTP API's pagination went round in a loop (a repeated cursor, URL or identical page). */
  'PAGINATION_LOOP',
  'INTERNAL',
] as const;

/** A code a `LoadstoneError` carries inside the engine. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes only a transport gives: the call never reached a handler (malformed, refused, unknown), or
 * its reply never came back as a reply (engine unreachable, a response that is not a contract reply).
 */
export const TRANSPORT_ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'TOO_LARGE',
  'ENGINE_UNREACHABLE',
  /** The engine's process stopped while answering (it is restarted); the call did not complete. */
  'ENGINE_CRASHED',
  'BAD_REPLY',
] as const;

/** A code only a transport gives. */
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

/** The name of any code that may cross a boundary. */
export type ErrorCodeName = ErrorCode | TransportErrorCode;

/** A code as it crosses a boundary (`ContractError.code`): the name in lower case. */
export type ContractErrorCode = Lowercase<ErrorCodeName>;

/** The wire spelling of a code. */
export function contractCode<C extends ErrorCodeName>(code: C): Lowercase<C> {
  return code.toLowerCase() as Lowercase<C>;
}

const NAMES: readonly ErrorCodeName[] = [...ERROR_CODES, ...TRANSPORT_ERROR_CODES];

/** Every code that may cross a boundary, as it does (lower case): the contract's `z.enum`. */
export const CONTRACT_ERROR_CODES = NAMES.map(contractCode) as readonly ContractErrorCode[] as readonly [
  ContractErrorCode,
  ...ContractErrorCode[],
];

/** Each boundary code by name: `CODES.SOURCE_NOT_FOUND === 'source_not_found'`. */
export const CODES: { readonly [K in ErrorCodeName]: Lowercase<K> } = Object.freeze(
  Object.fromEntries(NAMES.map((name) => [name, contractCode(name)])) as {
    [K in ErrorCodeName]: Lowercase<K>;
  },
);

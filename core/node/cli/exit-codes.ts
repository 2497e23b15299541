import type { ErrorCode } from '../../common/errors.ts';

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  aborted: 3,
  target: 4,
  busy: 5,
  cancelled: 130,
} as const;

/** A process exit code of the CLI. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, as the README's table says (a test holds the two together). */
export const EXIT_MEANINGS: { readonly [C in ExitCode]: string } = {
  0: 'success (a load: rejected rows within the threshold)',
  1: 'unexpected failure',
  2: 'bad usage or unreadable input (one-line reason on stderr)',
  3: 'load aborted by the error threshold (rolled back)',
  4: 'cannot connect (target or source), source refused the credentials, or target incompatible',
  5: 'the saved job is already running (nothing was done)',
  130: 'cancelled (Ctrl-C)',
};

/**
 * The exit code for a failure with this code: the one map every command uses. Every code is listed,
 * so a new one fails to compile here until it is given an exit code.
 */
export function exitCodeFor(code: ErrorCode): ExitCode {
  switch (code) {
    case 'BAD_USAGE':
    case 'SPEC_INVALID':
    case 'NOT_FOUND': // a run, job or saved connection named that does not exist
    case 'SOURCE_NOT_FOUND':
    case 'SOURCE_UNREADABLE':
    case 'SOURCE_FORMAT':
    // The CLI reads any path its user types; these come only from a transport's file grants.
    case 'FILE_NOT_GRANTED':
    case 'FORBIDDEN_PATH':
    case 'FILE_EXISTS':
    case 'RESUME_NOT_POSSIBLE':
    case 'SOURCE_CHANGED':
    case 'SOURCE_HTTP': // the request as configured is refused (404, 400…): fix the spec
      return EXIT.usage;
    case 'SOURCE_UNREACHABLE':
    case 'TARGET_UNREACHABLE':
    case 'TARGET_INCOMPATIBLE':
    case 'ALERT_DELIVERY_FAILED':
    case 'SOURCE_AUTH':
      return EXIT.target;
    case 'JOB_RUNNING':
      return EXIT.busy;
    case 'LOAD_ABORTED_ERROR_RATE':
      return EXIT.aborted;
    case 'LOAD_CANCELLED':
      return EXIT.cancelled;
    case 'LOAD_FAILED':
    case 'PAGINATION_LOOP':
    case 'STORE_UNAVAILABLE':
    case 'STORE_MIGRATION':
    case 'SECRET_UNAVAILABLE':
    case 'INTERNAL':
      return EXIT.failure;
    default:
      return unhandled(code);
  }
}

function unhandled(code: never): never {
  throw new Error(`no exit code for ${String(code)}`);
}

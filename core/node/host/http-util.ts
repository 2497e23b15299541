import type { IncomingMessage, ServerResponse } from 'node:http';
import { CODES, type ContractErrorCode } from '../../common/contract/error-codes.ts';
import type { ContractError, Reply } from '../../common/contract/errors.ts';
import { BODY_TIMEOUT_MS, bodyPending, collectBody } from './request-body.ts';
import { SECURITY_HEADERS } from './security.ts';

/** Largest JSON body a call may send; only the upload endpoint takes more. */
export const MAX_JSON_BODY = 1024 * 1024;

/** An HTTP-level failure with the contract error it answers with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: ContractError,
  ) {
    super(error.message);
    this.name = 'HttpError';
  }
}

/**
 * The HTTP status that fits a contract error code. Every code is listed: a new code fails to compile
 * here until it is given a status.
 */
export function statusForCode(code: ContractErrorCode): number {
  switch (code) {
    case CODES.BAD_REQUEST:
    case CODES.SPEC_INVALID:
    case CODES.BAD_USAGE:
      return 400;
    case CODES.UNAUTHORIZED:
      return 401;
    case CODES.FORBIDDEN:
    case CODES.FILE_NOT_GRANTED:
    case CODES.FORBIDDEN_PATH:
      return 403;
    case CODES.FILE_EXISTS:
    case CODES.RESUME_NOT_POSSIBLE:
    case CODES.SOURCE_CHANGED:
    case CODES.JOB_RUNNING:
      return 409;
    case CODES.UNKNOWN_COMMAND:
    case CODES.NOT_FOUND:
    case CODES.SOURCE_NOT_FOUND:
      return 404;
    case CODES.TOO_LARGE:
      return 413;
    case CODES.INTERNAL:
      return 500;
    case CODES.STORE_UNAVAILABLE:
    case CODES.SECRET_UNAVAILABLE:
      return 503;
    // The request was well-formed but the engine could not do it (unreadable file, unreachable server…).
    case CODES.SOURCE_UNREADABLE:
    case CODES.SOURCE_FORMAT:
    case CODES.SOURCE_UNREACHABLE:
    case CODES.TARGET_UNREACHABLE:
    case CODES.TARGET_INCOMPATIBLE:
    case CODES.LOAD_ABORTED_ERROR_RATE:
    case CODES.LOAD_CANCELLED:
    case CODES.LOAD_FAILED:
    case CODES.STORE_MIGRATION:
    case CODES.ALERT_DELIVERY_FAILED:
    case CODES.SOURCE_AUTH:
    case CODES.SOURCE_HTTP:
    case CODES.PAGINATION_LOOP:
      return 422;
    // Only the UI's side gives these (the host never reached, or it did not answer with a reply).
    case CODES.ENGINE_UNREACHABLE:
    case CODES.BAD_REPLY:
      return 502;
    // The engine's process died during the call; the host restarts it.
    case CODES.ENGINE_CRASHED:
      return 503;
    default:
      return unhandled(code);
  }
}

/** Makes a `switch` over a union fail to compile when a member has no case. */
function unhandled(value: never): never {
  throw new Error(`unhandled value ${String(value)}`);
}

/** Writes the security headers every response carries. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** Sends a JSON body with no caching. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Sends a reply with the status its error code calls for (200 when ok). */
export function sendReply(res: ServerResponse, reply: Reply<unknown>): void {
  sendJson(res, reply.ok ? 200 : statusForCode(reply.error.code), reply);
}

/**
 * Sends a failed reply. When the request's body is still unread (refused before reading it, or it
 * stopped arriving), the connection is closed after the answer instead of waiting for the rest.
 */
export function sendError(res: ServerResponse, status: number, error: ContractError): void {
  if (res.req && bodyPending(res.req)) res.setHeader('Connection', 'close');
  sendJson(res, status, { ok: false, error });
}

/**
 * Reads a JSON request body of at most `limit` bytes that arrives whole within `timeoutMs`. An
 * empty body reads as `undefined`.
 * @throws HttpError 413 when too large, 415 when not JSON, 400 when it does not parse;
 *   BodyTimeoutError / ClientGoneError (request-body.ts) when it stops arriving.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limit = MAX_JSON_BODY,
  timeoutMs = BODY_TIMEOUT_MS,
): Promise<unknown> {
  const type = req.headers['content-type'];
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const body = await collectBody(req, limit, timeoutMs, () => tooLarge(limit));
  if (body.length === 0) return undefined;
  // Requiring the JSON type also means a cross-site form or no-cors fetch cannot send a call.
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, {
      code: CODES.BAD_REQUEST,
      message: 'Send calls with Content-Type: application/json.',
    });
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, { code: CODES.BAD_REQUEST, message: 'The request body is not valid JSON.' });
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, {
    code: CODES.TOO_LARGE,
    message: `The request body is larger than ${Math.round(limit / 1024)} KiB; upload files with /api/upload.`,
  });
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CODES } from '../../common/contract/error-codes.ts';
import { CONTENT_SECURITY_POLICY as APP_CONTENT_SECURITY_POLICY } from '../../common/csp.ts';

/**
 * The Content-Security-Policy of every host response: the app's one policy (core/common/csp.ts, the
 * same as the page's meta tag and Electron's header): our own scripts and styles only, no inline
 * code, no framing, no plugins.
 */
export const CONTENT_SECURITY_POLICY = APP_CONTENT_SECURITY_POLICY;

/** Powerful features the page may not use (nor any frame in it), as Electron refuses every permission. */
export const PERMISSIONS_POLICY = [
  'camera',
  'microphone',
  'geolocation',
  'display-capture',
  'midi',
  'payment',
  'usb',
  'serial',
  'hid',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/** Headers sent on every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The UI needs no device, location or payment; a page that went wrong cannot even ask for them.
  'Permissions-Policy': PERMISSIONS_POLICY,
};

/** A fresh per-launch token: 32 random bytes, base64url. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented token with the expected one in constant time (hashing first equalises lengths). */
export function tokensMatch(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The bearer token of a request's Authorization header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Why a request is refused before routing, or null when it may proceed. */
export interface Refusal {
  status: 401 | 403;
  code: typeof CODES.UNAUTHORIZED | typeof CODES.FORBIDDEN;
  message: string;
}

/**
 * DNS-rebinding and cross-site checks: the Host header must name this loopback host and port, and an
 * Origin header, when present, must be our own origin. Applies to every request, static files included;
 * API requests (`api`) are also refused when the browser says they come from another site.
 */
export function checkHostAndOrigin(req: IncomingMessage, port: number, api: boolean): Refusal | null {
  const host = req.headers.host;
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return {
      status: 403,
      code: CODES.FORBIDDEN,
      message: 'Requests must address this host by 127.0.0.1 or localhost.',
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return { status: 403, code: CODES.FORBIDDEN, message: 'Cross-origin requests are not allowed.' };
  }
  // Browsers that send Fetch Metadata say outright when a request comes from another site. Static pages
  // stay reachable from a link (the operator may click the printed URL anywhere); the API does not.
  if (api && req.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, code: CODES.FORBIDDEN, message: 'Cross-site requests are not allowed.' };
  }
  return null;
}

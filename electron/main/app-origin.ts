import { CONTENT_SECURITY_POLICY } from '../../core/common/csp.ts';

/** The privileged scheme the packaged renderer is served from (never file://: see app-protocol.ts). */
export const APP_SCHEME = 'app';
/** Host part of the app's URLs: `app://loadstone/index.html`. */
export const APP_HOST = 'loadstone';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The production CSP: the app's one policy (core/common/csp.ts), the same as the page's meta tag and
 * the browser host's header.
 */
export { CONTENT_SECURITY_POLICY };

/**
 * In development the Vite dev server injects inline scripts (React Refresh) and talks over a WebSocket,
 * so its pages get a CSP that allows exactly that and nothing remote.
 */
export function devContentSecurityPolicy(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
    `img-src 'self' data:; connect-src 'self' ${ws}; object-src 'none'; frame-ancestors 'none'; base-uri 'none'`
  );
}

/**
 * Where the renderer comes from: the app scheme, or (unpackaged, with LOADSTONE_DEV_SERVER_URL set) the
 * Vite dev server on loopback. Anything else is refused so no remote content is ever loaded.
 */
export interface RendererSource {
  readonly url: string;
  /** True when `url` (a frame's or a navigation's) belongs to the app. */
  isAppUrl(url: string): boolean;
  /** The CSP for the app's pages. */
  readonly csp: string;
}

/** Picks the renderer source; throws when a dev server URL is given that is not on loopback. */
export function rendererSource(devServerUrl: string | undefined, packaged: boolean): RendererSource {
  if (devServerUrl && !packaged) {
    const dev = new URL(devServerUrl);
    if (dev.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(dev.hostname)) {
      throw new Error('LOADSTONE_DEV_SERVER_URL must be an http:// URL on 127.0.0.1 or localhost');
    }
    return {
      url: dev.href,
      isAppUrl: (url) => safeUrl(url)?.origin === dev.origin,
      csp: devContentSecurityPolicy(dev.origin),
    };
  }
  return {
    url: APP_URL,
    isAppUrl: (url) => {
      const u = safeUrl(url);
      // WHATWG URL gives custom schemes an opaque origin ('null'), so compare scheme and host.
      return u?.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
    },
    csp: CONTENT_SECURITY_POLICY,
  };
}

function safeUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

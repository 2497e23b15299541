/**
 * The app's Content-Security-Policy, one source for every place that states it: the page's own
 * `<meta>` tag (renderer/index.html), the browser host's response header and Electron's (app://
 * responses and every other response of its session). Both a meta and a header policy apply, so
 * they are kept identical; the header adds what only a header can carry (`frame-ancestors`).
 *
 * No `'unsafe-inline'` anywhere: the UI's own scripts and style sheets only. React's `style={…}`
 * props are set through the CSSOM (`element.style.x = …`), which `style-src` does not govern; an
 * inline `style="…"` attribute in HTML, a `<style>` element or `setAttribute('style', …)` would be
 * refused (the e2e suite fails on any CSP violation reported in the browser console).
 */

/** Directive → sources, in the order they are written. Valid in a `<meta>` tag. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'object-src': ["'none'"],
};

/** Directives a `<meta>` policy ignores, so only the response header carries them. */
export const CSP_HEADER_ONLY_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'frame-ancestors': ["'none'"],
};

const format = (directives: Readonly<Record<string, readonly string[]>>) =>
  Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');

/** The policy of renderer/index.html's `<meta http-equiv="Content-Security-Policy">`. */
export const META_CONTENT_SECURITY_POLICY = format(CSP_DIRECTIVES);

/** The policy every response of the app carries (browser host and Electron). */
export const CONTENT_SECURITY_POLICY = format({ ...CSP_DIRECTIVES, ...CSP_HEADER_ONLY_DIRECTIVES });

/** Parses a policy into directive → sources (for comparing policies written differently). */
export function parseCsp(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

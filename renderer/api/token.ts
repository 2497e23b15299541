const STORAGE_KEY = 'loadstone.token';

/** The parts of `window` the token logic touches, so it can be exercised without a browser. */
export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/**
 * Reads the per-launch access token of the browser host.
 * The host opens the page at `/#token=<token>`: the token moves to sessionStorage (so a reload keeps
 * working) and leaves the address bar at once, so it is not bookmarked, shared or left in history.
 */
export function takeToken(env: TokenEnv): string | null {
  const hash = env.location.hash.replace(/^#/, '');
  const params = new URLSearchParams(hash);
  const fromHash = params.get('token');
  if (fromHash) {
    env.sessionStorage.setItem(STORAGE_KEY, fromHash);
    params.delete('token');
    const rest = params.toString();
    env.history.replaceState(
      null,
      '',
      `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`,
    );
    return fromHash;
  }
  return env.sessionStorage.getItem(STORAGE_KEY);
}

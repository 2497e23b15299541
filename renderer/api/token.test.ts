import { describe, expect, it } from 'vitest';
import { type TokenEnv, takeToken } from './token.ts';

function env(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>();
  if (stored) storage.set('loadstone.token', stored);
  const replaced: string[] = [];
  const e: TokenEnv = {
    location: { hash, pathname: '/', search: '' },
    history: { replaceState: (_d, _u, url) => replaced.push(String(url)) },
    sessionStorage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  };
  return { e, storage, replaced };
}

describe('takeToken', () => {
  it('takes the token from the fragment, keeps it for reloads, and clears it from the address bar', () => {
    const { e, storage, replaced } = env('#token=abc-123_XYZ');
    expect(takeToken(e)).toBe('abc-123_XYZ');
    expect(storage.get('loadstone.token')).toBe('abc-123_XYZ');
    expect(replaced).toEqual(['/']);
  });

  it('keeps other fragment parameters', () => {
    const { e, replaced } = env('#token=t&x=1');
    expect(takeToken(e)).toBe('t');
    expect(replaced).toEqual(['/#x=1']);
  });

  it('falls back to the stored token after a reload, without touching history', () => {
    const { e, replaced } = env('#/runs', 'kept');
    expect(takeToken(e)).toBe('kept');
    expect(replaced).toEqual([]);
  });

  it('has no token when neither the fragment nor the session has one', () => {
    expect(takeToken(env('').e)).toBeNull();
  });
});

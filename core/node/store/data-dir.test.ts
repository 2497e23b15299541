import { describe, expect, it } from 'vitest';
import { resolveDataDir, storeFileIn } from './data-dir.ts';

describe('resolveDataDir', () => {
  const home = '/home/ann';
  it('prefers the flag, then LOADSTONE_HOME', () => {
    const env = { LOADSTONE_HOME: '/srv/loadstone', XDG_DATA_HOME: '/xdg' };
    expect(resolveDataDir({ dataDir: '/flag', env, home, platform: 'linux' })).toBe('/flag');
    expect(resolveDataDir({ dataDir: 'rel', env, home, platform: 'linux', cwd: '/work' })).toBe('/work/rel');
    expect(resolveDataDir({ env, home, platform: 'linux' })).toBe('/srv/loadstone');
    expect(resolveDataDir({ dataDir: '', env, home, platform: 'linux' })).toBe('/srv/loadstone');
  });

  it('uses each platform default', () => {
    expect(resolveDataDir({ env: {}, home, platform: 'linux' })).toBe('/home/ann/.local/share/loadstone');
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, home, platform: 'linux' })).toBe(
      '/xdg/loadstone',
    );
    // The XDG spec: a relative value is invalid and ignored.
    expect(resolveDataDir({ env: { XDG_DATA_HOME: 'rel' }, home, platform: 'linux' })).toBe(
      '/home/ann/.local/share/loadstone',
    );
    expect(resolveDataDir({ env: {}, home, platform: 'darwin' })).toBe(
      '/home/ann/Library/Application Support/Loadstone',
    );
    expect(
      resolveDataDir({
        env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' },
        home: 'C:\\Users\\ann',
        platform: 'win32',
      }),
    ).toBe('C:\\Users\\ann\\AppData\\Roaming\\Loadstone');
    expect(resolveDataDir({ env: {}, home: 'C:\\Users\\ann', platform: 'win32' })).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Loadstone',
    );
  });

  it('names the database file', () => {
    expect(storeFileIn('/d')).toBe('/d/loadstone.db');
  });
});

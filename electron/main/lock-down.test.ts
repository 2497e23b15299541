import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { rendererSource } from './app-origin.ts';
import { type LockableContents, lockDownContents, refuseDownloads } from './lock-down.ts';

// Plain event emitters stand in for Electron's WebContents and Session (the Electron binary cannot run
// here); the handlers under test are the app's own.

class Contents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
}

/** Emits `name` with a cancellable event; true when a handler cancelled it. */
function cancelled(target: EventEmitter, name: string, ...args: unknown[]): boolean {
  let prevented = false;
  target.emit(name, { preventDefault: () => (prevented = true) }, ...args);
  return prevented;
}

const app = rendererSource(undefined, true);

describe('every web contents is locked down', () => {
  const contents = new Contents();
  lockDownContents(contents satisfies LockableContents, app.isAppUrl);

  it('stays on the app: navigations and redirects elsewhere are cancelled', () => {
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'app://evil/index.html',
    ]) {
      expect(cancelled(contents, 'will-navigate', url), url).toBe(true);
      expect(cancelled(contents, 'will-redirect', url), url).toBe(true);
    }
    expect(cancelled(contents, 'will-navigate', 'app://loadstone/index.html')).toBe(false);
  });

  it('opens no window for any link, and attaches no <webview>', () => {
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'javascript:1', 'app://loadstone/x']) {
      expect(contents.openHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(cancelled(contents, 'will-attach-webview')).toBe(true);
  });
});

describe('the session', () => {
  it('downloads nothing (exports go through the save dialog and the engine)', () => {
    const session = new EventEmitter();
    refuseDownloads(session);
    expect(cancelled(session, 'will-download')).toBe(true);
  });
});

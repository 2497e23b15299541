// What every web contents and the session refuse, written against the few members of Electron's
// WebContents and Session it uses, so a test can drive it with a plain event emitter.

/** An Electron event that can be cancelled. */
interface Cancellable {
  preventDefault(): void;
}

/** The members of Electron's `WebContents` the lock-down uses. */
export interface LockableContents {
  on(event: 'will-navigate', listener: (event: Cancellable, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: Cancellable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Cancellable) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** The member of Electron's `Session` the lock-down uses. */
export interface LockableSession {
  on(event: 'will-download', listener: (event: Cancellable) => void): unknown;
}

/**
 * A web contents may not leave the app (`will-navigate` / `will-redirect` to anything but an app URL;
 * in-app hash routes do not fire them), attach a `<webview>`, or open a window: the app has no link
 * to open, so every `window.open`, `target=_blank` and middle-click is denied, whatever the URL.
 */
export function lockDownContents(contents: LockableContents, isAppUrl: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * The session downloads nothing: exports go through the native save dialog and the engine, so a
 * download could only be a page that went wrong offering the operator a file of its own making.
 */
export function refuseDownloads(session: LockableSession): void {
  session.on('will-download', (event) => event.preventDefault());
}

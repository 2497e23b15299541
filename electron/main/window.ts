import { app, BrowserWindow, session, type WebContents } from 'electron';
import type { RendererSource } from './app-origin.ts';

/**
 * App-wide hardening, before any window exists: every web contents (including any created later) may
 * not navigate away, open windows, attach <webview>s or get permissions; every response carries the CSP.
 */
export function hardenSessions(source: RendererSource): void {
  const ses = session.defaultSession;
  // Nothing in Loadstone needs camera, geolocation, notifications from the page, etc.
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [source.csp],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents, source));
}

function lockDown(contents: WebContents, source: RendererSource): void {
  contents.on('will-navigate', (event, url) => {
    // In-app navigation (hash routes) does not fire will-navigate; anything that does is leaving the app.
    if (!source.isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!source.isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No pop-ups, no second windows, no links opened elsewhere: the app has nothing to open.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Creates the one app window with the locked-down web preferences and loads the renderer. */
export function createMainWindow(source: RendererSource, preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Loadstone',
    webPreferences: {
      preload,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would open links in a new window; window.open is denied anyway, this removes the path.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(source.url);
  return win;
}

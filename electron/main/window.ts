import { app, BrowserWindow, session } from 'electron';
import type { RendererSource } from './app-origin.ts';
import { lockDownContents, refuseDownloads } from './lock-down.ts';

/**
 * App-wide hardening, before any window exists: every web contents (including any created later) may
 * not navigate away, open windows, attach <webview>s or get permissions (see lock-down.ts); nothing is
 * downloaded; every response carries the CSP.
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
  refuseDownloads(ses);
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, source.isAppUrl));
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

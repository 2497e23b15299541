// Composition root of Electron's main process: windows, dialogs, notifications, and the IPC relay to
// the engine's utility process. No engine logic lives here (see core/node/handlers).
import { join } from 'node:path';
import { app, type BrowserWindow, dialog } from 'electron';
import { IPC_CHANNELS } from '../../core/common/contract/electron-ipc.ts';
import { type EventName, events } from '../../core/common/contract/events.ts';
import { rendererSource } from './app-origin.ts';
import { registerAppScheme, serveRenderer } from './app-protocol.ts';
import { EngineProcess } from './engine-process.ts';
import { registerIpc } from './ipc.ts';
import { createKeyService } from './key-service.ts';
import { notifyAlert, notifyLoadFinished } from './notifications.ts';
import { createMainWindow, hardenSessions } from './window.ts';

// Bundled to CommonJS as dist/electron/main.cjs: `__dirname` is dist/electron, beside preload.cjs and
// engine.mjs, with the renderer build in dist/renderer.
const here = __dirname;

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  boot();
}

function boot(): void {
  const source = rendererSource(process.env.LOADSTONE_DEV_SERVER_URL, app.isPackaged);
  let win: BrowserWindow | null = null;
  let engine: EngineProcess | null = null;
  let quitting = false;

  const openWindow = () => {
    win = createMainWindow(source, join(here, 'preload.cjs'));
    win.on('closed', () => {
      win = null;
    });
  };

  const onEvent = (name: EventName, payload: unknown) => {
    win?.webContents.send(IPC_CHANNELS.event, name, payload);
    if (name === 'load.finished') {
      const finished = events['load.finished'].safeParse(payload);
      if (finished.success) notifyLoadFinished(finished.data);
    }
    if (name === 'alert.desktop') {
      const alert = events['alert.desktop'].safeParse(payload);
      if (alert.success) {
        notifyAlert(alert.data, (link) => {
          if (!win) return;
          if (win.isMinimized()) win.restore();
          win.focus();
          // Only the app's own route (`#/runs/<id>`): the hash is set in the page, nothing is loaded.
          if (/^#\/runs\/[A-Za-z0-9_%-]+$/.test(link)) {
            void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(link)}`);
          }
        });
      }
    }
  };

  const onFatal = (message: string) => {
    dialog.showErrorBox('Loadstone cannot continue', message);
    quitting = true;
    app.quit();
  };

  app.on('second-instance', () => {
    if (!win) return openWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (!win && app.isReady()) openWindow();
  });

  // Let the engine cancel running loads (they roll back) and close the store before the app exits.
  app.on('before-quit', (event) => {
    if (quitting || !engine) return;
    event.preventDefault();
    quitting = true;
    void engine.stop().finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    hardenSessions(source);
    serveRenderer(join(here, '..', 'renderer'));
    engine = new EngineProcess({
      entry: join(here, 'engine.mjs'),
      version: app.getVersion(),
      keyService: createKeyService(),
      onEvent,
      onFatal,
    });
    engine.start();
    const running = engine;
    registerIpc(() => win, source, {
      call: (name, input) => running.call(name, input),
      grant: (request) => running.grant(request),
    });
    openWindow();
  });
}

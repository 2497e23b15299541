import { existsSync } from 'node:fs';
import { type BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain } from 'electron';
import { commands } from '../../core/common/contract/commands.ts';
import { IPC_CHANNELS } from '../../core/common/contract/electron-ipc.ts';
import type { GrantReply, GrantRequest } from '../../core/common/contract/engine-protocol.ts';
import { CODES } from '../../core/common/contract/error-codes.ts';
import type { Reply } from '../../core/common/contract/errors.ts';
import type { RendererSource } from './app-origin.ts';
import {
  droppedFileGrant,
  openDialogGrant,
  saveDialogDefaultName,
  saveDialogGrant,
} from './grant-requests.ts';
import { isTrustedFrame } from './trusted-sender.ts';

/** Where calls that are not answered in main go (the engine process). */
export interface Relay {
  call(name: string, input: unknown): Promise<Reply<unknown>>;
  /** Asks the engine to grant a file the operator picked; the engine checks it (data folder…). */
  grant(request: GrantRequest): Promise<GrantReply>;
}

/**
 * Registers the two IPC handlers. Each call must come from the app window's own main frame showing an
 * app URL (not a sub-frame, not a page it navigated to). `loadstone:call` names a contract command:
 * native dialogs are answered here (they need a window) and what the operator chose becomes a grant
 * in the engine, so the renderer only ever holds a handle; everything else is relayed to the engine,
 * which validates input and output against the contract. `loadstone:grant-file` is the preload's
 * request for a file dropped on or picked in the page.
 */
export function registerIpc(
  getWindow: () => BrowserWindow | null,
  source: RendererSource,
  relay: Relay,
): void {
  const refuse: Reply<never> = {
    ok: false,
    error: { code: CODES.FORBIDDEN, message: 'This frame may not call the engine.' },
  };
  ipcMain.handle(IPC_CHANNELS.call, async (event, name: unknown, input: unknown): Promise<Reply<unknown>> => {
    const win = getWindow();
    if (!win || !isTrustedSender(event, win, source)) return refuse;
    if (typeof name !== 'string' || !Object.hasOwn(commands, name)) {
      return { ok: false, error: { code: CODES.UNKNOWN_COMMAND, message: 'There is no such command.' } };
    }
    if (name === 'dialogs.openFile' || name === 'dialogs.saveFile')
      return answerDialog(win, name, input, relay);
    return relay.call(name, input);
  });
  ipcMain.handle(IPC_CHANNELS.grantFile, async (event, path: unknown): Promise<GrantReply> => {
    const win = getWindow();
    if (!win || !isTrustedSender(event, win, source)) return refuse;
    const request = droppedFileGrant(path);
    if (!request) {
      return {
        ok: false,
        error: {
          code: CODES.BAD_REQUEST,
          message: 'This file is not on this computer; use Browse… instead.',
        },
      };
    }
    return relay.grant(request);
  });
}

function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow, source: RendererSource): boolean {
  const frame = event.senderFrame;
  return isTrustedFrame(
    frame && {
      processId: frame.processId,
      routingId: frame.routingId,
      url: frame.url,
      isTop: frame.parent === null,
    },
    event.sender === win.webContents,
    win.webContents.mainFrame,
    source.isAppUrl,
  );
}

async function answerDialog(
  win: BrowserWindow,
  name: 'dialogs.openFile' | 'dialogs.saveFile',
  input: unknown,
  relay: Relay,
): Promise<Reply<unknown>> {
  if (name === 'dialogs.openFile') {
    const parsed = commands[name].input.safeParse(input ?? {});
    if (!parsed.success) return badRequest(name);
    const result = await dialog.showOpenDialog(win, {
      title: parsed.data.title ?? 'Choose a file to load',
      properties: ['openFile'],
      filters: [
        { name: 'Data files', extensions: ['csv', 'tsv', 'txt', 'json', 'ndjson', 'jsonl', 'xlsx', 'gz'] },
        // Any file whose header says SQLite is read as one; these are the usual names.
        { name: 'SQLite databases', extensions: ['sqlite', 'sqlite3', 'db', 'db3'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return granted(relay, openDialogGrant(result));
  }
  const parsed = commands[name].input.safeParse(input);
  if (!parsed.success) return badRequest(name);
  const result = await dialog.showSaveDialog(win, {
    title: parsed.data.title ?? 'Save as',
    defaultPath: saveDialogDefaultName(parsed.data.defaultName),
    // The dialog asks before a file is replaced; only then may the export replace it.
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  return granted(relay, saveDialogGrant(result, existsSync));
}

/** `{ file }`: the engine's grant for the chosen file, null when the dialog was cancelled. */
async function granted(relay: Relay, request: GrantRequest | null): Promise<Reply<unknown>> {
  if (!request) return { ok: true, value: { file: null } };
  const reply = await relay.grant(request);
  return reply.ok ? { ok: true, value: { file: reply.value } } : reply;
}

function badRequest(name: string): Reply<unknown> {
  return { ok: false, error: { code: CODES.BAD_REQUEST, message: `Invalid input for ${name}.` } };
}

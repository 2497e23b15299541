import { type BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain } from 'electron';
import { commands } from '../../core/common/contract/commands.ts';
import { IPC_CHANNELS } from '../../core/common/contract/electron-ipc.ts';
import { CODES } from '../../core/common/contract/error-codes.ts';
import type { Reply } from '../../core/common/contract/errors.ts';
import type { RendererSource } from './app-origin.ts';

/** Where calls that are not answered in main go (the engine process). */
export type Relay = (name: string, input: unknown) => Promise<Reply<unknown>>;

/**
 * Registers the one IPC handler (`loadstone:call`). Each call must come from the app window's own main
 * frame showing an app URL (not a sub-frame, not a page it navigated to), and name a contract command.
 * Native dialogs are answered here (they need a window); everything else is relayed to the engine,
 * which validates input and output against the contract.
 */
export function registerIpc(
  getWindow: () => BrowserWindow | null,
  source: RendererSource,
  relay: Relay,
): void {
  ipcMain.handle(IPC_CHANNELS.call, async (event, name: unknown, input: unknown): Promise<Reply<unknown>> => {
    const win = getWindow();
    if (!win || !isTrustedSender(event, win, source)) {
      return { ok: false, error: { code: CODES.FORBIDDEN, message: 'This frame may not call the engine.' } };
    }
    if (typeof name !== 'string' || !Object.hasOwn(commands, name)) {
      return { ok: false, error: { code: CODES.UNKNOWN_COMMAND, message: 'There is no such command.' } };
    }
    if (name === 'dialogs.openFile' || name === 'dialogs.saveFile') return answerDialog(win, name, input);
    return relay(name, input);
  });
}

function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow, source: RendererSource): boolean {
  const frame = event.senderFrame;
  const main = win.webContents.mainFrame;
  // Compared by ids, not object identity: the frame objects are wrappers Electron may create anew.
  return (
    frame !== null &&
    event.sender === win.webContents &&
    frame.parent === null &&
    frame.processId === main.processId &&
    frame.routingId === main.routingId &&
    source.isAppUrl(frame.url)
  );
}

async function answerDialog(
  win: BrowserWindow,
  name: 'dialogs.openFile' | 'dialogs.saveFile',
  input: unknown,
): Promise<Reply<unknown>> {
  if (name === 'dialogs.openFile') {
    const parsed = commands[name].input.safeParse(input ?? {});
    if (!parsed.success) return badRequest(name);
    const result = await dialog.showOpenDialog(win, {
      title: parsed.data.title ?? 'Choose a file to load',
      properties: ['openFile'],
      filters: [
        { name: 'Data files', extensions: ['csv', 'tsv', 'txt', 'json', 'ndjson', 'jsonl', 'xlsx', 'gz'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return { ok: true, value: { path: result.canceled ? null : (result.filePaths[0] ?? null) } };
  }
  const parsed = commands[name].input.safeParse(input);
  if (!parsed.success) return badRequest(name);
  const result = await dialog.showSaveDialog(win, {
    title: parsed.data.title ?? 'Save as',
    // Only a file name is accepted from the page; the folder is the user's choice in the dialog.
    defaultPath: parsed.data.defaultName.replace(/[\\/]/g, '_'),
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  return { ok: true, value: { path: result.canceled ? null : (result.filePath ?? null) } };
}

function badRequest(name: string): Reply<unknown> {
  return { ok: false, error: { code: CODES.BAD_REQUEST, message: `Invalid input for ${name}.` } };
}

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { CODES } from '../../common/contract/error-codes.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../runtime/private-files.ts';
import { HttpError } from './http-util.ts';
import { BODY_TIMEOUT_MS, pipeBody } from './request-body.ts';

/**
 * The name an upload is stored under, as close to the browser-supplied name as any OS allows, so that a
 * job saved from it still shows the operator's file name: the last path segment only, no control
 * characters or characters Windows refuses (`<>:"|?*`, each becomes `_`), no leading dots or spaces, no
 * trailing dots or spaces, at most 150 characters (the end is kept, so the extension survives), and
 * never a name Windows gives to a device (`NUL.csv` becomes `_NUL.csv`).
 */
export function uploadFileName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const cleaned = last
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .slice(-150);
  if (cleaned === '') return 'upload';
  // Windows opens a device, not a file, for these names, whatever the extension (`NUL.csv`, `com1.txt`).
  return WINDOWS_DEVICE.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9` (and the superscript digits), any case, alone or before a dot. */
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/i;

/**
 * Streams a request body to `<uploadsDir>/<random>/<file name>` (mode 0600, folders 0700) without
 * holding it in memory. The random folder keeps two uploads of the same name apart and makes the path
 * unguessable; the file keeps the operator's name (see `uploadFileName`). An upload may take as long as
 * it needs but ends after `idleMs` without a byte; a partial upload is removed then, and when the
 * client goes away mid-upload.
 * @returns the absolute path of the stored file.
 * @throws BodyTimeoutError / ClientGoneError (request-body.ts) when the body stops arriving.
 */
export async function receiveUpload(
  req: IncomingMessage,
  uploadsDir: string,
  name: string | null,
  idleMs = BODY_TIMEOUT_MS,
): Promise<string> {
  if (!name)
    throw new HttpError(400, {
      code: CODES.BAD_REQUEST,
      message: 'Say the file name: /api/upload?name=<file name>.',
    });
  const folder = join(uploadsDir, randomBytes(8).toString('hex'));
  await mkdir(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
  const path = join(folder, uploadFileName(name));
  try {
    await pipeBody(req, createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE }), idleMs);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return path;
}

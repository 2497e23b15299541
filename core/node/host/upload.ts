import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CODES } from '../../common/contract/error-codes.ts';
import { HttpError } from './http-util.ts';

/**
 * The name an upload is stored under, as close to the browser-supplied name as any OS allows, so that a
 * job saved from it still shows the operator's file name: the last path segment only, no control
 * characters or characters Windows refuses (`<>:"|?*`, each becomes `_`), no leading dots or spaces, no
 * trailing dots or spaces, at most 150 characters (the end is kept, so the extension survives).
 */
export function uploadFileName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const cleaned = last
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
    .slice(-150);
  return cleaned === '' ? 'upload' : cleaned;
}

/**
 * Streams a request body to `<uploadsDir>/<random>/<file name>` without holding it in memory.
 * The random folder keeps two uploads of the same name apart and makes the path unguessable; the
 * file keeps the operator's name (see `uploadFileName`). A partial upload is removed when the client
 * goes away mid-upload.
 * @returns the absolute path of the stored file.
 */
export async function receiveUpload(
  req: IncomingMessage,
  uploadsDir: string,
  name: string | null,
): Promise<string> {
  if (!name)
    throw new HttpError(400, {
      code: CODES.BAD_REQUEST,
      message: 'Say the file name: /api/upload?name=<file name>.',
    });
  const folder = join(uploadsDir, randomBytes(8).toString('hex'));
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, uploadFileName(name));
  try {
    await pipeline(req, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return path;
}

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
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
 * Free space an upload must leave on the data folder's disk, where the run store and the local
 * warehouse live: an upload that would leave less is refused (507) before a byte is written.
 */
export const UPLOAD_MIN_FREE_BYTES = 1024 ** 3;

const size = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : bytes >= 1024 ** 2
      ? `${Math.round(bytes / 1024 ** 2)} MiB`
      : `${Math.round(bytes / 1024)} KiB`;

/**
 * Streams a request body to `<uploadsDir>/<random>/<file name>` (mode 0600, folders 0700) without
 * holding it in memory. The random folder keeps two uploads of the same name apart and makes the path
 * unguessable; the file keeps the operator's name (see `uploadFileName`). An upload may take as long as
 * it needs but ends after `idleMs` without a byte; a partial upload is removed then, and when the
 * client goes away mid-upload. An upload whose declared length would leave the disk less than
 * `minFreeBytes` free (or, without a declared length, a disk already below it) is refused first.
 * @returns the absolute path of the stored file.
 * @throws HttpError 507 when the disk has no room for it; BodyTimeoutError / ClientGoneError
 *   (request-body.ts) when the body stops arriving.
 */
export async function receiveUpload(
  req: IncomingMessage,
  uploadsDir: string,
  name: string | null,
  idleMs = BODY_TIMEOUT_MS,
  minFreeBytes = UPLOAD_MIN_FREE_BYTES,
): Promise<string> {
  if (!name)
    throw new HttpError(400, {
      code: CODES.BAD_REQUEST,
      message: 'Say the file name: /api/upload?name=<file name>.',
    });
  await mkdir(uploadsDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const declared = Number(req.headers['content-length']);
  const length = Number.isFinite(declared) && declared > 0 ? declared : 0;
  const disk = await statfs(uploadsDir);
  const free = disk.bavail * disk.bsize;
  if (free - length < minFreeBytes) {
    throw new HttpError(507, {
      code: CODES.TOO_LARGE,
      message:
        `The data folder's disk has ${size(free)} free; ${length > 0 ? `this upload of ${size(length)}` : 'an upload'} ` +
        `would leave less than ${size(minFreeBytes)}, which the run store and the local warehouse need. ` +
        'Free some space (or move the data folder), then upload again.',
    });
  }
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

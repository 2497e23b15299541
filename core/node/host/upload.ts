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
 * Makes a browser-supplied file name safe to use as the tail of a file name on any OS:
 * the last path segment only, accents dropped, letters/digits/`._-` kept, the rest `_`, no leading dots,
 * at most 100 characters (the end is kept, so the extension survives).
 */
export function sanitizeFileName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const cleaned = last
    // Accented letters keep their base letter (été → ete); anything else outside [A-Za-z0-9._-] becomes _.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.\s]+/, '')
    .slice(-100);
  return cleaned === '' ? 'upload' : cleaned;
}

/**
 * Streams a request body to `<uploadsDir>/<random>-<sanitised name>` (mode 0600, the folder 0700)
 * without holding it in memory. The random prefix keeps two uploads of the same name apart and
 * makes the path unguessable. An upload may take as long as it needs but ends after `idleMs`
 * without a byte; a partial file is removed then, and when the client goes away mid-upload.
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
  await mkdir(uploadsDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const path = join(uploadsDir, `${randomBytes(8).toString('hex')}-${sanitizeFileName(name)}`);
  try {
    await pipeBody(req, createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE }), idleMs);
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return path;
}

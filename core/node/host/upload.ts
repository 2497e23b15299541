import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CODES } from '../../common/contract/error-codes.ts';
import { HttpError } from './http-util.ts';

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
 * Streams a request body to `<uploadsDir>/<random>-<sanitised name>` without holding it in memory.
 * The random prefix keeps two uploads of the same name apart and makes the path unguessable.
 * A partial file is removed when the client goes away mid-upload.
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
  await mkdir(uploadsDir, { recursive: true, mode: 0o700 });
  const path = join(uploadsDir, `${randomBytes(8).toString('hex')}-${sanitizeFileName(name)}`);
  try {
    await pipeline(req, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return path;
}

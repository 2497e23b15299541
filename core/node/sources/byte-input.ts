import { createReadStream, type ReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LoadstoneError } from '../../common/errors.ts';

/** Bytes to look at when detecting format, encoding and delimiter. */
export const HEAD_BYTES = 64 * 1024;

/** A file opened for streaming, transparently gunzipped. */
export interface ByteInput {
  readonly path: string;
  readonly compression: 'none' | 'gzip';
  /** Size on disk (compressed size for gzip). */
  readonly totalBytes: number;
  /** Up to HEAD_BYTES of the (decompressed) content, for detection. */
  readonly head: Buffer;
  /**
   * Up to `maxBytes` of the (decompressed) content, read again from the start: a longer head for
   * detection when HEAD_BYTES does not hold a few whole records (a header of 20,000 columns).
   */
  readHead(maxBytes: number): Promise<Buffer>;
  /** Bytes of the file on disk consumed so far. */
  bytesRead(): number;
  /** The whole (decompressed) content as chunks, from the first byte. Iterate once. */
  chunks(signal?: AbortSignal): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Opens a file for streaming. Compression is taken from `compression`, else from the
 * first two bytes (gzip magic), so a `.gz` without the extension still reads.
 * @throws LoadstoneError SOURCE_NOT_FOUND / SOURCE_UNREADABLE naming the file.
 */
export async function openByteInput(path: string, compression?: 'none' | 'gzip'): Promise<ByteInput> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new LoadstoneError('SOURCE_UNREADABLE', `${path} is a folder, not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof LoadstoneError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LoadstoneError('SOURCE_NOT_FOUND', `${path}: no such file`);
    throw new LoadstoneError('SOURCE_UNREADABLE', `${path}: cannot read (${code ?? String(error)})`, {
      cause: error,
    });
  }
  let magic: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      magic = Buffer.alloc(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      magic = magic.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LoadstoneError('SOURCE_UNREADABLE', `${path}: cannot read (${code ?? String(error)})`, {
      cause: error,
    });
  }
  const gz = compression ? compression === 'gzip' : magic[0] === GZIP_MAGIC_0 && magic[1] === GZIP_MAGIC_1;

  const streams = new Set<Readable>();
  // The file stream read by `chunks()`; its own count is the bytes consumed. (A 'data' listener to
  // count them would put the file stream in flowing mode and defeat the pipe's backpressure: a
  // gzipped file was then read to its end while its first megabytes were still being decompressed.)
  let main: ReadStream | null = null;
  const makeStream = (signal?: AbortSignal): { file: ReadStream; content: Readable } => {
    const file = createReadStream(path, { highWaterMark: 256 * 1024, signal });
    streams.add(file);
    if (!gz) return { file, content: file };
    const gunzip = createGunzip();
    file.on('error', (error) => gunzip.destroy(error));
    // Whoever stops reading the content (a head read that has enough, a cancelled read) lets go of the
    // file too: with backpressure, an unpiped file stream would otherwise stay open mid-file.
    gunzip.on('close', () => file.destroy());
    file.pipe(gunzip);
    streams.add(gunzip);
    return { file, content: gunzip };
  };

  const head = await readHead(makeStream().content, path, gz, HEAD_BYTES);

  return {
    path,
    compression: gz ? 'gzip' : 'none',
    totalBytes: size,
    head,
    bytesRead: () => main?.bytesRead ?? 0,
    readHead(maxBytes: number): Promise<Buffer> {
      return readHead(makeStream().content, path, gz, maxBytes);
    },
    chunks(signal?: AbortSignal): AsyncIterable<Buffer> {
      const { file, content: stream } = makeStream(signal);
      main = file;
      return {
        async *[Symbol.asyncIterator]() {
          try {
            for await (const chunk of stream) yield chunk as Buffer;
          } catch (error) {
            if (signal?.aborted) return;
            throw unreadable(path, gz, error);
          } finally {
            stream.destroy();
          }
        },
      };
    },
    async close() {
      for (const s of streams) s.destroy();
      streams.clear();
    },
  };
}

async function readHead(stream: Readable, path: string, gz: boolean, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= maxBytes) break;
    }
  } catch (error) {
    throw unreadable(path, gz, error);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts, length).subarray(0, maxBytes);
}

function unreadable(path: string, gz: boolean, error: unknown): LoadstoneError {
  const message = error instanceof Error ? error.message : String(error);
  return new LoadstoneError(
    'SOURCE_UNREADABLE',
    gz ? `${path}: not a valid gzip file (${message})` : `${path}: cannot read (${message})`,
    { cause: error },
  );
}

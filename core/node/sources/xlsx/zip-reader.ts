import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { LoadstoneError } from '../../../common/errors.ts';

/** One file inside a ZIP archive, as its central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Largest central directory accepted: an XLSX has a few dozen entries. */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

/**
 * A ZIP archive read through its central directory (so entry order in the file does not matter),
 * with entries streamed and inflated on demand and their CRC-32 checked at the end.
 * Written here because the ZIP libraries installed either read the local headers only
 * (unzipper's streaming mode) or are not a declared dependency.
 */
export class ZipArchive {
  private readonly streams = new Set<Readable>();
  private consumed = 0;

  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
    /** Entries by name. */
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  /**
   * Opens an archive and reads its central directory.
   * @throws LoadstoneError SOURCE_FORMAT when the file is not a ZIP archive (with a hint for .xls).
   */
  static async open(path: string): Promise<ZipArchive> {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (info.isDirectory()) {
        throw new LoadstoneError('SOURCE_UNREADABLE', `${path} is a folder, not a file`, {
          details: { path },
        });
      }
      const { size } = info;
      const entries = await readDirectory(handle, size, path);
      return new ZipArchive(path, size, handle, entries);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes of the archive read by entry streams so far (compressed bytes). */
  bytesRead(): number {
    return Math.min(this.consumed, this.size);
  }

  /** The entry called `name`, matched exactly, else ignoring case (some writers vary it). */
  find(name: string): ZipEntry | undefined {
    const exact = this.entries.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const [key, entry] of this.entries) if (key.toLowerCase() === lower) return entry;
    return undefined;
  }

  /** The decompressed content of an entry as a stream of Buffers (CRC-checked at its end). */
  async stream(entry: ZipEntry, signal?: AbortSignal): Promise<Readable> {
    if (entry.flags & 0x1) throw this.bad(`${entry.name} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) {
      throw this.bad(`${entry.name} uses ZIP compression method ${entry.method}, which is not supported`);
    }
    const header = Buffer.alloc(30);
    await this.handle.read(header, 0, 30, entry.localOffset);
    if (header.readUInt32LE(0) !== LOCAL) throw this.bad(`the local header of ${entry.name} is missing`);
    const start = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const raw: Readable =
      entry.compressedSize === 0
        ? new PassThrough().end()
        : createReadStream(this.path, { start, end: start + entry.compressedSize - 1, signal });
    raw.on('data', (chunk: Buffer) => {
      this.consumed += chunk.length;
    });
    const parts: Readable[] = [raw];
    let out = raw;
    if (entry.method === 8) {
      // Bigger output chunks than zlib's 16 KiB default mean fewer, cheaper scanner calls.
      const inflate = createInflateRaw({ chunkSize: 128 * 1024 });
      out = out.pipe(inflate);
      parts.push(inflate);
    }
    const check = new CrcCheck(entry, this.path);
    out = out.pipe(check);
    parts.push(check);
    // pipe() does not forward errors: fail the last stream so its reader sees them.
    for (const part of parts.slice(0, -1)) part.on('error', (error) => check.destroy(error));
    for (const part of parts) this.streams.add(part);
    return out;
  }

  /** The whole decompressed content of a (small) entry as UTF-8 text. */
  async readText(entry: ZipEntry): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(entry)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Stops every stream and closes the file. Safe to call more than once. */
  async close(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    await this.handle.close().catch(() => undefined);
  }

  private bad(message: string): LoadstoneError {
    return new LoadstoneError('SOURCE_FORMAT', `${this.path}: ${message}`, { details: { path: this.path } });
  }
}

/**
 * Opens a workbook file as a ZIP archive.
 * @throws LoadstoneError SOURCE_NOT_FOUND, SOURCE_UNREADABLE, or SOURCE_FORMAT when it is no ZIP.
 */
export async function openZip(path: string): Promise<ZipArchive> {
  try {
    return await ZipArchive.open(path);
  } catch (error) {
    if (error instanceof LoadstoneError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new LoadstoneError('SOURCE_NOT_FOUND', `${path}: no such file`, { details: { path } });
    throw new LoadstoneError('SOURCE_UNREADABLE', `${path}: cannot read (${code ?? String(error)})`, {
      details: { path },
      cause: error,
    });
  }
}

/** Passes bytes through and fails at the end when their CRC-32 or size is not the recorded one. */
class CrcCheck extends Transform {
  private crc = 0;
  private length = 0;
  constructor(
    private readonly entry: ZipEntry,
    private readonly path: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.length += chunk.length;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.crc >>> 0 !== this.entry.crc >>> 0 || this.length !== this.entry.size) {
      done(
        new LoadstoneError(
          'SOURCE_FORMAT',
          `${this.path}: ${this.entry.name} is corrupt (checksum mismatch)`,
          {
            details: { path: this.path },
          },
        ),
      );
    } else {
      done();
    }
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function notZip(path: string, first: Buffer): LoadstoneError {
  const ole = first.length >= 4 && first.readUInt32BE(0) === 0xd0cf11e0;
  return new LoadstoneError(
    'SOURCE_FORMAT',
    ole
      ? `${path}: this is an old binary .xls workbook or a password-protected .xlsx; save it from Excel as an unprotected .xlsx`
      : `${path}: not an XLSX workbook (an .xlsx file is a ZIP archive, and this file is not one)`,
    { details: { path } },
  );
}

/** Reads the central directory: finds the end record (ZIP64 too), then every entry header. */
async function readDirectory(handle: FileHandle, size: number, path: string): Promise<Map<string, ZipEntry>> {
  const tailLength = Math.min(size, 22 + 0xffff + 20);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw notZip(path, await readAt(handle, 0, 4));
  let count = tail.readUInt16LE(at + 10);
  let directorySize = tail.readUInt32LE(at + 12);
  let directoryOffset = tail.readUInt32LE(at + 16);
  if (at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
    const record = await readAt(handle, Number(tail.readBigUInt64LE(at - 20 + 8)), 56);
    if (record.length === 56 && record.readUInt32LE(0) === ZIP64_EOCD) {
      count = Number(record.readBigUInt64LE(32));
      directorySize = Number(record.readBigUInt64LE(40));
      directoryOffset = Number(record.readBigUInt64LE(48));
    }
  }
  const corrupt = (what: string): LoadstoneError =>
    new LoadstoneError('SOURCE_FORMAT', `${path}: the workbook is damaged (${what})`, { details: { path } });
  if (directorySize > MAX_DIRECTORY_BYTES || directoryOffset + directorySize > size) {
    throw corrupt('bad ZIP directory');
  }
  const directory = await readAt(handle, directoryOffset, directorySize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL)
      throw corrupt('bad ZIP entry header');
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const commentLength = directory.readUInt16LE(p + 32);
    let compressedSize = directory.readUInt32LE(p + 20);
    let uncompressed = directory.readUInt32LE(p + 24);
    let localOffset = directory.readUInt32LE(p + 42);
    const name = directory.toString('utf8', p + 46, p + 46 + nameLength);
    // ZIP64 sizes live in extra field 0x0001, in this order, for the fields that are saturated.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = directory.readUInt16LE(e);
      const length = directory.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (uncompressed === 0xffffffff) {
          uncompressed = Number(directory.readBigUInt64LE(f));
          f += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(directory.readBigUInt64LE(f));
          f += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(directory.readBigUInt64LE(f));
      }
      e += 4 + length;
    }
    entries.set(name, {
      name,
      method: directory.readUInt16LE(p + 10),
      flags: directory.readUInt16LE(p + 8),
      crc: directory.readUInt32LE(p + 16),
      compressedSize,
      size: uncompressed,
      localOffset,
    });
    p = extraEnd + commentLength;
  }
  return entries;
}

import { closeSync, openSync, readSync } from 'node:fs';

/** The 16 bytes every SQLite 3 database file starts with. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** True when the bytes start with the SQLite 3 header. */
export function hasSqliteHeader(head: Uint8Array): boolean {
  return head.length >= 16 && SQLITE_HEADER.equals(Buffer.from(head.buffer, head.byteOffset, 16));
}

/**
 * True when `path` is an SQLite database by its 16-byte header, whatever its name says; false for
 * anything else, a folder or a file that cannot be read (the file reader reports those).
 */
export function isSqliteFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && hasSqliteHeader(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

import { createHash, type Hash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { LoadstoneError } from '../../common/errors.ts';
import type { CommittedPosition, SourceFingerprint } from '../store/index.ts';

const READ_BYTES = 1024 * 1024;

/**
 * The sha256 of the first N bytes of a file, for growing N: each call reads only the bytes past the
 * last one (a load hashes what its source had read at each commit, so the file is read once more,
 * from the page cache, in step with the load).
 */
export class PrefixHasher {
  readonly #path: string;
  #hash: Hash = createHash('sha256');
  #hashed = 0;

  constructor(path: string) {
    this.#path = path;
  }

  /** The hex sha256 of the first `bytes` bytes (never fewer than already hashed). */
  async digestTo(bytes: number): Promise<{ bytes: number; sha256: string }> {
    if (bytes > this.#hashed) {
      const file = await open(this.#path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(READ_BYTES);
        while (this.#hashed < bytes) {
          const want = Math.min(READ_BYTES, bytes - this.#hashed);
          const { bytesRead } = await file.read(buffer, 0, want, this.#hashed);
          if (bytesRead === 0) break; // the file shrank: the digest covers what is there
          this.#hash.update(buffer.subarray(0, bytesRead));
          this.#hashed += bytesRead;
        }
      } finally {
        await file.close();
      }
    }
    return { bytes: this.#hashed, sha256: this.#hash.copy().digest('hex') };
  }
}

/** The file's path, size and mtime, or null when it cannot be read. */
export async function fingerprintOf(path: string): Promise<SourceFingerprint | null> {
  try {
    const s = await stat(path);
    return { path, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
}

/**
 * Checks that the file at `path` is the one an interrupted run read: same size, same mtime, same
 * bytes over the prefix it had hashed at its last commit.
 * @throws LoadstoneError SOURCE_NOT_FOUND, SOURCE_CHANGED (naming what changed).
 */
export async function checkSameSource(
  runId: string,
  was: SourceFingerprint | null,
  position: CommittedPosition | null,
): Promise<void> {
  if (!was) {
    throw new LoadstoneError(
      'RESUME_NOT_POSSIBLE',
      `run ${runId} did not record its source file's size and time, so a resume cannot tell whether the file is the same; re-run the load`,
    );
  }
  const now = await fingerprintOf(was.path);
  if (!now) {
    throw new LoadstoneError(
      'SOURCE_NOT_FOUND',
      `cannot resume run ${runId}: its source file ${was.path} is missing or unreadable`,
      { details: { path: was.path } },
    );
  }
  const changes: string[] = [];
  if (now.size !== was.size) changes.push(`its size was ${was.size} bytes and is now ${now.size}`);
  if (now.mtimeMs !== was.mtimeMs)
    changes.push(
      `it was modified (${new Date(was.mtimeMs).toISOString()} then, ${new Date(now.mtimeMs).toISOString()} now)`,
    );
  if (changes.length === 0 && position && position.bytes > 0) {
    const { bytes, sha256 } = await new PrefixHasher(was.path).digestTo(position.bytes);
    if (bytes !== position.bytes || sha256 !== position.sha256)
      changes.push(`its first ${position.bytes} bytes (the committed part) differ`);
  }
  if (changes.length > 0) {
    throw new LoadstoneError(
      'SOURCE_CHANGED',
      `cannot resume run ${runId}: the source file ${was.path} changed since the run read it: ${changes.join('; ')}. Load the file as a new run instead`,
      { details: { path: was.path, changes } },
    );
  }
}

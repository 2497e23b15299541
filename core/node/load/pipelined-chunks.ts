import { CopyBytes, PIECE_BYTES } from './copy-bytes.ts';
import type { CopyIn } from './copy-in.ts';
import { HeldRows } from './held-rows.ts';
import type { LoadSession } from './session.ts';
import type { LoadRow } from './types.ts';

// The pipelining both chunk strategies share (see `direct-chunks.ts`, `staged-chunks.ts`): rows are
// encoded into COPY text and sent in pieces while the source reads, and a full chunk completes in the
// background while the next one is encoded.

/** A strategy's view of its chunks. */
export interface Chunks {
  /** COPY text of the current chunk not sent yet: each row is encoded here, then `add`ed. */
  readonly bytes: CopyBytes;
  /** Takes the row just encoded into `bytes`; resolves when it may take the next. */
  add(row: LoadRow): Promise<void> | undefined;
  /**
   * Puts whole lines of COPY text that are already bytes (a run of verbatim rows) after what is
   * encoded, as a piece of their own: not copied into `bytes`. The piece must not change afterwards
   * (a refused chunk is staged again from its pieces). Then `add` the rows as usual.
   */
  putLines(lines: Buffer): void;
  /** Rows taken but not yet sent on. */
  readonly size: number;
  /** Of those, rows held as JS values rather than source text (see `HeldRows.objectRows`). */
  readonly objectRows: number;
  /**
   * Sends the current chunk on; the server finishes it (end of COPY, merge) while the next chunk's
   * rows are read and encoded. Resolves once the chunk is sent, not when it is in the target.
   */
  flush(): Promise<void>;
  /** Sends everything on and waits until it is in the target. */
  finish(): Promise<void>;
  /** Leaves the connection usable after a failure (ends an open COPY, waits for a running move). */
  abort(): Promise<void>;
  /** Ordinal of the next row in the current chunk (staged rows carry it). */
  readonly ordinal: number | undefined;
}

/**
 * What a streaming load's chunks count as they go, shared by the read loop (chunk capacity, rows
 * loaded) and the strategy completing chunks.
 */
export class ChunkCounts {
  /** Rows inserted by direct COPY (the mover counts the rest). */
  directInserted = 0;
  /** Rows sent since the last commit (`commitEvery`): a chunk never crosses a commit boundary. */
  sinceCommit = 0;

  constructor(private readonly commitEvery: number | null) {}

  /**
   * Counts a chunk's rows towards the next commit when it is sent (so chunk sizes never cross a commit
   * boundary); true when the chunk completes a `commitEvery` batch.
   */
  countForCommit(rows: number): boolean {
    this.sinceCommit += rows;
    if (this.commitEvery === null || this.sinceCommit < this.commitEvery) return false;
    this.sinceCommit = 0;
    return true;
  }
}

/** What differs between the two ways a chunk reaches the target. */
export interface ChunkStrategy {
  /** Opens the COPY of a new chunk (the previous chunk is complete by then). */
  open(): Promise<CopyIn>;
  /**
   * Completes a sent chunk, in the background while the next one is encoded. Called when the chunk
   * is sent: whatever it needs of per-chunk state must be taken before its first await.
   */
  complete(chunk: HeldRows, copy: CopyIn, commitNow: boolean): Promise<void>;
  /** Staged rows carry their ordinal within the chunk as their first field. */
  readonly ordinals: boolean;
  /** Sees each row taken (spotting repeated keys). */
  held?(row: LoadRow): void;
}

/** Once a chunk is in the target: progress, cancel check, commit when due. */
export async function afterChunk(session: LoadSession, commitNow: boolean, chunk: HeldRows) {
  session.completedThrough(chunk.last);
  session.progress();
  session.checkCancelled();
  if (commitNow) await session.commitAndContinue();
}

/**
 * COPY text encoded ahead while the previous chunk completes is held up to this many bytes (off
 * V8's heap); beyond that the reader waits for the chunk.
 */
const AHEAD_BYTES = 16 * 1024 * 1024;

/**
 * The chunk the server is completing in the background (end of its COPY, savepoint release, merge,
 * bad-row isolation) while the next chunk's rows are read, normalized and encoded: without it the
 * reader sat idle at every chunk boundary while the server caught up (~20% of an append's wall time).
 * One chunk completes at a time; the next chunk's COPY opens only once it is done, so statements on
 * the connection never overlap.
 */
class Completing {
  private running: Promise<void> | null = null;
  private done = true;

  /** Starts completing a chunk. Its failure is thrown by the next `wait`. */
  start(work: Promise<void>): void {
    this.done = false;
    this.running = work;
    work.then(
      () => {
        if (this.running === work) this.done = true;
      },
      () => {
        if (this.running === work) this.done = true; // handled here; `wait` rethrows it
      },
    );
  }

  /** True when no chunk is completing, or it has finished (then `wait` returns at once). */
  get idle(): boolean {
    return this.done;
  }

  /** Waits for the chunk being completed; throws its failure. */
  async wait(): Promise<void> {
    const work = this.running;
    this.running = null;
    this.done = true;
    if (work) await work;
  }
}

/**
 * Chunks fed while the source reads: rows are encoded into `bytes`, sent in pieces, and a full chunk
 * completes in the background (see `Completing`) while the next one is encoded.
 */
export function pipelinedChunks(counts: ChunkCounts, strategy: ChunkStrategy): Chunks {
  let rows = new HeldRows();
  const bytes = new CopyBytes();
  /** Pieces not sent yet, in order, before what `bytes` holds: taken from `bytes`, or `putLines`. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let copy: CopyIn | null = null;
  const completing = new Completing();

  const unsent = () => pendingBytes + bytes.used;

  /** Writes the pending pieces; resolves once the socket has room for more. */
  const writeAll = (to: CopyIn, pieces: Buffer[]): Promise<void> | undefined => {
    let wait: Promise<void> | undefined;
    for (const piece of pieces) wait = to.write(piece) ?? wait;
    return wait;
  };

  /** Sends what is encoded; the chunk's COPY opens on its first piece, once the previous chunk is complete. */
  const send = (): Promise<void> | undefined => {
    if (bytes.used > 0) pending.push(bytes.take());
    const pieces = pending;
    pending = [];
    pendingBytes = 0;
    if (copy) return writeAll(copy, pieces);
    return (async () => {
      await completing.wait();
      copy = await strategy.open();
      await writeAll(copy, pieces);
    })();
  };

  const flush = async () => {
    if (rows.length === 0) return;
    if (unsent() > 0) await send();
    const chunk = rows;
    const current = copy as CopyIn | null;
    if (current === null) return;
    rows = new HeldRows();
    copy = null;
    completing.start(strategy.complete(chunk, current, counts.countForCommit(chunk.length)));
  };

  return {
    get size() {
      return rows.length;
    },
    get objectRows() {
      return rows.objectRows;
    },
    get ordinal() {
      return strategy.ordinals ? rows.length : undefined;
    },
    bytes,
    putLines(lines) {
      if (bytes.used > 0) pending.push(bytes.take());
      pending.push(lines);
      pendingBytes += lines.length;
    },
    add(row) {
      rows.hold(row);
      strategy.held?.(row);
      const ahead = unsent();
      if (ahead < PIECE_BYTES) return undefined;
      // While the previous chunk completes, encode ahead (up to AHEAD_BYTES) instead of waiting.
      return copy || completing.idle || ahead >= AHEAD_BYTES ? send() : undefined;
    },
    flush,
    finish: async () => {
      await flush();
      await completing.wait();
    },
    abort: async () => {
      await copy?.abort();
      await completing.wait().catch(() => {}); // the connection is free once the chunk settles
    },
  };
}

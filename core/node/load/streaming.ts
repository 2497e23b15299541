import type { RejectedRow } from '../../common/types.ts';
import { CopyIn } from './copy-in.ts';
import { CopyBytes, CopyRowWriter, type FractionLimit, PIECE_BYTES } from './copy-text.ts';
import { isPgError, isRowDataError, type PgError } from './db-errors.ts';
import { HeldRows } from './held-rows.ts';
import type { Mover } from './mover.ts';
import { keyFunction, missingWatermark, unloadable } from './row-checks.ts';
import type { LoadSession } from './session.ts';
import { copyStageSql, copyTargetSql, createStageSql, type MoveShape } from './statements.ts';
import type { LoadBatch, LoadColumn, LoadRow } from './types.ts';

/** How rows of one chunk reach the target. */
export interface StreamingPlan {
  /**
   * `direct` (append, replace): COPY straight into the target under a savepoint, fed while the
   * source reads; if the server refuses the chunk, it is staged and moved with bad-row isolation.
   * `staged` (upsert, incremental): COPY into the staging table (fed while the source reads),
   * then one set-based upsert per chunk.
   */
  readonly kind: 'direct' | 'staged';
  readonly shape: MoveShape;
  readonly columns: readonly LoadColumn[];
  readonly mover: Mover;
  readonly chunkRows: number;
  /** Commit after this many rows (null: one transaction). */
  readonly commitEvery: number | null;
  /** Spot repeated keys inside a chunk (upsert, last wins). */
  readonly watchKeys: boolean;
  /** Per column, what the target would round (refused instead). */
  readonly limits: readonly (FractionLimit | null)[];
}

/** A strategy's view of its chunks. */
interface Chunks {
  /** COPY text of the current chunk not sent yet: each row is encoded here, then `add`ed. */
  readonly bytes: CopyBytes;
  /** Takes the row just encoded into `bytes`; resolves when it may take the next. */
  add(row: LoadRow): Promise<void> | undefined;
  /** Rows taken but not yet sent on. */
  readonly size: number;
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
 * Streams batches into the target chunk by chunk and returns the rows inserted by direct COPY
 * (the mover counts the rest).
 */
export async function loadStreaming(
  session: LoadSession,
  plan: StreamingPlan,
  batches: AsyncIterable<LoadBatch>,
  stageExists: { value: boolean },
): Promise<{ directInserted: () => number }> {
  const { shape, columns, mover } = plan;
  const writer = new CopyRowWriter(
    columns.map((c) => c.type),
    plan.limits,
  );
  const counter = { directInserted: 0, sinceCommit: 0 };
  session.loaded = () => counter.directInserted + mover.moved;
  const chunks: Chunks =
    plan.kind === 'direct'
      ? directChunks(session, plan, stageExists, counter)
      : stagedChunks(session, plan, stageExists, counter);
  // A chunk never crosses a commit boundary.
  const capacity = () => {
    if (plan.commitEvery === null) return plan.chunkRows;
    return Math.min(plan.chunkRows, plan.commitEvery - (counter.sinceCommit % plan.commitEvery));
  };
  const wmIndex = shape.watermark;
  const wmName = wmIndex === null ? '' : columns[wmIndex]!.name;
  const iterator = batches[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await session.next(iterator);
      if (next.done) break;
      const batch = next.value;
      session.noteBatch(batch);
      let early: RejectedRow[] | null = null;
      for (const row of batch.rows) {
        if (wmIndex !== null && (row.values[wmIndex] === null || row.values[wmIndex] === undefined)) {
          (early ??= []).push(missingWatermark(row, wmName));
          continue;
        }
        const problem = writer.encode(row.values, chunks.bytes, chunks.ordinal);
        if (problem) {
          (early ??= []).push(unloadable(row, columns, problem));
          continue;
        }
        const wait = chunks.add(row);
        if (wait) await wait;
        if (chunks.size >= capacity()) await chunks.flush();
      }
      if (early) session.reject(early);
      session.checkCancelled();
      session.progress();
    }
    finished = true;
    await chunks.finish();
  } catch (error) {
    await chunks.abort().catch(() => {}); // the first failure is the one to report
    throw error;
  } finally {
    // Let the source close its file; never wait on a generator that may be stuck in a read.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
  return { directInserted: () => counter.directInserted };
}

async function ensureStage(
  session: LoadSession,
  shape: MoveShape,
  stageExists: { value: boolean },
): Promise<void> {
  if (stageExists.value) return;
  await session.client.query(createStageSql(shape, false));
  stageExists.value = true;
}

/**
 * Counts a chunk's rows towards the next commit when it is sent (so chunk sizes never cross a commit
 * boundary); true when the chunk completes a `commitEvery` batch.
 */
function countForCommit(plan: StreamingPlan, counter: { sinceCommit: number }, rows: number): boolean {
  counter.sinceCommit += rows;
  if (plan.commitEvery === null || counter.sinceCommit < plan.commitEvery) return false;
  counter.sinceCommit = 0;
  return true;
}

/** Once a chunk is in the target: progress, cancel check, commit when due. */
async function afterChunk(session: LoadSession, commitNow: boolean) {
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

/** What differs between the two ways a chunk reaches the target. */
interface ChunkStrategy {
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

/**
 * Chunks fed while the source reads: rows are encoded into `bytes`, sent in pieces, and a full chunk
 * completes in the background (see `Completing`) while the next one is encoded.
 */
function pipelinedChunks(
  plan: StreamingPlan,
  counter: { sinceCommit: number },
  strategy: ChunkStrategy,
): Chunks {
  let rows = new HeldRows();
  const bytes = new CopyBytes();
  let copy: CopyIn | null = null;
  const completing = new Completing();

  /** Sends what is encoded; the chunk's COPY opens on its first piece, once the previous chunk is complete. */
  const send = (): Promise<void> | undefined => {
    const piece = bytes.take();
    if (copy) return copy.write(piece);
    return (async () => {
      await completing.wait();
      copy = await strategy.open();
      await copy.write(piece);
    })();
  };

  const flush = async () => {
    if (rows.length === 0) return;
    if (bytes.used > 0) await send();
    const chunk = rows;
    const current = copy as CopyIn | null;
    if (current === null) return;
    rows = new HeldRows();
    copy = null;
    completing.start(strategy.complete(chunk, current, countForCommit(plan, counter, chunk.length)));
  };

  return {
    get size() {
      return rows.length;
    },
    get ordinal() {
      return strategy.ordinals ? rows.length : undefined;
    },
    bytes,
    add(row) {
      rows.hold(row);
      strategy.held?.(row);
      if (bytes.used < PIECE_BYTES) return undefined;
      // While the previous chunk completes, encode ahead (up to AHEAD_BYTES) instead of waiting.
      return copy || completing.idle || bytes.used >= AHEAD_BYTES ? send() : undefined;
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

/** Append and replace: COPY straight into the target under a savepoint per chunk. */
function directChunks(
  session: LoadSession,
  plan: StreamingPlan,
  stageExists: { value: boolean },
  counter: { directInserted: number; sinceCommit: number },
): Chunks {
  const client = session.client;
  const { shape, mover } = plan;

  /** The server refused the chunk: stage the text it was sent (ordinals in front) and isolate the bad rows. */
  const stageAndMove = async (chunk: HeldRows, pieces: readonly Buffer[], refusal: PgError) => {
    await ensureStage(session, shape, stageExists);
    const staging = new CopyIn(client, copyStageSql(shape, false));
    let ordinal = 0;
    for (const piece of pieces) {
      // A piece holds whole lines; a newline inside a value is escaped, so each byte 0x0A ends a row
      // (UTF-8 never uses it inside a multi-byte character).
      let from = 0;
      for (let end = piece.indexOf(0x0a); end >= 0; end = piece.indexOf(0x0a, from)) {
        const wait = staging.push(`${ordinal++}\t${piece.toString('utf8', from, end + 1)}`);
        if (wait) await wait;
        from = end + 1;
      }
    }
    await staging.finish();
    // The COPY already showed the refusal: go straight to isolating.
    await mover.move(0, chunk.length - 1, chunk.lookup, false, refusal);
    await client.query(`TRUNCATE ${shape.stage}`);
  };

  return pipelinedChunks(plan, counter, {
    ordinals: false,
    open: async () => {
      await client.query('SAVEPOINT loadstone_chunk');
      return new CopyIn(client, copyTargetSql(shape), true);
    },
    complete: async (chunk, copy, commitNow) => {
      try {
        await copy.finish();
        await client.query('RELEASE SAVEPOINT loadstone_chunk');
        counter.directInserted += chunk.length;
      } catch (error) {
        if (!isPgError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT loadstone_chunk; RELEASE SAVEPOINT loadstone_chunk');
        if (!isRowDataError(error)) throw error;
        session.checkCancelled();
        await stageAndMove(chunk, copy.pieces ?? [], error);
      }
      await afterChunk(session, commitNow);
    },
  });
}

/** Upsert and incremental: COPY into the staging table, then one set-based merge per chunk. */
function stagedChunks(
  session: LoadSession,
  plan: StreamingPlan,
  stageExists: { value: boolean },
  counter: { sinceCommit: number },
): Chunks {
  const client = session.client;
  const { shape, mover } = plan;
  const keyOf = plan.watchKeys ? keyFunction(shape.key) : null;
  const keys = new Set<unknown>();
  let repeated = false;
  let used = false;

  return pipelinedChunks(plan, counter, {
    ordinals: true,
    open: async () => {
      await ensureStage(session, shape, stageExists);
      if (used) await client.query(`TRUNCATE ${shape.stage}`);
      used = true;
      return new CopyIn(client, copyStageSql(shape, false));
    },
    complete: async (chunk, copy, commitNow) => {
      // Taken before the first await: the next chunk starts with its own keys.
      const dedupe = repeated;
      repeated = false;
      keys.clear();
      await copy.finish();
      await mover.move(0, chunk.length - 1, chunk.lookup, dedupe);
      await afterChunk(session, commitNow);
    },
    held: (row) => {
      const k = keyOf?.(row.values);
      if (k === undefined) return;
      if (keys.has(k)) repeated = true;
      else keys.add(k);
    },
  });
}

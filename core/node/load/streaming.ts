import type { RejectedRow } from '../../common/types.ts';
import { CopyIn } from './copy-in.ts';
import { CopyBytes, CopyRowWriter, PIECE_BYTES } from './copy-text.ts';
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
}

/** A strategy's view of its chunks. */
interface Chunks {
  /** COPY text of the current chunk not sent yet: each row is encoded here, then `add`ed. */
  readonly bytes: CopyBytes;
  /** Takes the row just encoded into `bytes`; resolves when it may take the next. */
  add(row: LoadRow): Promise<void> | undefined;
  /** Rows taken but not yet sent on. */
  readonly size: number;
  /** Sends the current chunk on. */
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
  const writer = new CopyRowWriter(columns.map((c) => c.type));
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

async function afterChunk(
  session: LoadSession,
  plan: StreamingPlan,
  counter: { sinceCommit: number },
  rows: number,
) {
  counter.sinceCommit += rows;
  session.progress();
  session.checkCancelled();
  if (plan.commitEvery !== null && counter.sinceCommit >= plan.commitEvery) {
    await session.commitAndContinue();
    counter.sinceCommit = 0;
  }
}

function directChunks(
  session: LoadSession,
  plan: StreamingPlan,
  stageExists: { value: boolean },
  counter: { directInserted: number; sinceCommit: number },
): Chunks {
  const client = session.client;
  const { shape, mover } = plan;
  let rows = new HeldRows();
  const bytes = new CopyBytes();
  let copy: CopyIn | null = null;

  /** Sends what is encoded, opening the chunk's COPY (under a savepoint) first when needed. */
  const send = (): Promise<void> | undefined => {
    const piece = bytes.take();
    if (copy) return copy.write(piece);
    return (async () => {
      await client.query('SAVEPOINT loadstone_chunk');
      copy = new CopyIn(client, copyTargetSql(shape), true);
      await copy.write(piece);
    })();
  };

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

  const flush = async () => {
    if (rows.length === 0) return;
    if (bytes.used > 0) await send();
    const chunk = rows;
    const current = copy as CopyIn | null;
    if (current === null) return;
    rows = new HeldRows();
    copy = null;
    try {
      await current.finish();
      await client.query('RELEASE SAVEPOINT loadstone_chunk');
      counter.directInserted += chunk.length;
    } catch (error) {
      if (!isPgError(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT loadstone_chunk; RELEASE SAVEPOINT loadstone_chunk');
      if (!isRowDataError(error)) throw error;
      session.checkCancelled();
      await stageAndMove(chunk, current.pieces ?? [], error);
    }
    await afterChunk(session, plan, counter, chunk.length);
  };

  return {
    get size() {
      return rows.length;
    },
    ordinal: undefined,
    bytes,
    add(row) {
      rows.hold(row);
      return bytes.used >= PIECE_BYTES ? send() : undefined;
    },
    flush,
    finish: flush,
    abort: async () => {
      await copy?.abort();
    },
  };
}

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
  let rows = new HeldRows();
  const bytes = new CopyBytes();
  let repeated = false;
  let copy: CopyIn | null = null;
  let used = false;

  /** Sends what is encoded, opening the chunk's COPY into the (emptied) staging table first when needed. */
  const send = (): Promise<void> | undefined => {
    const piece = bytes.take();
    if (copy) return copy.write(piece);
    return (async () => {
      await ensureStage(session, shape, stageExists);
      if (used) await client.query(`TRUNCATE ${shape.stage}`);
      used = true;
      copy = new CopyIn(client, copyStageSql(shape, false));
      await copy.write(piece);
    })();
  };

  const flush = async () => {
    if (rows.length === 0) return;
    if (bytes.used > 0) await send();
    const chunk = rows;
    const current = copy as CopyIn | null;
    const dedupe = repeated;
    if (current === null) return;
    rows = new HeldRows();
    copy = null;
    repeated = false;
    keys.clear();
    await current.finish();
    await mover.move(0, chunk.length - 1, chunk.lookup, dedupe);
    await afterChunk(session, plan, counter, chunk.length);
  };

  return {
    get size() {
      return rows.length;
    },
    get ordinal() {
      return rows.length;
    },
    bytes,
    add(row) {
      rows.hold(row);
      if (keyOf) {
        const k = keyOf(row.values);
        if (k !== undefined) {
          if (keys.has(k)) repeated = true;
          else keys.add(k);
        }
      }
      return bytes.used >= PIECE_BYTES ? send() : undefined;
    },
    flush,
    finish: flush,
    abort: async () => {
      await copy?.abort();
    },
  };
}

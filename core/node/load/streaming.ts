import type { RejectedRow } from '../../common/types.ts';
import { CopyRowWriter, putNumber } from './copy-text.ts';
import { directChunks } from './direct-chunks.ts';
import type { FractionLimit } from './fraction-limit.ts';
import { splitRun } from './held-rows.ts';
import type { Mover } from './mover.ts';
import { ChunkCounts, type Chunks } from './pipelined-chunks.ts';
import { missingWatermark, unloadable } from './row-checks.ts';
import type { LoadSession } from './session.ts';
import type { StageTable } from './stage-table.ts';
import { stagedChunks } from './staged-chunks.ts';
import type { MoveShape } from './statements.ts';
import type { LoadBatch, LoadColumn, LoadRow } from './types.ts';
import { forEachLine } from './verbatim-keys.ts';

/**
 * A chunk whose rows are held as JS values (database and spreadsheet rows: their cells stay alive
 * until the chunk is in the target, for the report) ends after this many of them, whatever
 * `chunkRows` says: the rows of two chunks in flight then fit V8's young generation, and fewer of
 * them survive scavenges into old space. SQLite → PostgreSQL, 1M rows: 4.4–4.7 s with 5,000-row
 * chunks against 5.1–5.6 s with 20,000 (2026-12-06). Rows held as a span of their source text
 * (CSV, JSON, PostgreSQL COPY text) keep `chunkRows`: each chunk costs the server a COPY and a
 * savepoint, and PostgreSQL → PostgreSQL measured 3.6 s with 5,000 against 3.3 s with 20,000.
 */
export const OBJECT_ROWS_PER_CHUNK = 5_000;

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
  /** Per column, hex text going into a bytea column (see `CopyRowWriter`). */
  readonly hexBytes: readonly boolean[];
}

/**
 * Streams batches into the target chunk by chunk and returns the rows inserted by direct COPY
 * (the mover counts the rest).
 */
export async function loadStreaming(
  session: LoadSession,
  plan: StreamingPlan,
  batches: AsyncIterable<LoadBatch>,
  stage: StageTable,
  /** Receives the direct-COPY count as soon as it exists (commit points read it). */
  onDirect?: (directInserted: () => number) => void,
): Promise<{ directInserted: () => number }> {
  const { shape, columns, mover } = plan;
  const writer = new CopyRowWriter(
    columns.map((c) => c.type),
    plan.limits,
    plan.hexBytes,
  );
  const counts = new ChunkCounts(plan.commitEvery);
  session.loaded = () => counts.directInserted + mover.moved;
  onDirect?.(() => counts.directInserted);
  const chunks: Chunks =
    plan.kind === 'direct'
      ? directChunks(session, plan, stage, counts)
      : stagedChunks(session, plan, stage, counts);
  // A chunk never crosses a commit boundary.
  const capacity = () => {
    if (plan.commitEvery === null) return plan.chunkRows;
    return Math.min(plan.chunkRows, plan.commitEvery - (counts.sinceCommit % plan.commitEvery));
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
      for (let row of batch.rows) {
        // A verbatim row's watermark was checked not NULL by its source (`VerbatimTarget.notNull`).
        if (
          wmIndex !== null &&
          !row.verbatim &&
          (row.values[wmIndex] === null || row.values[wmIndex] === undefined)
        ) {
          (early ??= []).push(missingWatermark(row, wmName));
          continue;
        }
        if (row.verbatim) {
          // A run of rows (`rows`) longer than the chunk's room is split: a chunk never crosses a
          // commit boundary.
          for (let room = capacity() - chunks.size; (row.rows ?? 1) > room; room = capacity() - chunks.size) {
            if (room <= 0) {
              // A full chunk (never left so by the checks below, but a run must not be cut at 0).
              await chunks.flush();
              continue;
            }
            const [head, rest] = splitRun(row, room);
            putRun(chunks, head);
            const wait = chunks.add(head);
            if (wait) await wait;
            if (early) session.reject(early);
            early = null;
            await chunks.flush();
            row = rest;
          }
          putRun(chunks, row);
        } else {
          const problem = writer.encode(row.values, chunks.bytes, chunks.ordinal);
          if (problem) {
            (early ??= []).push(unloadable(row, columns, problem));
            continue;
          }
        }
        const wait = chunks.add(row);
        if (wait) await wait;
        if (chunks.size >= capacity() || chunks.objectRows >= OBJECT_ROWS_PER_CHUNK) {
          // Rows refused so far are reported before the chunk after them can commit: a commit point
          // then covers every reject of the source prefix it names.
          if (early) session.reject(early);
          early = null;
          await chunks.flush();
        }
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
  return { directInserted: () => counts.directInserted };
}

/**
 * A run of verbatim rows in bytes at least this long goes to the COPY as a piece of its own instead
 * of being copied into the chunk's text (SQLite → PostgreSQL: the copy was ~0.15 s of 1M rows, and
 * the buffers it filled as many bytes again of garbage collection work).
 */
const OWN_PIECE_BYTES = 16 * 1024;

/** Writes a run of verbatim rows into the chunk: as they are, or (staged rows) each line after its ordinal and a tab. */
function putRun(chunks: Chunks, row: LoadRow): void {
  const { bytes, ordinal } = chunks;
  const text = row.text!;
  if (ordinal === undefined) {
    const start = row.textStart!;
    const end = row.textEnd!;
    // A run's lines end with a newline at `end` (see CopyRun), so its bytes to `end + 1` are whole lines.
    if (typeof text !== 'string' && end - start >= OWN_PIECE_BYTES && text[end] === 0x0a) {
      chunks.putLines(text.subarray(start, end + 1));
    } else {
      bytes.putLine(text, start, end);
    }
    return;
  }
  let next = ordinal;
  forEachLine(text, row.textStart!, row.textEnd!, row.rows ?? 1, (from, to) => {
    putNumber(bytes, next++);
    bytes.room(1)[bytes.used++] = 9;
    bytes.putLine(text, from, to);
  });
}

import { CopyIn } from './copy-in.ts';
import { isPgError, isRowDataError, type PgError } from './db-errors.ts';
import type { HeldRows } from './held-rows.ts';
import { afterChunk, type ChunkCounts, type Chunks, pipelinedChunks } from './pipelined-chunks.ts';
import type { LoadSession } from './session.ts';
import type { StageTable } from './stage-table.ts';
import { copyStageSql, copyTargetSql } from './statements.ts';
import type { StreamingPlan } from './streaming.ts';

/** Append and replace: COPY straight into the target under a savepoint per chunk. */
export function directChunks(
  session: LoadSession,
  plan: StreamingPlan,
  stage: StageTable,
  counts: ChunkCounts,
): Chunks {
  const client = session.client;
  const { shape, mover } = plan;

  /** The server refused the chunk: stage the text it was sent (ordinals in front) and isolate the bad rows. */
  const stageAndMove = async (chunk: HeldRows, pieces: readonly Buffer[], refusal: PgError) => {
    session.step = 'isolating';
    await stage.ensure(shape);
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

  return pipelinedChunks(counts, {
    ordinals: false,
    open: async () => {
      session.step = 'copying';
      await client.query('SAVEPOINT loadstone_chunk');
      return new CopyIn(client, copyTargetSql(shape), true);
    },
    complete: async (chunk, copy, commitNow) => {
      try {
        await copy.finish();
        await client.query('RELEASE SAVEPOINT loadstone_chunk');
        counts.directInserted += chunk.length;
      } catch (error) {
        if (!isPgError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT loadstone_chunk; RELEASE SAVEPOINT loadstone_chunk');
        if (!isRowDataError(error)) throw error;
        session.checkCancelled();
        await stageAndMove(chunk, copy.pieces ?? [], error);
      }
      await afterChunk(session, commitNow, chunk);
    },
  });
}

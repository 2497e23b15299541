import { CopyIn } from './copy-in.ts';
import { afterChunk, type ChunkCounts, type Chunks, pipelinedChunks } from './pipelined-chunks.ts';
import { keyFunction } from './row-checks.ts';
import type { LoadSession } from './session.ts';
import type { StageTable } from './stage-table.ts';
import { copyStageSql } from './statements.ts';
import type { StreamingPlan } from './streaming.ts';

/** Upsert and incremental: COPY into the staging table, then one set-based merge per chunk. */
export function stagedChunks(
  session: LoadSession,
  plan: StreamingPlan,
  stage: StageTable,
  counts: ChunkCounts,
): Chunks {
  const client = session.client;
  const { shape, mover } = plan;
  const keyOf = plan.watchKeys ? keyFunction(shape.key) : null;
  const keys = new Set<unknown>();
  let repeated = false;
  let used = false;

  return pipelinedChunks(counts, {
    ordinals: true,
    open: async () => {
      await stage.ensure(shape);
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

import { CopyIn } from './copy-in.ts';
import { KeyHashSet, pushKeyHash } from './key-hash-set.ts';
import { afterChunk, type ChunkCounts, type Chunks, pipelinedChunks } from './pipelined-chunks.ts';
import { keyFunction } from './row-checks.ts';
import type { LoadSession } from './session.ts';
import type { StageTable } from './stage-table.ts';
import { copyStageSql } from './statements.ts';
import type { StreamingPlan } from './streaming.ts';
import { forEachLine, verbatimKeyFunction } from './verbatim-keys.ts';

/** A held row without a key (a NULL key part): it fails on the key's NOT NULL, never repeats one. */
const NO_KEY = -1;

/**
 * Upsert and incremental: COPY into the staging table, then one set-based merge per chunk.
 *
 * With `watchKeys` (the last row of a key wins), a key repeated inside a chunk is merged in file
 * order in one statement; a key that an earlier chunk already applied is passed to the merge as
 * "late", so that the row it wrote counts as superseded instead of the new row counting as an
 * update (see `upsertSql`). The keys applied so far are kept as 64-bit hashes (`KeyHashSet`).
 */
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
  const applied = new KeyHashSet();
  // Two numbers per held row of the current chunk: its key's hash (NO_KEY when it has none).
  let hashes: number[] = [];
  let repeated = false;
  let used = false;
  // Offered rows sent as their COPY text only when their key can be read back (load-into-postgres.ts).
  const lineKey = keyOf
    ? verbatimKeyFunction(
        shape.key,
        plan.columns.map((c) => c.type),
      )
    : null;
  /** Notes a held row's key (undefined: a NULL key part). */
  const note = (k: unknown): void => {
    if (k === undefined) {
      hashes.push(NO_KEY, 0);
      return;
    }
    pushKeyHash(k, hashes);
    if (keys.has(k)) repeated = true;
    else keys.add(k);
  };

  return pipelinedChunks(counts, {
    ordinals: true,
    open: async () => {
      session.step = 'staging';
      await stage.ensure(shape);
      if (used) await client.query(`TRUNCATE ${shape.stage}`);
      used = true;
      return new CopyIn(client, copyStageSql(shape, false));
    },
    complete: async (chunk, copy, commitNow) => {
      // Taken before the first await: the next chunk starts with its own keys. The chunks before
      // this one are complete by now (its COPY opened only once they were), so `applied` is whole.
      const dedupe = repeated;
      const chunkHashes = hashes;
      repeated = false;
      keys.clear();
      hashes = [];
      const late: number[] = [];
      if (keyOf) {
        for (let o = 0; o * 2 < chunkHashes.length; o++) {
          const hi = chunkHashes[o * 2]!;
          if (hi !== NO_KEY && applied.has(hi, chunkHashes[o * 2 + 1]!)) late.push(o);
        }
      }
      mover.forChunk(late, keyOf !== null);
      await copy.finish();
      session.step = 'merging';
      await mover.move(0, chunk.length - 1, chunk.lookup, dedupe);
      if (keyOf) {
        for (let o = 0; o * 2 < chunkHashes.length; o++) {
          const hi = chunkHashes[o * 2]!;
          if (hi !== NO_KEY && !mover.notApplied.has(o)) applied.add(hi, chunkHashes[o * 2 + 1]!);
        }
      }
      await afterChunk(session, commitNow, chunk);
    },
    held: (row) => {
      if (!keyOf) return;
      if (row.verbatim) {
        // A run of rows sent as their COPY text: each line's key read back from its fields.
        const text = row.text!;
        forEachLine(text, row.textStart!, row.textEnd!, row.rows ?? 1, (from, to) =>
          note(lineKey!(text, from, to)),
        );
        return;
      }
      note(keyOf(row.values));
    },
  });
}

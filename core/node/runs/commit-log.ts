import type pg from 'pg';
import type { LoadCommitHooks, LoadCommitPoint } from '../load/index.ts';
import type { CommittedPosition, RunCounts, RunStore } from '../store/index.ts';
import { createControlTableSql, writeControlRow } from './control-row.ts';
import { PrefixHasher } from './source-prefix.ts';

/** What the commit log needs of its run. */
export interface CommitLogRun {
  readonly id: string;
  readonly store: RunStore;
  /** The source file (its committed prefix is hashed at each commit); null for a non-file source. */
  readonly sourcePath: string | null;
  /** Records of the source an earlier run committed (a resume starts after them). */
  readonly skipRecords: number;
  /** Writes the rejected rows still buffered to the run store. */
  readonly flushRejects: () => void;
}

/**
 * The record of a load's commits (commit-every): at each COMMIT, a control row in the target written
 * in the committed transaction, then the run store's committed position and counts right after.
 * Rejected rows are counted towards the committed prefix by their source line.
 */
export class CommitLog {
  readonly #run: CommitLogRun;
  readonly #hasher: PrefixHasher | null;
  /** Lines of rejected rows not yet inside a committed prefix. */
  #pendingLines: number[] = [];
  #prefixRejected = 0;
  #controlTable: 'unknown' | 'ready' | 'unavailable' = 'unknown';
  #pending: CommittedPosition | null = null;
  /** The last committed position. */
  last: CommittedPosition | null = null;

  constructor(run: CommitLogRun) {
    this.#run = run;
    this.#hasher = run.sourcePath === null ? null : new PrefixHasher(run.sourcePath);
  }

  /** Notes rejected rows (by line) as they are reported. */
  rejected(lines: readonly number[]): void {
    for (const line of lines) this.#pendingLines.push(line);
  }

  /** The hooks `loadIntoPostgres` calls around each COMMIT. */
  readonly hooks: LoadCommitHooks = {
    inTransaction: async (client, point) => {
      this.#run.flushRejects();
      const position = await this.#position(point);
      this.#pending = position;
      if (await this.#controlReady(client, point))
        await writeControlRow(client, this.#run.id, point.table, position);
    },
    committed: () => {
      const position = this.#pending;
      if (!position) return;
      this.#pending = null;
      this.last = position;
      this.#run.store.runs.committed(this.#run.id, position);
    },
  };

  async #position(point: LoadCommitPoint): Promise<CommittedPosition> {
    const through = point.through;
    if (through && !point.final) {
      const left: number[] = [];
      for (const line of this.#pendingLines) {
        if (line <= through.line) this.#prefixRejected++;
        else left.push(line);
      }
      this.#pendingLines = left;
    } else {
      // The final commit covers every row read; without a last record, every reject so far counts.
      this.#prefixRejected += this.#pendingLines.length;
      this.#pendingLines = [];
    }
    // A database or API source has no bytes to hash: such a run is resumed by merging again (incremental).
    const { bytes, sha256 } = this.#hasher
      ? await this.#hasher.digestTo(point.bytesRead ?? 0)
      : { bytes: 0, sha256: '' };
    const counts: RunCounts = {
      read: through && !point.final ? through.ordinal - this.#run.skipRecords : point.rowsRead,
      inserted: point.inserted,
      updated: point.updated,
      unchanged: point.unchanged,
      skipped: point.skipped,
      superseded: point.superseded,
      rejected: this.#prefixRejected,
    };
    return {
      records: through ? (point.final ? this.#run.skipRecords + counts.read : through.ordinal) : null,
      line: through && !point.final ? through.line : null,
      bytes,
      sha256,
      counts,
      final: point.final,
    };
  }

  /** Creates the control table on first use; a target that refuses it leaves the run store's record only. */
  async #controlReady(client: pg.Client, point: LoadCommitPoint): Promise<boolean> {
    if (this.#controlTable !== 'unknown') return this.#controlTable === 'ready';
    await client.query('SAVEPOINT loadstone_control');
    try {
      await client.query(createControlTableSql(point.table.schema));
      await client.query('RELEASE SAVEPOINT loadstone_control');
      this.#controlTable = 'ready';
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT loadstone_control; RELEASE SAVEPOINT loadstone_control');
      this.#controlTable = 'unavailable';
      this.#run.store.runs.addEvent(this.#run.id, {
        kind: 'no_control_row',
        message: `cannot keep a control row in schema ${point.table.schema} (${(error as Error).message}); an interrupted run's counts will come from the run store only`,
      });
    }
    return this.#controlTable === 'ready';
  }
}

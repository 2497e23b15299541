import type { Database } from 'better-sqlite3';
import { LoadstoneError } from '../../common/errors.ts';
import type { SecretStore } from './secret-store.ts';

/** What every part of an open store shares. Internal to `core/node/store`. */
export interface StoreContext {
  readonly db: Database;
  /** The database file, for messages. */
  readonly path: string;
  readonly secretStore: SecretStore;
  /** Clock (settable in tests of retention and ordering). */
  readonly now: () => Date;
}

/**
 * The internal sequence number of a run id.
 * @throws LoadstoneError NOT_FOUND naming the run.
 */
export function runSeqOf(ctx: StoreContext, runId: string): number {
  const seq = ctx.db.prepare('SELECT seq FROM runs WHERE id = ?').pluck().get(runId) as number | undefined;
  if (seq === undefined) {
    throw new LoadstoneError('NOT_FOUND', `no run '${runId}' in ${ctx.path} (see 'loadstone runs')`, {
      details: { runId },
    });
  }
  return seq;
}

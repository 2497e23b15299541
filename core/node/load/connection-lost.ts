import type pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';
import { describeTarget } from '../pg/connect.ts';
import { isPgError, serverMessage } from './db-errors.ts';
import type { LoadFailureCounts } from './failure-counts.ts';
import type { LoadSession, LoadStep } from './session.ts';
import type { LoadInput } from './types.ts';

/** What the connection was doing, in words, by step. */
const DOING: { readonly [S in LoadStep]: (table: string) => string } = {
  preparing: (t) => `preparing the load into ${t}`,
  loading: (t) => `loading rows into ${t}`,
  copying: (t) => `copying rows into ${t}`,
  staging: (t) => `copying rows into the staging table for ${t}`,
  merging: (t) => `merging rows into ${t}`,
  isolating: (t) => `isolating the rows ${t} refused`,
  swapping: (t) => `swapping the new ${t} in`,
  committing: (t) => `committing the rows loaded into ${t}`,
};

/**
 * The load's connection to the target was lost (the server restarted or ended the session, the
 * network dropped): TARGET_UNREACHABLE saying, in Loadstone's words, which target and where the load
 * was, what the target keeps (PostgreSQL rolls back an open transaction whose connection is gone;
 * a commitEvery load's committed chunks stay; a COMMIT in flight may or may not have happened) and
 * what to do. The driver's own text ('Connection terminated unexpectedly', 'read ECONNRESET') is
 * kept in `details.connectionError` and `cause`, not in the message; a server's reason for ending
 * the session (`terminating connection due to administrator command`) is said.
 */
export function connectionLost(
  error: unknown,
  session: LoadSession,
  input: LoadInput,
  table: string,
  counts: LoadFailureCounts,
): LoadstoneError {
  const n = (x: number) => x.toLocaleString('en-US');
  const target = input.targetLabel ?? clientLabel(input.client);
  const step = session.step;
  const said = isPgError(error) ? ` (the server ended it: ${serverMessage(error)})` : '';
  const through = session.committedThrough === null ? '' : `, through line ${n(session.committedThrough)}`;
  const committed =
    session.committedRows > 0
      ? `the ${n(session.committedRows)} rows committed earlier (commitEvery${through}) stay`
      : null;
  let kept: string;
  let nextStep: string;
  if (step === 'committing') {
    kept = `whether its last COMMIT took effect is unknown (the connection dropped before the server answered)${committed ? `; ${committed}` : ''}`;
    nextStep =
      committed || input.commitEvery
        ? 'resume the load from its last commit (the resume reads what the target committed)'
        : `look at ${table} before loading again (if the rows are there, the load went through)`;
  } else {
    kept = committed
      ? `PostgreSQL rolls back the load's open transaction, so nothing it wrote since its last commit stays; ${committed}`
      : `PostgreSQL rolls back the load's open transaction, so nothing it wrote stays in ${table}`;
    nextStep = committed ? 'resume the load from its last commit' : 'load again';
  }
  const cause = error instanceof Error ? error.message : String(error);
  return new LoadstoneError(
    'TARGET_UNREACHABLE',
    `lost the connection to ${target} while ${DOING[step](table)}${said}: ${kept}. Check that the server is running and reachable, then ${nextStep}.`,
    { details: { ...counts, target, step, connectionError: cause }, cause: error },
  );
}

/** `postgresql://user@host:port/database` from the client's settings (never its password). */
function clientLabel(client: pg.Client): string {
  const p = (client as unknown as { connectionParameters?: pg.ClientConfig }).connectionParameters;
  if (!p) return 'the target';
  return describeTarget({ host: p.host, port: p.port, user: p.user, database: p.database });
}

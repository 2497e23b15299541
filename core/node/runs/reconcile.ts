import type pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';
import type { JobSpec } from '../../common/spec/job-spec.ts';
import { connectTarget, type TargetConfig } from '../pg/connect.ts';
import { parseTableName, quoteIdent } from '../pg/identifiers.ts';
import type { LocalWarehouse } from '../pg/local-warehouse.ts';
import type { RunRecord, RunStore } from '../store/index.ts';
import { LOCAL_CONNECTION } from '../store/resolve-connection.ts';
import { readControlRow } from './control-row.ts';

/** Where an interrupted run's counts come from after `reconcileRun`. */
export interface Reconciled {
  /**
   * `target`: its control row, read back now or before; `run_store`: the last commit the run store
   * heard of (the target was not reachable, or holds no row for it); `none`: it commits only at the
   * end (no commit-every, replace, dry run), so nothing of it was committed.
   */
  readonly origin: 'target' | 'run_store' | 'none';
  /** Why the target's control row was not used (unreachable, no row…); null when it was. */
  readonly reason: string | null;
}

/** What reconciling needs to reach the target. */
export interface ReconcileOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly openWarehouse: () => Promise<LocalWarehouse>;
  /** The target URL with its password, when the run's spec holds it redacted. */
  readonly connection?: string | undefined;
}

/**
 * Makes an interrupted run's record say what it committed, from the target's control row when the
 * target is reachable (the truth: it is written by the committed transactions themselves), else
 * from the run store's last recorded commit (settled when the store was opened). Other runs are
 * left alone: a run that ended in-process recorded its own end.
 */
export async function reconcileRun(
  store: RunStore,
  run: RunRecord,
  options: ReconcileOptions,
): Promise<Reconciled> {
  if (run.status !== 'interrupted') return { origin: run.resume.countsOrigin ?? 'run_store', reason: null };
  const spec = run.spec;
  const target = spec.target;
  if (!target || run.dryRun || target.mode === 'replace' || spec.settings.commitEvery === undefined) {
    return { origin: 'none', reason: null };
  }
  if (run.resume.countsOrigin === 'target') return { origin: 'target', reason: null };
  let client: pg.Client | null = null;
  try {
    client = await connectTarget(await targetConfig(store, spec, options));
    const schema = await schemaOf(client, target.table);
    const row = schema === null ? null : await readControlRow(client, schema, run.id);
    if (!row) {
      return {
        origin: 'run_store',
        reason:
          schema === null
            ? `table ${target.table} does not exist in the target`
            : 'the target holds no control row for this run (it committed nothing there)',
      };
    }
    store.runs.settle(run.id, row, 'target');
    return { origin: 'target', reason: null };
  } catch (error) {
    const message = error instanceof LoadstoneError ? error.message : String((error as Error).message);
    return { origin: 'run_store', reason: `the target could not be read: ${message}` };
  } finally {
    await client?.end().catch(() => {});
  }
}

/** The run's target as a connection config (a redacted URL takes `options.connection` instead). */
export async function targetConfig(
  store: RunStore,
  spec: JobSpec,
  options: ReconcileOptions,
): Promise<TargetConfig> {
  const connection = options.connection ?? spec.target?.connection ?? LOCAL_CONNECTION;
  if (connection === LOCAL_CONNECTION) return (await options.openWarehouse()).config;
  return store.connections.resolve(withoutRedactedPassword(connection), { env: options.env });
}

/**
 * A URL as the run store keeps it has `***` for its password: without it, PGPASSWORD or ~/.pgpass
 * give the password (as for any URL without one), instead of `***` being sent as one.
 */
export function withoutRedactedPassword(connection: string): string {
  return connection
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):\*\*\*@/i, '$1@')
    .replace(/([?&])password=\*\*\*(&|$)/i, (_m, a: string, b: string) => (b ? a : ''));
}

/** The schema the table is in (the search path decides when the name has none); null when missing. */
async function schemaOf(client: pg.Client, table: string): Promise<string | null> {
  const name = parseTableName(table);
  if (name.schema !== null) return name.schema;
  const r = await client.query<{ schema: string }>(
    'SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)',
    [quoteIdent(name.name)],
  );
  return r.rows[0]?.schema ?? null;
}

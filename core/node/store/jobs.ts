import { LoadstoneError } from '../../common/errors.ts';
import { clearCredentials, maskUrl } from '../../common/spec/http-source.ts';
import { LOAD_MODES, type LoadMode, parseJobSpec } from '../../common/spec/job-spec.ts';
import type { StoreContext } from './context.ts';
import { isPostgresUrl, parsePostgresUrl, redactUrl } from './postgres-url.ts';
import type { JobInfo, JobRecord } from './types.ts';

/** Saved job specs, validated on save and on load. */
export interface JobsRepo {
  list(): JobInfo[];
  /** @throws LoadstoneError SPEC_INVALID when the saved spec no longer validates. */
  get(name: string): JobRecord | undefined;
  /**
   * Validates and saves (creates or replaces) a job. The spec is kept as given, so defaults
   * added by later versions apply to it.
   * @throws LoadstoneError SPEC_INVALID (invalid spec, or a target URL holding a password).
   */
  save(name: string, spec: unknown): JobInfo;
  /** The spec exactly as saved (unvalidated JSON), for `jobs show` and `jobs export`. */
  saved(name: string): { info: JobInfo; spec: unknown } | undefined;
  remove(name: string): boolean;
}

interface JobRow {
  id: number;
  name: string;
  spec: string;
  created_at: string;
  updated_at: string;
}

/** Creates the jobs part of a store. */
export function createJobsRepo(ctx: StoreContext): JobsRepo {
  const { db } = ctx;
  const byName = db.prepare('SELECT * FROM jobs WHERE name = ?');
  const all = db.prepare('SELECT * FROM jobs ORDER BY name');
  const upsert = db.prepare(`INSERT INTO jobs (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`);
  const del = db.prepare('DELETE FROM jobs WHERE name = ?');

  return {
    list: () => (all.all() as JobRow[]).map(toInfo),

    get(name) {
      const row = byName.get(name) as JobRow | undefined;
      if (!row) return undefined;
      const spec = parseJobSpec(JSON.parse(row.spec), `saved job '${row.name}'`);
      return { ...toInfo(row), spec };
    },

    saved(name) {
      const row = byName.get(name) as JobRow | undefined;
      if (!row) return undefined;
      let spec: unknown = null;
      try {
        spec = JSON.parse(row.spec);
      } catch {
        // Shown as null; get() reports it.
      }
      return { info: toInfo(row), spec };
    },

    save(name, spec) {
      const trimmed = name.trim();
      if (trimmed === '' || trimmed.length > 200) {
        throw new LoadstoneError('SPEC_INVALID', 'a job name must have 1 to 200 characters');
      }
      const parsed = parseJobSpec(spec, `job '${trimmed}'`);
      const connection = parsed.target?.connection;
      if (connection && isPostgresUrl(connection) && parsePostgresUrl(connection).password !== undefined) {
        throw new LoadstoneError(
          'SPEC_INVALID',
          `job '${trimmed}' has a password in target.connection; save the connection ('loadstone connections add') ` +
            'and use its name, or use PGPASSWORD / ~/.pgpass: a job never stores a password',
        );
      }
      const source = parsed.source;
      if (
        (source.kind === 'postgres' || source.kind === 'mysql') &&
        redactUrl(source.connection) !== source.connection
      ) {
        throw new LoadstoneError(
          'SPEC_INVALID',
          `job '${trimmed}' has a password in source.connection; save the connection and use its name, ` +
            'or use PGPASSWORD / ~/.pgpass: a job never stores a password',
        );
      }
      if (source.kind === 'http') {
        const clear = clearCredentials(source);
        if (clear.length > 0) {
          const { where, name } = clear[0]!;
          throw new LoadstoneError(
            'SPEC_INVALID',
            `job '${trimmed}' has a credential in clear in source.${where === 'url' ? 'url' : `query.${name}`} ` +
              `(parameter '${name}'): give it as source.query.${name} = { "env": "NAME" } (or auth { "type": "apiKey", "in": "query" }): ` +
              'a job never stores a credential in clear',
            { details: { path: where === 'url' ? 'source.url' : `source.query.${name}` } },
          );
        }
      }
      const now = ctx.now().toISOString();
      upsert.run(trimmed, JSON.stringify(spec), now, now);
      return toInfo(byName.get(trimmed) as JobRow);
    },

    remove(name) {
      return db.transaction(() => {
        db.prepare('DELETE FROM job_schedules WHERE job_name = ?').run(name);
        return del.run(name).changes > 0;
      })();
    },
  };
}

function toInfo(row: JobRow): JobInfo {
  // Lists read the spec without validating it: an outdated job still shows up, and fails on get().
  let source = '';
  let table: string | null = null;
  let mode: LoadMode | null = null;
  try {
    const spec = JSON.parse(row.spec) as {
      source?: {
        path?: unknown;
        kind?: unknown;
        connection?: unknown;
        table?: unknown;
        url?: unknown;
        method?: unknown;
      };
      target?: { table?: unknown; mode?: unknown };
    };
    if (typeof spec.source?.path === 'string') source = spec.source.path;
    else if (spec.source?.kind === 'http' && typeof spec.source.url === 'string') {
      // An API as runs name it (`http GET https://api.example.com/v1/orders?region=***`): its URL with
      // the password and every query value masked (an older saved spec may hold a key in clear).
      const method = typeof spec.source.method === 'string' ? spec.source.method : 'GET';
      source = `http ${method} ${maskUrl(spec.source.url)}`;
    } else if (typeof spec.source?.connection === 'string' && typeof spec.source.kind === 'string') {
      // A database source as runs name it (`postgres replica table crm.customers`), never a password.
      const what = typeof spec.source.table === 'string' ? `table ${spec.source.table}` : 'query';
      source = `${spec.source.kind} ${redactUrl(spec.source.connection)} ${what}`;
    }
    if (typeof spec.target?.table === 'string') table = spec.target.table;
    if (spec.target) mode = LOAD_MODES.find((m) => m === spec.target?.mode) ?? 'append';
  } catch {
    // Unreadable JSON shows as an empty source; get() reports it.
  }
  return {
    id: row.id,
    name: row.name,
    source,
    table,
    mode,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

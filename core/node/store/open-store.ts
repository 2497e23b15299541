import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LoadstoneError } from '../../common/errors.ts';
import {
  createPrivateFile,
  ensurePrivateDir,
  ensurePrivateFile,
  PRIVATE_DIR_MODE,
} from '../runtime/private-files.ts';
import { type AlertsRepo, createAlertsRepo } from './alerts.ts';
import { type ConnectionsRepo, createConnectionsRepo } from './connections.ts';
import type { StoreContext } from './context.ts';
import { storeFileIn } from './data-dir.ts';
import { markInterrupted, markInterruptedRuns } from './interrupted.ts';
import { createJobLocksRepo, type JobLocksRepo } from './job-locks.ts';
import { createJobsRepo, type JobsRepo } from './jobs.ts';
import { loadMigrations, type Migration, migrate } from './migrate.ts';
import { createRejectsRepo, type RejectsRepo } from './rejects.ts';
import { createReportsRepo, type ReportsRepo } from './reports.ts';
import { applyRetention, type RetentionResult } from './retention.ts';
import { createRunsRepo, type RunsRepo } from './runs.ts';
import { createSchedulersRepo, type SchedulersRepo } from './schedulers.ts';
import { createSchedulesRepo, type SchedulesRepo } from './schedules.ts';
import type { SecretStore } from './secret-store.ts';
import { createSettingsRepo, type SettingsRepo } from './settings.ts';
import { createSourceSecretsRepo, type SourceSecretsRepo } from './source-secrets.ts';
import { createWatermarksRepo, type WatermarksRepo } from './watermarks.ts';

/** The local run store: one SQLite file in the data folder. Synchronous, one process-local handle. */
export interface RunStore {
  /** The database file. */
  readonly path: string;
  /** Runs found `running` at open whose process had ended, now `interrupted`. */
  readonly interruptedAtOpen: readonly string[];
  readonly connections: ConnectionsRepo;
  /** Secrets of HTTP API sources (`{ "secret": id }`), encrypted. */
  readonly sourceSecrets: SourceSecretsRepo;
  readonly jobs: JobsRepo;
  /** Cross-process locks: two runs of one saved job never overlap. */
  readonly jobLocks: JobLocksRepo;
  /** Schedule state per saved job (paused, last fired, next run). */
  readonly schedules: SchedulesRepo;
  /** The schedulers running on this store; the oldest live one runs due jobs. */
  readonly schedulers: SchedulersRepo;
  readonly runs: RunsRepo;
  readonly rejects: RejectsRepo;
  readonly reports: ReportsRepo;
  readonly watermarks: WatermarksRepo;
  readonly settings: SettingsRepo;
  /** Alert channels, the default alert rule, deliveries. */
  readonly alerts: AlertsRepo;
  /** Deletes runs outside the retention settings, then reclaims the space (see retention.ts). */
  applyRetention(): RetentionResult;
  /**
   * Closes the database: rows still waiting in reject writers are written, runs this handle
   * started and did not finish become `interrupted`. Safe to call twice.
   */
  close(): void;
  /** Internals for the store's own modules (export) and tests. */
  readonly context: StoreContext;
}

export interface OpenStoreOptions {
  secretStore: SecretStore;
  /** Where the numbered SQL files are (default: the repository's `migrations/`). */
  migrationsDir?: string;
  /** Migrations to apply instead of reading `migrationsDir` (tests of upgrade paths). */
  migrations?: readonly Migration[];
  /** Clock (tests). */
  now?: () => Date;
}

const DB_EXT_RE = /\.(db|sqlite|sqlite3)$/i;

/**
 * Opens (creating when needed) the run store in a data folder, or at a `.db`/`.sqlite` file path:
 * WAL journal, foreign keys on, 5 s busy timeout, migrations applied, and runs left `running` by a
 * process that no longer exists marked `interrupted`.
 * @throws LoadstoneError STORE_UNAVAILABLE (cannot create/open, not a Loadstone store),
 *   STORE_MIGRATION (changed migration file, database from a newer version).
 */
export function openStore(dataDirOrDbPath: string, opts: OpenStoreOptions): RunStore {
  const file = storePath(dataDirOrDbPath);
  let db: Database.Database;
  try {
    // SQLite creates a database 0644 (minus the umask) and gives its -wal and -shm the database's
    // mode: a private database file makes all three private.
    createPrivateFile(file);
    for (const suffix of ['-wal', '-shm']) ensurePrivateFile(`${file}${suffix}`);
    db = new Database(file, { timeout: 5000 });
  } catch (error) {
    throw new LoadstoneError(
      'STORE_UNAVAILABLE',
      `cannot open the run store ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    try {
      db.pragma('busy_timeout = 5000');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`journal mode is '${String(mode)}', WAL is required`);
      db.pragma('foreign_keys = ON');
      // WAL + NORMAL: a crash of the app loses nothing committed; a power cut may lose the last commits.
      db.pragma('synchronous = NORMAL');
      // 16 MiB page cache (default 2 MiB): keeps the reject indexes' hot pages in memory, so writing
      // rejected rows stays linear as a report grows past a few hundred thousand rows.
      db.pragma('cache_size = -16384');
    } catch (error) {
      throw new LoadstoneError(
        'STORE_UNAVAILABLE',
        `cannot use the run store ${file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    migrate(db, opts.migrations ?? loadMigrations(opts.migrationsDir), file);
    return createStore(db, file, opts);
  } catch (error) {
    db.close();
    throw error;
  }
}

function createStore(db: Database.Database, file: string, opts: OpenStoreOptions): RunStore {
  const context: StoreContext = {
    db,
    path: file,
    secretStore: opts.secretStore,
    now: opts.now ?? (() => new Date()),
  };
  const owned = new Set<string>();
  const interruptedAtOpen = markInterruptedRuns(context);
  const settings = createSettingsRepo(context);
  const rejects = createRejectsRepo(context);
  return {
    path: file,
    interruptedAtOpen,
    connections: createConnectionsRepo(context),
    sourceSecrets: createSourceSecretsRepo(context),
    jobs: createJobsRepo(context),
    jobLocks: createJobLocksRepo(context),
    schedules: createSchedulesRepo(context),
    schedulers: createSchedulersRepo(context),
    runs: createRunsRepo(context, owned, (id) => rejects.flushPending(id)),
    rejects,
    reports: createReportsRepo(context),
    watermarks: createWatermarksRepo(context),
    settings,
    alerts: createAlertsRepo(context),
    applyRetention: () => applyRetention(context, settings.get().retention),
    close() {
      if (!db.open) return;
      try {
        rejects.flushPending();
        if (owned.size > 0) {
          const seqs = [...owned].map((id) => ({
            id,
            seq: db.prepare('SELECT seq FROM runs WHERE id = ?').pluck().get(id) as number,
          }));
          markInterrupted(context, seqs, 'the run store was closed before the run finished');
          owned.clear();
        }
      } finally {
        // Even when a last write fails (the error reaches the caller), the file is released.
        db.close();
      }
    },
    context,
  };
}

/**
 * A `.db`/`.sqlite` path or an existing file is the database; anything else is a data folder, which
 * is made private (0700): it holds rejected rows, keys and the warehouse password. A database file's
 * own folder is created private when missing but otherwise left as the operator made it.
 */
function storePath(target: string): string {
  const resolved = path.resolve(target);
  let isFile = DB_EXT_RE.test(resolved);
  try {
    isFile = statSync(resolved).isFile();
  } catch {
    // Does not exist yet: decided by the extension.
  }
  const dir = isFile ? path.dirname(resolved) : resolved;
  if (!isFile) {
    ensurePrivateDir(dir);
    return storeFileIn(resolved);
  }
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    throw new LoadstoneError(
      'STORE_UNAVAILABLE',
      `cannot create the data folder ${dir}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return resolved;
}

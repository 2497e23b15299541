import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { LoadstoneError } from '../../common/errors.ts';
import { packageRoot } from '../runtime/package-root.ts';

/** One numbered SQL file of `migrations/`. */
export interface Migration {
  /** 1 for `0001_core.sql`. */
  id: number;
  /** The file name, e.g. `0001_core.sql`. */
  name: string;
  sql: string;
  /** sha256 of the text with CRLF read as LF, so a Windows checkout does not count as a change. */
  checksum: string;
}

/** The repository's `migrations/` folder (hosts that package the app pass their own). */
export function defaultMigrationsDir(): string {
  return path.join(packageRoot(), 'migrations');
}

/** `PRAGMA application_id` of a Loadstone store ('LDST'), so foreign SQLite files are refused. */
export const APPLICATION_ID = 0x4c445354;

const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * Reads the numbered migrations of `dir`, in order.
 * @throws LoadstoneError STORE_MIGRATION when names or numbering are off (a gap, a duplicate).
 */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.sql'));
  } catch (error) {
    throw new LoadstoneError('STORE_MIGRATION', `cannot read the migrations folder '${dir}'`, {
      cause: error,
    });
  }
  const migrations = names.map((name) => {
    const m = FILE_RE.exec(name);
    if (!m) {
      throw new LoadstoneError(
        'STORE_MIGRATION',
        `migration file '${name}' in '${dir}' is not named NNNN_lower_snake.sql`,
      );
    }
    const sql = readFileSync(path.join(dir, name), 'utf8');
    return { id: Number(m[1]), name, sql, checksum: checksumOf(sql) };
  });
  migrations.sort((a, b) => a.id - b.id);
  migrations.forEach((m, i) => {
    if (m.id !== i + 1) {
      throw new LoadstoneError(
        'STORE_MIGRATION',
        `migrations in '${dir}' must be numbered 0001, 0002, … without gaps or duplicates; found '${m.name}' at position ${i + 1}`,
      );
    }
  });
  return migrations;
}

/** The checksum recorded for a migration's text. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

interface AppliedRow {
  id: number;
  name: string;
  checksum: string;
}

/**
 * Brings `db` up to date with `migrations`, each pending one in its own IMMEDIATE transaction and
 * recorded with its checksum. Refuses (STORE_MIGRATION, naming the file) when an applied migration's
 * file changed, when the database has migrations this version does not know (written by a newer
 * Loadstone: never downgraded), or when the file is another program's SQLite database.
 * Safe when two processes open a fresh store at once: each step re-checks inside its transaction.
 * @returns the names of the migrations applied now.
 */
export function migrate(db: Database, migrations: readonly Migration[], dbLabel: string): string[] {
  const appId = Number(db.pragma('application_id', { simple: true }));
  if (appId !== 0 && appId !== APPLICATION_ID) {
    throw notOurs(dbLabel, `its application id is ${appId}`);
  }
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  if (!tables.includes('schema_migrations') && tables.length > 0) {
    throw notOurs(dbLabel, `it has tables (${tables.slice(0, 3).join(', ')}…) but no migration history`);
  }
  if (appId === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);

  const readApplied = db.prepare('SELECT id, name, checksum FROM schema_migrations ORDER BY id');
  const record = db.prepare(
    'INSERT INTO schema_migrations (id, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  verifyApplied(readApplied.all() as AppliedRow[], migrations, dbLabel);

  const appliedNow: string[] = [];
  for (const migration of migrations) {
    const step = db.transaction(() => {
      // Re-read under the write lock: another process may have applied it meanwhile.
      const applied = readApplied.all() as AppliedRow[];
      verifyApplied(applied, migrations, dbLabel);
      if (applied.some((a) => a.id === migration.id)) return;
      try {
        db.exec(migration.sql);
      } catch (error) {
        throw new LoadstoneError(
          'STORE_MIGRATION',
          `migration ${migration.name} failed on ${dbLabel}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      record.run(migration.id, migration.name, migration.checksum, new Date().toISOString());
      appliedNow.push(migration.name);
    });
    step.immediate();
  }
  return appliedNow;
}

/** Applied migrations must be exactly a prefix of the files on disk, unchanged. */
function verifyApplied(
  applied: readonly AppliedRow[],
  migrations: readonly Migration[],
  dbLabel: string,
): void {
  applied.forEach((row, i) => {
    const file = migrations[i];
    if (row.id !== i + 1) {
      throw new LoadstoneError(
        'STORE_MIGRATION',
        `the migration history of ${dbLabel} is damaged: expected migration ${i + 1}, found ${row.id} (${row.name})`,
      );
    }
    if (!file) {
      throw new LoadstoneError(
        'STORE_MIGRATION',
        `${dbLabel} was written by a newer version of Loadstone (it has migration ${row.name}, which this version does not know). ` +
          'Upgrade Loadstone or use another data folder; a store is never downgraded',
        { details: { migration: row.name } },
      );
    }
    if (file.name !== row.name || file.checksum !== row.checksum) {
      throw new LoadstoneError(
        'STORE_MIGRATION',
        `migration file ${file.name} has changed since it was applied to ${dbLabel}` +
          (file.name !== row.name ? ` (it was applied as ${row.name})` : '') +
          ` (checksum ${row.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… now). ` +
          'Restore the original file: applied migrations are never edited, changes go in a new numbered file',
        { details: { migration: file.name } },
      );
    }
  });
}

function notOurs(dbLabel: string, why: string): LoadstoneError {
  return new LoadstoneError(
    'STORE_UNAVAILABLE',
    `${dbLabel} is not a Loadstone run store (${why}); refusing to change it`,
  );
}

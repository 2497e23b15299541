import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import { APPLICATION_ID, checksumOf, defaultMigrationsDir, loadMigrations, migrate } from './migrate.ts';
import { openStore } from './open-store.ts';
import { makeRejects, sampleSpec, tempDir, testSecretStore } from './test-fixtures/support.ts';

const migrations = loadMigrations();

function rawDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

function thrown(fn: () => unknown): LoadstoneError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LoadstoneError);
    return error as LoadstoneError;
  }
  throw new Error('expected an error');
}

describe('migrations', () => {
  it('has at least two numbered files, in order', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(2);
    expect(migrations.map((m) => m.id)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('creates a fresh store with every migration recorded, WAL and foreign keys on', () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    const db = store.context.db;
    expect(db.prepare('SELECT name, checksum FROM schema_migrations ORDER BY id').all()).toEqual(
      migrations.map((m) => ({ name: m.name, checksum: m.checksum })),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    store.close();
    expect(fs.existsSync(path.join(dir, 'loadstone.db'))).toBe(true);
    // Opening again applies nothing and keeps the history.
    const again = openStore(dir, { secretStore: testSecretStore() });
    expect(again.context.db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(
      migrations.length,
    );
    again.close();
  });

  // Every earlier step: a store left at migration k (with data written at that step) opens normally.
  for (let k = 0; k < migrations.length; k++) {
    it(`upgrades a store left at migration ${k} and keeps its data`, () => {
      const file = path.join(tempDir(), 'loadstone.db');
      const db = rawDb(file);
      migrate(db, migrations.slice(0, k), file);
      if (k >= 1) {
        // Data as schema 1 wrote it: a run and a rejected row with its error.
        db.prepare(`INSERT INTO runs (id, spec, source, target, target_table, mode, status, started_at, ended_at)
          VALUES ('r_old', ?, 'old.csv', 'local', 't', 'append', 'failed', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:01.000Z')`).run(
          JSON.stringify(sampleSpec()),
        );
        const seq = db.prepare("SELECT seq FROM runs WHERE id = 'r_old'").pluck().get();
        const rowId = db
          .prepare(`INSERT INTO rejected_rows (run_seq, line, stage, raw, errors) VALUES (?, 7, 'normalize', '{"a":"x"}',
            '[{"column":"a","value":"x","reason":"invalid_number","message":"no","sqlstate":null}]')`)
          .run(seq).lastInsertRowid;
        db.prepare(`INSERT INTO reject_errors (run_seq, row_id, stage, column_name, reason, value)
          VALUES (?, ?, 'normalize', 'a', 'invalid_number', 'x')`).run(seq, rowId);
      }
      db.close();

      const store = openStore(file, { secretStore: testSecretStore() });
      expect(store.context.db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(
        migrations.length,
      );
      if (k >= 1) {
        expect(store.runs.get('r_old')).toMatchObject({ status: 'failed', source: 'old.csv' });
        expect(store.reports.page('r_old', { reason: 'invalid_number', column: 'a' }).rows).toMatchObject([
          { line: 7, raw: { a: 'x' } },
        ]);
        expect(store.reports.summary('r_old')).toEqual([
          { reason: 'invalid_number', column: 'a', stage: 'normalize', count: 1, example: 'x' },
        ]);
      }
      // Every later feature works on the upgraded store.
      store.settings.set({ dateOrder: 'DMY' });
      store.watermarks.set('job', 't', '2024-01-01');
      const id = store.runs.create({ spec: sampleSpec() });
      store.rejects.writer(id).add(makeRejects(0, 3));
      store.close();
    });
  }

  it('refuses to open when an applied migration file changed, naming the file', () => {
    const dir = tempDir();
    openStore(dir, { secretStore: testSecretStore() }).close();
    const tampered = migrations.map((m, i) =>
      i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: checksumOf(`${m.sql}\n-- edited`) } : m,
    );
    const error = thrown(() => openStore(dir, { secretStore: testSecretStore(), migrations: tampered }));
    expect(error.code).toBe('STORE_MIGRATION');
    expect(error.message).toContain(`migration file ${migrations[0]!.name} has changed`);
  });

  it('reads a changed file from a migrations folder the same way', () => {
    const dir = tempDir();
    const folder = path.join(tempDir(), 'migrations');
    fs.cpSync(defaultMigrationsDir(), folder, { recursive: true });
    openStore(dir, { secretStore: testSecretStore(), migrationsDir: folder }).close();
    // Line endings alone are not a change (a Windows checkout).
    const second = migrations[1]!.name;
    const text = fs.readFileSync(path.join(folder, second), 'utf8');
    fs.writeFileSync(path.join(folder, second), text.replace(/\n/g, '\r\n'));
    openStore(dir, { secretStore: testSecretStore(), migrationsDir: folder }).close();
    fs.writeFileSync(
      path.join(folder, second),
      text.replace('CREATE TABLE settings', 'CREATE TABLE  settings'),
    );
    const error = thrown(() => openStore(dir, { secretStore: testSecretStore(), migrationsDir: folder }));
    expect(error.message).toContain(`migration file ${second} has changed`);
  });

  it('refuses a store written by a newer version and leaves it untouched', () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    store.context.db
      .prepare(
        "INSERT INTO schema_migrations (id, name, checksum, applied_at) VALUES (?, '9999_future.sql', 'x', 'now')",
      )
      .run(migrations.length + 1);
    store.close();
    const before = fs.readFileSync(path.join(dir, 'loadstone.db'));
    const error = thrown(() => openStore(dir, { secretStore: testSecretStore() }));
    expect(error.code).toBe('STORE_MIGRATION');
    expect(error.message).toContain('written by a newer version of Loadstone');
    expect(error.message).toContain('9999_future.sql');
    expect(fs.readFileSync(path.join(dir, 'loadstone.db')).equals(before)).toBe(true);
  });

  it('refuses a migrations folder with a gap', () => {
    const folder = tempDir();
    fs.writeFileSync(path.join(folder, '0001_a.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(folder, '0003_c.sql'), 'SELECT 1;');
    expect(thrown(() => loadMigrations(folder)).message).toContain('without gaps');
    fs.writeFileSync(path.join(folder, '0002_Bad-Name.sql'), 'SELECT 1;');
    expect(thrown(() => loadMigrations(folder)).message).toContain("'0002_Bad-Name.sql'");
  });

  it('rolls a failing migration back and names it', () => {
    const file = path.join(tempDir(), 'x.db');
    const bad = [
      ...migrations,
      {
        id: migrations.length + 1,
        name: '9000_bad.sql',
        sql: 'CREATE TABLE ok_t (a); SELECT * FROM nope;',
        checksum: 'c',
      },
    ];
    const error = thrown(() => openStore(file, { secretStore: testSecretStore(), migrations: bad }));
    expect(error.message).toContain('migration 9000_bad.sql failed');
    const db = new Database(file);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ok_t'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(migrations.length);
    db.close();
  });

  it('refuses a SQLite file of another program, and a file that is not a database', () => {
    const dir = tempDir();
    const other = path.join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    const error = thrown(() => openStore(other, { secretStore: testSecretStore() }));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('not a Loadstone run store');

    const junk = path.join(dir, 'junk.db');
    fs.writeFileSync(
      junk,
      'this is not sqlite at all, just text that is long enough to be a header'.repeat(20),
    );
    expect(thrown(() => openStore(junk, { secretStore: testSecretStore() })).code).toBe('STORE_UNAVAILABLE');
  });
});

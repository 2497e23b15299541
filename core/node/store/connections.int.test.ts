import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openStore, type RunStore } from './open-store.ts';
import { KeyedSecretStore, NoSecretStore, type SecretStore } from './secret-store.ts';
import { tempDir, testSecretStore } from './test-fixtures/support.ts';

const SECRET = 'Sup3r-S3cret-Passw0rd!';

function open(dir: string, secretStore: SecretStore = testSecretStore()): RunStore {
  return openStore(dir, { secretStore });
}

/** Every byte of the store: main file and WAL (a checkpoint may not have happened yet). */
function storeBytes(dir: string): Buffer {
  return Buffer.concat(
    fs
      .readdirSync(dir)
      .filter((n) => n.startsWith('loadstone.db'))
      .map((n) => fs.readFileSync(path.join(dir, n))),
  );
}

describe('connections', () => {
  it('saves the secret encrypted only: never in the database bytes, never in the API', () => {
    const dir = tempDir();
    const store = open(dir);
    const info = store.connections.save({
      name: 'wh',
      url: `postgres://bob:${encodeURIComponent(SECRET)}@db.example.com/sales?sslmode=require`,
    });
    expect(info).toMatchObject({
      name: 'wh',
      kind: 'postgres',
      host: 'db.example.com',
      port: 5432,
      database: 'sales',
      user: 'bob',
      sslMode: 'require',
      hasSecret: true,
    });
    expect(JSON.stringify([info, store.connections.list(), store.connections.get('wh')])).not.toContain(
      SECRET,
    );
    expect(storeBytes(dir).includes(Buffer.from(SECRET))).toBe(false);
    store.context.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(storeBytes(dir).includes(Buffer.from(SECRET))).toBe(false);
    expect(storeBytes(dir).includes(Buffer.from(SECRET, 'utf16le'))).toBe(false);

    const resolved = store.connections.resolve('wh', { env: {} });
    expect(resolved).toMatchObject({
      host: 'db.example.com',
      user: 'bob',
      password: SECRET,
      passwordSource: 'saved',
    });
    expect(resolved.ssl).toEqual({ rejectUnauthorized: false });
    // A stray log line does not show it either.
    expect(JSON.stringify(resolved)).not.toContain(SECRET);
    expect(inspect(resolved)).not.toContain(SECRET);
    store.close();
  });

  it('refuses to save a password without OS encryption, with a message saying what to do', () => {
    const store = open(tempDir(), new NoSecretStore());
    expect(() => store.connections.save({ name: 'wh', url: `postgres://bob:${SECRET}@h/db` })).toThrowError(
      /no OS encryption.*never stores passwords in plain text.*postgres:\/\/bob@h:5432\/db.*PGPASSWORD.*pgpass/,
    );
    expect(store.connections.list()).toEqual([]);
    // Without a password it is fine.
    expect(store.connections.save({ name: 'wh', url: 'postgres://bob@h/db' }).hasSecret).toBe(false);
    store.close();
  });

  it('refuses bad and reserved names and duplicates; replaces on request', () => {
    const store = open(tempDir());
    expect(() => store.connections.save({ name: 'local', url: 'postgres://h/db' })).toThrowError(
      "'local' is reserved",
    );
    expect(() => store.connections.save({ name: 'LOCAL', url: 'postgres://h/db' })).toThrowError(
      "'local' is reserved",
    );
    expect(() => store.connections.save({ name: 'a b', url: 'postgres://h/db' })).toThrowError(
      'is not allowed',
    );
    expect(() => store.connections.save({ name: 'postgres://x', url: 'postgres://h/db' })).toThrowError(
      'is not allowed',
    );
    store.connections.save({ name: 'wh', url: `postgres://u:${SECRET}@h/db` });
    expect(() => store.connections.save({ name: 'WH', url: 'postgres://h/db' })).toThrowError(
      'already exists',
    );
    // Replacing drops the old secret rather than sending it to the new settings.
    const replaced = store.connections.save({ name: 'wh', url: 'postgres://other/db' }, { overwrite: true });
    expect(replaced).toMatchObject({ host: 'other', hasSecret: false });
    store.close();
  });

  it('editing keeps the secret unless a new one (or an empty one) is given; renames', () => {
    const store = open(tempDir());
    store.connections.save({ name: 'wh', url: 'postgres://u@h/db', password: SECRET });
    const edited = store.connections.save({
      previousName: 'wh',
      name: 'warehouse',
      host: 'h2',
      database: 'db2',
    });
    expect(edited).toMatchObject({ name: 'warehouse', host: 'h2', database: 'db2', hasSecret: true });
    expect(store.connections.get('wh')).toBeUndefined();
    expect(store.connections.resolve('warehouse', { env: {} }).password).toBe(SECRET);
    expect(
      store.connections.save({ previousName: 'warehouse', name: 'warehouse', password: '' }).hasSecret,
    ).toBe(false);
    expect(() => store.connections.save({ previousName: 'nope', name: 'x' })).toThrowError(
      "no saved connection named 'nope'",
    );
    expect(store.connections.remove('warehouse')).toBe(true);
    expect(store.connections.remove('warehouse')).toBe(false);
    store.close();
  });

  it('an edit by fields keeps what only the URL said (sslrootcert, application_name, connect_timeout)', () => {
    const dir = tempDir();
    const store = open(dir);
    const ca = path.join(dir, 'private-ca.pem');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    store.connections.save({
      name: 'wh',
      url: `postgres://bob@db.example.com/sales?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}&application_name=etl&connect_timeout=7`,
    });
    const options = { sslRootCert: ca, applicationName: 'etl', connectTimeoutSeconds: 7 };
    // The form's fields: a rename and another host, no URL.
    const fields = {
      previousName: 'wh',
      name: 'warehouse',
      host: 'db2.example.com',
      port: 5432,
      database: 'sales',
      user: 'bob',
      sslMode: 'verify-full' as const,
    };
    // Test connection before saving sees them too.
    const draft = store.connections.resolveDraft(fields, { env: {} });
    expect(draft).toMatchObject({
      host: 'db2.example.com',
      application_name: 'etl',
      connectionTimeoutMillis: 7000,
    });
    expect(draft.ssl).toMatchObject({ ca: expect.stringContaining('BEGIN CERTIFICATE') });
    const edited = store.connections.save(fields);
    expect(edited).toMatchObject({ name: 'warehouse', host: 'db2.example.com', options });
    expect(store.connections.displayUrl(edited)).toContain('application_name=etl');
    // A URL says everything: one without them drops them.
    const byUrl = store.connections.save({
      previousName: 'warehouse',
      name: 'warehouse',
      url: 'postgres://bob@db2.example.com/sales?sslmode=verify-full',
    });
    expect(byUrl.options).toEqual({});
    store.close();
  });

  it('a secret saved by another key is reported clearly unless the environment supplies a password', () => {
    const dir = tempDir();
    const first = open(dir, new KeyedSecretStore(Buffer.alloc(32, 1)));
    first.connections.save({ name: 'wh', url: 'postgres://u@h/db', password: SECRET });
    first.close();
    const other = open(dir, new KeyedSecretStore(Buffer.alloc(32, 2)));
    expect(() => other.connections.resolve('wh', { env: {}, pgpassPath: '/none' })).toThrowError(
      /saved password of connection 'wh' is unusable: it cannot be decrypted/,
    );
    expect(other.connections.resolve('wh', { env: { PGPASSWORD: 'fromenv' } })).toMatchObject({
      password: 'fromenv',
      passwordSource: 'PGPASSWORD',
    });
    other.close();
    const cli = open(dir, new NoSecretStore());
    expect(() => cli.connections.resolve('wh', { env: {}, pgpassPath: '/none' })).toThrowError(
      /desktop app.*PGPASSWORD/,
    );
    cli.close();
  });
});

describe('resolveConnection', () => {
  it('password order: saved > URL > PGPASSWORD > pgpass', () => {
    const dir = tempDir();
    const pgpass = path.join(dir, 'pgpass');
    fs.writeFileSync(pgpass, 'h:5432:db:u:frompgpass\n', { mode: 0o600 });
    fs.chmodSync(pgpass, 0o600);
    const store = open(dir);
    store.connections.save({ name: 'saved', url: 'postgres://u@h/db', password: 'fromsaved' });
    const env = { PGPASSWORD: 'fromenv' };
    expect(store.connections.resolve('saved', { env, pgpassPath: pgpass }).passwordSource).toBe('saved');
    expect(store.connections.resolve('postgres://u:fromurl@h/db', { env, pgpassPath: pgpass })).toMatchObject(
      {
        password: 'fromurl',
        label: 'postgres://u:***@h/db',
      },
    );
    expect(store.connections.resolve('postgres://u@h/db', { env, pgpassPath: pgpass }).password).toBe(
      'fromenv',
    );
    expect(store.connections.resolve('postgres://u@h/db', { env: {}, pgpassPath: pgpass })).toMatchObject({
      password: 'frompgpass',
      passwordSource: 'pgpass',
    });
    const none = store.connections.resolve('postgres://u@other/db', { env: {}, pgpassPath: pgpass });
    expect(none.passwordSource).toBe('none');
    expect('password' in none).toBe(false);
    store.close();
  });

  it('fills missing parts from PG* variables, then libpq defaults', () => {
    const store = open(tempDir());
    const env = {
      PGHOST: 'envhost',
      PGPORT: '6000',
      PGUSER: 'envuser',
      PGSSLMODE: 'require',
      PGPASSFILE: '/none',
    };
    expect(store.connections.resolve('postgres://', { env })).toMatchObject({
      host: 'envhost',
      port: 6000,
      user: 'envuser',
      database: 'envuser',
      ssl: { rejectUnauthorized: false },
    });
    expect(
      store.connections.resolve('postgres:///db?connect_timeout=3&application_name=ls', {
        env: { USER: 'me', PGPASSFILE: '/none' },
      }),
    ).toMatchObject({
      host: 'localhost',
      port: 5432,
      user: 'me',
      database: 'db',
      ssl: false,
      connectionTimeoutMillis: 3000,
      application_name: 'ls',
    });
    store.close();
  });

  it('an unknown name is NOT_FOUND and local is the loader’s', () => {
    const store = open(tempDir());
    expect(() => store.connections.resolve('nope', { env: {} })).toThrowError(
      expect.objectContaining({
        code: 'NOT_FOUND',
        message: expect.stringContaining("no saved connection named 'nope'"),
      }),
    );
    expect(() => store.connections.resolve('local', { env: {} })).toThrowError(
      expect.objectContaining({ code: 'BAD_USAGE' }),
    );
    store.close();
  });
});

import { LoadstoneError } from '../../common/errors.ts';
import { redactUrl } from '../../common/spec/source-label.ts';
import {
  isMysqlUrl,
  MYSQL_PORT,
  type MysqlConnectionConfig,
  mysqlConfig,
  parseMysqlUrl,
  resolveMysqlUrl,
} from '../sources/mysql/mysql-url.ts';
import type { StoreContext } from './context.ts';
import {
  formatPostgresUrl,
  type PostgresUrlParts,
  parsePostgresUrl,
  SSL_MODES,
  type SslMode,
} from './postgres-url.ts';
import {
  LOCAL_CONNECTION,
  type ResolveConnectionOptions,
  type ResolvedConnection,
  resolveConnection,
  type SavedConnectionRecord,
} from './resolve-connection.ts';
import type { ConnectionInfo, ConnectionInput, ConnectionKind, ConnectionOptions } from './types.ts';

/** Saved connections. Secrets go in encrypted and never come out of this API except into `resolve`. */
export interface ConnectionsRepo {
  list(): ConnectionInfo[];
  get(name: string): ConnectionInfo | undefined;
  /**
   * Creates a connection, or edits `previousName`. Without `previousName` an existing name is
   * refused unless `overwrite` (which replaces everything, the secret included).
   * @throws LoadstoneError BAD_USAGE (bad name, `local`, duplicate, bad URL),
   *   SECRET_UNAVAILABLE when a password is given and the SecretStore cannot encrypt,
   *   NOT_FOUND when `previousName` does not exist.
   */
  save(input: ConnectionInput, opts?: { overwrite?: boolean }): ConnectionInfo;
  /** @returns false when there was no such connection. */
  remove(name: string): boolean;
  /** A URL or a saved name → a `pg` client config (see `resolveConnection`). */
  resolve(
    nameOrUrl: string,
    opts: Omit<ResolveConnectionOptions, 'secretStore' | 'lookup'>,
  ): ResolvedConnection;
  /**
   * The connection form as it stands, before it is saved → a `pg` client config: its password (or
   * the URL's), else the saved secret of `previousName`, else PGPASSWORD / ~/.pgpass. Saves nothing.
   * @throws LoadstoneError BAD_USAGE (bad URL or SSL mode), NOT_FOUND (`previousName`).
   */
  resolveDraft(
    input: Omit<ConnectionInput, 'name'> & { name?: string },
    opts: Omit<ResolveConnectionOptions, 'secretStore' | 'lookup'>,
  ): ResolvedConnection;
  /**
   * A MySQL source's `mysql://` URL or saved MySQL connection → what it connects with. Password order:
   * the saved encrypted secret, the URL's, `MYSQL_PWD`.
   * @throws LoadstoneError NOT_FOUND (unknown name), BAD_USAGE (bad URL, a PostgreSQL connection),
   *   SECRET_UNAVAILABLE (only an undecryptable saved secret could give the password).
   */
  resolveMysql(nameOrUrl: string, opts: { env: NodeJS.ProcessEnv }): MysqlConnectionConfig;
  /** The URL of a saved connection, without any password (for display). */
  displayUrl(info: ConnectionInfo): string;
}

/** Connection names: what the contract allows, and never something that looks like a URL. */
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

interface ConnectionRow {
  id: number;
  name: string;
  kind: ConnectionKind;
  host: string;
  port: number;
  database: string;
  user_name: string;
  ssl_mode: SslMode;
  options: string;
  secret: Buffer | null;
  created_at: string;
  updated_at: string;
}

/** Creates the connections part of a store. */
export function createConnectionsRepo(ctx: StoreContext): ConnectionsRepo {
  const { db } = ctx;
  const byName = db.prepare('SELECT * FROM connections WHERE name = ?');
  const all = db.prepare('SELECT * FROM connections ORDER BY name COLLATE NOCASE');
  const insert =
    db.prepare(`INSERT INTO connections (name, kind, host, port, database, user_name, ssl_mode, options,
    secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const update =
    db.prepare(`UPDATE connections SET name = ?, kind = ?, host = ?, port = ?, database = ?, user_name = ?,
    ssl_mode = ?, options = ?, secret = ?, updated_at = ? WHERE id = ?`);
  const del = db.prepare('DELETE FROM connections WHERE name = ?');

  const record = (name: string): (SavedConnectionRecord & { kind: ConnectionKind }) | undefined => {
    const row = byName.get(name) as ConnectionRow | undefined;
    return row
      ? {
          name: row.name,
          host: row.host,
          port: row.port,
          database: row.database,
          user: row.user_name,
          sslMode: row.ssl_mode,
          options: JSON.parse(row.options) as ConnectionOptions,
          secret: row.secret,
          kind: row.kind,
        }
      : undefined;
  };

  return {
    list: () => (all.all() as ConnectionRow[]).map(toInfo),

    get(name) {
      const row = byName.get(name) as ConnectionRow | undefined;
      return row ? toInfo(row) : undefined;
    },

    save(input, opts = {}) {
      const name = input.name.trim();
      if (!NAME_RE.test(name)) {
        throw new LoadstoneError(
          'BAD_USAGE',
          `connection name '${name}' is not allowed: use 1 to 64 letters, digits, '_', '.' or '-'`,
        );
      }
      if (name.toLowerCase() === LOCAL_CONNECTION) {
        throw new LoadstoneError(
          'BAD_USAGE',
          "'local' is reserved for the embedded warehouse; choose another name",
        );
      }
      const { settings, password, kind } = formSettings(input);

      return db.transaction((): ConnectionInfo => {
        const editing =
          input.previousName !== undefined ? (byName.get(input.previousName) as ConnectionRow) : undefined;
        if (input.previousName !== undefined && !editing) {
          throw new LoadstoneError('NOT_FOUND', `no saved connection named '${input.previousName}'`);
        }
        const existing = byName.get(name) as ConnectionRow | undefined;
        if (existing && existing.id !== editing?.id && !(opts.overwrite && !editing)) {
          throw new LoadstoneError(
            'BAD_USAGE',
            `a connection named '${existing.name}' already exists; remove it first or replace it`,
          );
        }
        // An edit by fields (no URL) keeps what only a URL can say: sslrootcert, application_name,
        // connect_timeout (a verify-full connection to a private CA kept working after a rename).
        if (editing) keepUrlOptions(settings, input, kind, editing.kind, JSON.parse(editing.options));
        let secret: Buffer | null;
        if (password !== undefined && password !== '') {
          secret = encryptSecret(ctx, name, password, settings, kind);
        } else if (password === '') {
          secret = null;
        } else {
          // Editing keeps the saved secret; replacing a connection does not carry it to new settings.
          secret = editing ? editing.secret : null;
        }
        const now = ctx.now().toISOString();
        const values = [
          kind,
          settings.host,
          settings.port,
          settings.database,
          settings.user,
          settings.sslMode,
          JSON.stringify(settings.options),
          secret,
        ] as const;
        const target = editing ?? existing;
        if (target) update.run(name, ...values, now, target.id);
        else insert.run(name, ...values, now, now);
        return toInfo(byName.get(name) as ConnectionRow);
      })();
    },

    remove: (name) => del.run(name).changes > 0,

    resolve(nameOrUrl, opts) {
      const row = byName.get(nameOrUrl.trim()) as ConnectionRow | undefined;
      if (row?.kind === 'mysql') {
        throw new LoadstoneError(
          'BAD_USAGE',
          `connection '${row.name}' is a MySQL connection: it can be a source, not a PostgreSQL target`,
        );
      }
      return resolveConnection(nameOrUrl, { ...opts, secretStore: ctx.secretStore, lookup: record });
    },

    resolveMysql(nameOrUrl, opts) {
      if (isMysqlUrl(nameOrUrl)) return resolveMysqlUrl(nameOrUrl, opts.env);
      const row = byName.get(nameOrUrl.trim()) as ConnectionRow | undefined;
      if (!row) {
        throw new LoadstoneError(
          'NOT_FOUND',
          `no saved connection named '${redactUrl(nameOrUrl)}'; a MySQL source is a saved MySQL connection (see 'loadstone connections list') or a mysql:// URL`,
        );
      }
      if (row.kind !== 'mysql') {
        throw new LoadstoneError(
          'BAD_USAGE',
          `connection '${row.name}' is a PostgreSQL connection, not a MySQL one`,
        );
      }
      let saved: string | undefined;
      if (row.secret) {
        if (ctx.secretStore.isAvailable()) {
          try {
            saved = ctx.secretStore.decrypt(row.secret);
          } catch {
            if (!opts.env.MYSQL_PWD) {
              throw new LoadstoneError(
                'SECRET_UNAVAILABLE',
                `the saved password of connection '${row.name}' cannot be decrypted (saved by another user or machine?); save the connection again or set MYSQL_PWD`,
              );
            }
          }
        } else if (!opts.env.MYSQL_PWD) {
          throw new LoadstoneError(
            'SECRET_UNAVAILABLE',
            `the saved password of connection '${row.name}' was saved by the desktop app and this process has no OS encryption to read it; set MYSQL_PWD`,
          );
        }
      }
      return mysqlConfig(
        {
          host: row.host || undefined,
          port: row.port,
          database: row.database || undefined,
          user: row.user_name || undefined,
          password: undefined,
          sslMode: row.ssl_mode === 'require' || row.ssl_mode === 'verify-full' ? row.ssl_mode : 'disable',
        },
        row.name,
        opts.env,
        saved,
      );
    },

    resolveDraft(input, opts) {
      const { settings, password, kind } = formSettings(input);
      const editing = input.previousName !== undefined ? record(input.previousName) : undefined;
      if (input.previousName !== undefined && !editing) {
        throw new LoadstoneError('NOT_FOUND', `no saved connection named '${input.previousName}'`);
      }
      if (editing) keepUrlOptions(settings, input, kind, editing.kind, editing.options);
      const label = input.name?.trim() || input.previousName || 'the connection being edited';
      const draft: SavedConnectionRecord = {
        name: label,
        ...settings,
        // A password typed in the form (even empty: "none") wins over the saved one.
        secret: password === undefined ? (editing?.secret ?? null) : null,
      };
      const resolved = resolveConnection(DRAFT, {
        ...opts,
        secretStore: ctx.secretStore,
        lookup: (name) => (name === DRAFT ? draft : undefined),
      });
      if (password !== undefined && password !== '') {
        resolved.password = password;
        resolved.passwordSource = 'url';
      }
      return resolved;
    },

    displayUrl: (info) =>
      info.kind === 'mysql'
        ? mysqlDisplayUrl(info)
        : formatPostgresUrl({
            host: info.host,
            port: info.port,
            database: info.database || undefined,
            user: info.user || undefined,
            sslMode: info.sslMode === 'prefer' ? undefined : info.sslMode,
            sslRootCert: info.options.sslRootCert,
            applicationName: info.options.applicationName,
            connectTimeoutSeconds: info.options.connectTimeoutSeconds,
          }),
  };
}

/** The lookup name of a connection being tested before it is saved (never a saved name: it has a space). */
const DRAFT = 'draft connection';

/** A saved MySQL connection's URL, without a password. */
function mysqlDisplayUrl(info: ConnectionInfo): string {
  const user = info.user ? `${encodeURIComponent(info.user)}@` : '';
  const host = info.host.includes(':') ? `[${info.host}]` : info.host;
  const db = info.database ? `/${encodeURIComponent(info.database)}` : '';
  const ssl =
    info.sslMode === 'disable'
      ? ''
      : `?ssl-mode=${info.sslMode === 'require' ? 'REQUIRED' : 'VERIFY_IDENTITY'}`;
  return `mysql://${user}${host}:${info.port}${db}${ssl}`;
}

/** A connection form's settings (fields win over the URL's parts), its kind and its password, if any. */
function formSettings(input: Omit<ConnectionInput, 'name'>): {
  settings: Omit<SavedConnectionRecord, 'name' | 'secret'>;
  password: string | undefined;
  kind: ConnectionKind;
} {
  const kind: ConnectionKind = input.kind ?? (input.url && isMysqlUrl(input.url) ? 'mysql' : 'postgres');
  if (kind === 'mysql') {
    if (input.url && !isMysqlUrl(input.url)) {
      throw new LoadstoneError('BAD_USAGE', 'a MySQL connection needs a mysql:// or mariadb:// URL');
    }
    const fromUrl = input.url ? parseMysqlUrl(input.url) : undefined;
    const sslMode = input.sslMode ?? fromUrl?.sslMode ?? 'disable';
    if (sslMode !== 'disable' && sslMode !== 'require' && sslMode !== 'verify-full') {
      throw new LoadstoneError(
        'BAD_USAGE',
        `sslMode '${sslMode}' is not one of disable, require, verify-full (a MySQL connection)`,
      );
    }
    return {
      kind,
      settings: {
        host: input.host ?? fromUrl?.host ?? 'localhost',
        port: input.port ?? fromUrl?.port ?? MYSQL_PORT,
        database: input.database ?? fromUrl?.database ?? '',
        user: input.user ?? fromUrl?.user ?? '',
        sslMode,
        options: {},
      },
      password: input.password ?? fromUrl?.password,
    };
  }
  if (input.url && isMysqlUrl(input.url)) {
    throw new LoadstoneError('BAD_USAGE', "a mysql:// URL makes a MySQL connection, not kind 'postgres'");
  }
  const fromUrl: Partial<PostgresUrlParts> = input.url ? parsePostgresUrl(input.url) : {};
  const sslMode = input.sslMode ?? fromUrl.sslMode ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(sslMode)) {
    throw new LoadstoneError('BAD_USAGE', `sslMode '${sslMode}' is not one of ${SSL_MODES.join(', ')}`);
  }
  const settings = {
    host: input.host ?? fromUrl.host ?? 'localhost',
    port: input.port ?? fromUrl.port ?? 5432,
    database: input.database ?? fromUrl.database ?? '',
    user: input.user ?? fromUrl.user ?? '',
    sslMode,
    options: cleanOptions({
      sslRootCert: fromUrl.sslRootCert,
      applicationName: fromUrl.applicationName,
      connectTimeoutSeconds: fromUrl.connectTimeoutSeconds,
      ...input.options,
    }),
  };
  return { kind, settings, password: input.password ?? fromUrl.password };
}

function encryptSecret(
  ctx: StoreContext,
  name: string,
  password: string,
  settings: { host: string; port: number; database: string; user: string; sslMode: SslMode },
  kind: ConnectionKind,
): Buffer {
  if (!ctx.secretStore.isAvailable() && kind === 'mysql') {
    const url = mysqlDisplayUrl({ ...settings, kind } as ConnectionInfo);
    throw new LoadstoneError(
      'SECRET_UNAVAILABLE',
      `cannot save the password of connection '${name}': no OS encryption is available here, and Loadstone never ` +
        `stores passwords in plain text. Save it without the password (${url}) and set MYSQL_PWD`,
    );
  }
  if (!ctx.secretStore.isAvailable()) {
    const url = formatPostgresUrl({
      host: settings.host,
      port: settings.port,
      database: settings.database || undefined,
      user: settings.user || undefined,
      sslMode: undefined,
      sslRootCert: undefined,
      applicationName: undefined,
      connectTimeoutSeconds: undefined,
    });
    throw new LoadstoneError(
      'SECRET_UNAVAILABLE',
      `cannot save the password of connection '${name}': no OS encryption is available here, and Loadstone never ` +
        `stores passwords in plain text. Save it without the password (${url}) and set PGPASSWORD or add it to ~/.pgpass`,
    );
  }
  return ctx.secretStore.encrypt(password);
}

/**
 * An edit that gives neither a URL nor options (the form's fields) keeps the saved connection's
 * options, which only a URL can set (`sslrootcert`, `application_name`, `connect_timeout`): they were
 * dropped, so a `verify-full` connection to a private CA silently lost its CA on a rename.
 */
function keepUrlOptions(
  settings: { options: ConnectionOptions },
  input: Omit<ConnectionInput, 'name'>,
  kind: ConnectionKind,
  savedKind: ConnectionKind,
  saved: ConnectionOptions,
): void {
  if (input.url !== undefined || input.options !== undefined || kind !== savedKind) return;
  settings.options = { ...saved };
}

function cleanOptions(options: ConnectionOptions): ConnectionOptions {
  const out: ConnectionOptions = {};
  if (options.sslRootCert !== undefined) out.sslRootCert = options.sslRootCert;
  if (options.applicationName !== undefined) out.applicationName = options.applicationName;
  if (options.connectTimeoutSeconds !== undefined) out.connectTimeoutSeconds = options.connectTimeoutSeconds;
  return out;
}

function toInfo(row: ConnectionRow): ConnectionInfo {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    host: row.host,
    port: row.port,
    database: row.database,
    user: row.user_name,
    sslMode: row.ssl_mode,
    options: JSON.parse(row.options) as ConnectionOptions,
    hasSecret: row.secret !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

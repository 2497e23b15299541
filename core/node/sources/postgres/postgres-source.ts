import pg from 'pg';
import Cursor from 'pg-cursor';
import { LoadstoneError } from '../../../common/errors.ts';
import type { PostgresSourceSpec } from '../../../common/spec/job-spec.ts';
import { sourceLabel } from '../../../common/spec/source-label.ts';
import type { RawValue } from '../../../common/types.ts';
import { quoteIdent, quoteTableName } from '../../pg/identifiers.ts';
import { type ResolvedConnection, resolveConnection } from '../../store/resolve-connection.ts';
import { NoSecretStore } from '../../store/secret-store.ts';
import {
  type DatabaseReader,
  databaseSource,
  keyPlace,
  pushdownColumn,
} from '../database/database-source.ts';
import { naiveLowerBound } from '../database/watermark-bound.ts';
import type { OpenedSource, OpenSourceOptions } from '../types.ts';
import { type CopyReader, openCopyReader } from './copy-reader.ts';
import { columnTypeOf, NAIVE_TIMESTAMP_OID, SOURCE_TYPES } from './pg-types.ts';

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/**
 * Opens a PostgreSQL table or query for reading: one connection, a `BEGIN READ ONLY` transaction
 * (the server refuses a query that writes), and a server-side cursor read in batches, so memory
 * stays flat whatever the size. An incremental watermark is pushed down as
 * `WHERE col > $1 ORDER BY col`; a preview with `sample: 'tablesample'` reads a `TABLESAMPLE`.
 * @throws LoadstoneError SOURCE_UNREACHABLE (cannot connect, login or TLS refused, connection lost
 *   mid-read), SOURCE_UNREADABLE (the query is refused), SPEC_INVALID, NOT_FOUND
 */
export async function openPostgresSource(
  spec: PostgresSourceSpec,
  opts: OpenSourceOptions,
): Promise<OpenedSource> {
  const label = sourceLabel(spec);
  const config = opts.resolveConnection
    ? opts.resolveConnection(spec.connection)
    : resolveConnection(spec.connection, { env: process.env, secretStore: new NoSecretStore() });
  const client = await connect(config, label);
  let lost: Error | undefined;
  let failed = false;
  client.on('error', (error) => {
    lost = error;
  });
  const fail = (error: unknown, doing: string): LoadstoneError => {
    failed = true;
    return opts.signal?.aborted
      ? new LoadstoneError('LOAD_CANCELLED', `${label}: cancelled while reading`)
      : sourceError(
          lost ?? error,
          `${label}: ${doing}`,
          config.password,
          // The connection went away (killed, server gone): the source cannot be reached any more.
          lost ? 'SOURCE_UNREACHABLE' : 'SOURCE_UNREADABLE',
        );
  };
  // Cancelling ends a statement the server is still running (a long sort before the first row) with
  // pg_cancel_backend from a second connection; the pending read then fails, as cancelled.
  const onAbort = () => void cancelBackend(config, (client as unknown as { processID: number }).processID);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let cursor: Cursor<RawValue[]> | undefined;
  let readingCopy: CopyReader | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    opts.signal?.removeEventListener('abort', onAbort);
    // A COPY still sending rows holds the connection: `end` drops it (the server ends the read).
    if (readingCopy && !readingCopy.finished) {
      await client.end().catch(() => {});
      return;
    }
    // A cursor on a failed or lost connection waits forever for the server's answer to its close.
    if (cursor && !failed && !lost) await cursor.close().catch(() => {});
    if (!failed && !lost) await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  };
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(
      "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL bytea_output = 'hex'; SET LOCAL extra_float_digits = 1",
    );
    if (spec.statementTimeoutMs !== undefined) {
      await client.query(`SET LOCAL statement_timeout = ${Math.trunc(spec.statementTimeoutMs)}`);
    }
    if (spec.sample === 'tablesample' && spec.table === undefined) {
      throw new LoadstoneError(
        'SPEC_INVALID',
        `${label}: sample 'tablesample' samples a table; a query is previewed by its first rows`,
      );
    }
    const table = spec.table !== undefined ? quoteTableName(spec.table, 'source table') : undefined;
    const from = table ?? `(${trimQuery(spec.query ?? '')}) AS q`;

    // The columns first (no rows), to know the watermark's column and the key; a full read (not a
    // preview) needs them anyway, as COPY says nothing of its columns.
    const fullRead = opts.preview === undefined;
    let pushdown: { column: string; after: string } | undefined;
    let keyColumns: string[] | null = null;
    let fields: pg.FieldDef[] | undefined;
    if (opts.incremental || table || fullRead) {
      fields = await probeFields(client, from, table === undefined).catch((error: unknown) => {
        throw fail(error, 'the server refused the read');
      });
      if (fields) {
        const names = fields.map((f) => f.name);
        pushdown = pushdownColumn(opts.incremental, names);
        const field = pushdown && fields.find((f) => f.name === pushdown?.column);
        // A naive timestamp is read in the job's zone, which the server does not know: the bound is
        // the mark less more than any zone's offset (the loader drops the few older rows this reads).
        if (pushdown && field?.dataTypeID === NAIVE_TIMESTAMP_OID) {
          const bound = naiveLowerBound(pushdown.after);
          pushdown = bound === undefined ? undefined : { column: pushdown.column, after: bound };
        }
        if (table) keyColumns = await primaryKey(client, table, names);
      }
    }

    /** The read with the mark pushed down, compared with `mark` (`$1`, or a literal for COPY). */
    const newerThan = (column: string, mark: string) =>
      `SELECT * FROM ${from} WHERE ${quoteIdent(column)} > ${mark} ORDER BY ${quoteIdent(column)}`;
    let sql: string;
    const params: unknown[] = [];
    if (pushdown) {
      params.push(pushdown.after);
      sql = newerThan(pushdown.column, '$1');
    } else if (table && opts.preview && spec.sample === 'tablesample') {
      sql = `SELECT * FROM ${table} TABLESAMPLE BERNOULLI (${await samplePercent(client, table, opts.preview.rows)})`;
    } else if (table) {
      sql = `SELECT * FROM ${table}`;
    } else {
      sql = trimQuery(spec.query ?? '');
    }

    if (fullRead && fields) {
      // A whole read goes through `COPY (…) TO STDOUT`: measured on 1M rows, reading through a
      // cursor costs ~2.4 s in the driver's row parsing alone, COPY's text ~0.8 s (see copy-reader.ts).
      // COPY takes no parameters: the mark goes in as a quoted literal.
      const copySql = pushdown ? newerThan(pushdown.column, client.escapeLiteral(pushdown.after)) : sql;
      const copy = openCopyReader(client, copySql, fields, {
        fail: (error) => fail(error, 'the source connection failed while reading'),
        close,
      });
      readingCopy = copy;
      await copy.start().catch((error: unknown) => {
        throw fail(error, 'the server refused the read');
      });
      return databaseSource({
        kind: 'postgres',
        label,
        columns: fields.map((f) => f.name),
        columnTypes: fields.map((f) => columnTypeOf(f.dataTypeID)),
        reader: copy,
        signal: opts.signal,
        placeOf: keyPlace(keyColumns),
      });
    }

    cursor = client.query(new Cursor<RawValue[]>(sql, params, { rowMode: 'array', types: SOURCE_TYPES }));
    const current = cursor;
    const first = await readWithFields(current, 1000).catch((error: unknown) => {
      throw fail(error, 'the server refused the read');
    });
    const columns = first.fields.map((f) => f.name);
    let ahead: RawValue[][] | undefined = first.rows;
    const reader: DatabaseReader = {
      async next(max) {
        if (ahead) {
          const rows = ahead;
          ahead = undefined;
          return rows;
        }
        if (closed) return [];
        try {
          return await current.read(max);
        } catch (error) {
          throw fail(error, 'the source connection failed while reading');
        }
      },
      close,
    };
    return databaseSource({
      kind: 'postgres',
      label,
      columns,
      columnTypes: first.fields.map((f) => columnTypeOf(f.dataTypeID)),
      reader,
      signal: opts.signal,
      placeOf: keyPlace(keyColumns),
    });
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The columns `from` (a table, or a query wrapped as a subquery) returns, without reading a row.
 * A query that cannot be wrapped (one that writes, say) gives undefined, the transaction intact
 * (a savepoint), so that the read itself runs it and the server says what it refuses.
 */
async function probeFields(
  client: pg.Client,
  from: string,
  isQuery: boolean,
): Promise<pg.FieldDef[] | undefined> {
  const probe = () => client.query({ text: `SELECT * FROM ${from} LIMIT 0`, rowMode: 'array' });
  if (!isQuery) return (await probe()).fields;
  await client.query('SAVEPOINT loadstone_probe');
  try {
    const { fields } = await probe();
    await client.query('RELEASE SAVEPOINT loadstone_probe');
    return fields;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT loadstone_probe');
    return undefined;
  }
}

/** A query as it can be wrapped: without trailing semicolons and blanks. */
function trimQuery(query: string): string {
  return query.replace(/[\s;]+$/, '');
}

async function connect(config: ResolvedConnection, label: string): Promise<pg.Client> {
  const { label: _label, passwordSource: _source, ...clientConfig } = config;
  const client = new pg.Client({
    ...clientConfig,
    connectionTimeoutMillis: clientConfig.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: clientConfig.application_name ?? 'loadstone source',
    types: SOURCE_TYPES,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    // Refused, unreachable, login or TLS refused: like an unreachable target (CLI exit 4).
    throw sourceError(error, `${label}: cannot connect to the source`, config.password, 'SOURCE_UNREACHABLE');
  }
}

/** Asks the server to cancel the statement backend `pid` runs (best effort: the read fails either way). */
async function cancelBackend(config: ResolvedConnection, pid: number): Promise<void> {
  const { label: _label, passwordSource: _source, ...clientConfig } = config;
  const canceller = new pg.Client({ ...clientConfig, connectionTimeoutMillis: 5_000 });
  canceller.on('error', () => {});
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The read itself reports what happened.
  } finally {
    await canceller.end().catch(() => {});
  }
}

/** The key columns of a table, when it has a primary key and the read returns all of them. */
async function primaryKey(
  client: pg.Client,
  table: string,
  columns: readonly string[],
): Promise<string[] | null> {
  const result = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [table],
  );
  const names = result.rows.map((r) => r.name);
  return names.length > 0 && names.every((n) => columns.includes(n)) ? names : null;
}

/** The BERNOULLI percentage that gives about twice `rows` rows, from the planner's estimate. */
async function samplePercent(client: pg.Client, table: string, rows: number): Promise<number> {
  const result = await client.query<{ estimate: number }>(
    'SELECT reltuples::float8 AS estimate FROM pg_class WHERE oid = $1::regclass',
    [table],
  );
  const estimate = Number(result.rows[0]?.estimate ?? -1);
  if (!(estimate > 0)) return 100;
  return Math.min(100, Math.max(0.001, (200 * rows) / estimate));
}

/** `cursor.read` with the result's fields (known even when no row comes). */
function readWithFields(
  cursor: Cursor<RawValue[]>,
  max: number,
): Promise<{ rows: RawValue[][]; fields: pg.FieldDef[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(max, (error, rows, result) => {
      if (error) reject(error);
      else resolve({ rows, fields: result.fields });
    });
  });
}

/** A driver error as `code` (SOURCE_UNREADABLE unless said) naming the source; the password is scrubbed should it be echoed. */
export function sourceError(
  error: unknown,
  what: string,
  password: string | undefined,
  code: 'SOURCE_UNREADABLE' | 'SOURCE_UNREACHABLE' = 'SOURCE_UNREADABLE',
): LoadstoneError {
  const e = error as { message?: string; code?: string };
  let message = e?.message || String(error);
  if (password && password.length >= 4) message = message.replaceAll(password, '***');
  return new LoadstoneError(code, `${what}: ${message}`, {
    ...(e?.code ? { details: { sqlState: e.code } } : {}),
  });
}

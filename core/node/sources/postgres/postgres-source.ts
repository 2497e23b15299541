import pg from 'pg';
import Cursor from 'pg-cursor';
import { LoadstoneError } from '../../../common/errors.ts';
import type { Encoding, PostgresSourceSpec } from '../../../common/spec/job-spec.ts';
import { sourceLabel } from '../../../common/spec/source-label.ts';
import type { RawValue } from '../../../common/types.ts';
import { explainConnectError } from '../../pg/connect.ts';
import { quoteIdent, quoteTableName } from '../../pg/identifiers.ts';
import { type ResolvedConnection, resolveConnection } from '../../store/resolve-connection.ts';
import { NoSecretStore } from '../../store/secret-store.ts';
import {
  type DatabaseReader,
  databaseSource,
  keyPlace,
  pushdownColumn,
} from '../database/database-source.ts';
import { type MarkColumnKind, pushableMark } from '../database/watermark-bound.ts';
import type { OpenedSource, OpenSourceOptions } from '../types.ts';
import { type CopyDecoder, checkedUtf8Decoder, legacyDecoder, utf8Decoder } from './copy-decoder.ts';
import { type CopyReader, openCopyReader } from './copy-reader.ts';
import { columnTypeOf, copyTextKindOf, NAIVE_TIMESTAMP_OID, SOURCE_TYPES } from './pg-types.ts';

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
  const client = await connectSource(config, label);
  let lost: Error | undefined;
  let failed = false;
  client.on('error', (error) => {
    lost = error;
  });
  const fail = (error: unknown, doing: string): LoadstoneError => {
    failed = true;
    if (opts.signal?.aborted)
      return new LoadstoneError('LOAD_CANCELLED', `${label}: cancelled while reading`);
    // Not this load's own cancel (above): another session's pg_cancel_backend, an administrator's.
    // Not the query's fault, nor a refusal: said as what it is, a source failure like a killed
    // connection (exit 4), as MySQL's KILL QUERY is.
    if (cancelledOnServer(error)) {
      return sourceError(
        error,
        `${label}: the query was cancelled on the server (pg_cancel_backend, by an administrator or another session)`,
        config.password,
        'SOURCE_UNREACHABLE',
      );
    }
    return sourceError(
      lost ?? error,
      `${label}: ${doing}`,
      config.password,
      // The connection went away (killed, server gone): the source cannot be reached any more.
      lost || connectionLost(error) ? 'SOURCE_UNREACHABLE' : 'SOURCE_UNREADABLE',
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
    // The database's encoding in the same round trip (see `sessionDecoding`).
    const settings = (await client.query(
      "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL bytea_output = 'hex'; SET LOCAL extra_float_digits = 1; SELECT current_setting('server_encoding') AS encoding",
    )) as unknown as pg.QueryResult<{ encoding: string }>[];
    const serverEncoding = settings[settings.length - 1]?.rows[0]?.encoding ?? '';
    if (spec.statementTimeoutMs !== undefined) {
      await client.query(`SET LOCAL statement_timeout = ${Math.trunc(spec.statementTimeoutMs)}`);
    }
    const decoding = await sessionDecoding(client, serverEncoding, spec, label);
    if (spec.sample === 'tablesample' && spec.table === undefined) {
      throw new LoadstoneError(
        'SPEC_INVALID',
        `${label}: sample 'tablesample' samples a table; a query is previewed by its first rows`,
      );
    }
    const table = spec.table !== undefined ? quoteTableName(spec.table, 'source table') : undefined;
    const query = trimQuery(spec.query ?? '');
    // The `)` on a line of its own: a query ending in a `-- comment` would otherwise swallow it.
    let from = table ?? `(${query}\n) AS q`;

    // The columns first (no rows), to know the watermark's column and the key; a full read (not a
    // preview) needs them anyway, as COPY says nothing of its columns. Every statement that holds the
    // query's text goes over the extended protocol, which takes one statement only, so a query cannot
    // end the READ ONLY transaction and run statements after it (`…) AS q; COMMIT; INSERT …`).
    const fullRead = opts.preview === undefined;
    /** The pushed-down mark: its value and the type it is compared as. */
    let pushdown: { column: string; value: string; type: string } | undefined;
    let keyColumns: string[] | null = null;
    let probed = await probeFields(client, from, table === undefined).catch((error: unknown) => {
      throw fail(error, 'the server refused the read');
    });
    const bare = table === undefined && !probed.fields ? withoutTrailingComments(query) : query;
    if (bare !== query) {
      // `select … from orders; -- nightly` (a query copied from a .sql file): a subquery once its
      // last `;` and the comments after it are left out, so it reads as the others do (through COPY,
      // a watermark pushed down). A query that wrapped as it was is never changed.
      const again = await probeFields(client, `(${bare}\n) AS q`, true).catch((error: unknown) => {
        throw fail(error, 'the server refused the read');
      });
      if (again.fields) {
        from = `(${bare}\n) AS q`;
        probed = again;
      }
    }
    const fields = probed.fields;
    const nativeTypes = fields
      ? await nativeTypesOf(client, fields).catch((error: unknown) => {
          throw fail(error, 'the server refused the read');
        })
      : undefined;
    if (fields) {
      const names = fields.map((f) => f.name);
      const wanted = pushdownColumn(opts.incremental, names);
      const field = wanted && fields.find((f) => f.name === wanted.column);
      // Only where the column's own type orders the way the mark does (never a text column of
      // numbers: '10' < '9'); a naive timestamp is read in the job's zone, which the server does not
      // know: the bound is the mark less more than any zone's offset (the loader drops the few older
      // rows this reads).
      const kind = field ? markKindOf(field.dataTypeID) : 'other';
      const value = wanted ? pushableMark(kind, wanted.after) : undefined;
      if (wanted && value !== undefined) {
        pushdown = { column: wanted.column, value, type: markType(kind, value) };
      }
      if (table) keyColumns = await primaryKey(client, table, names);
    } else {
      // A query that cannot be a subquery is read as written only if it is one statement PREPARE
      // takes (SELECT, VALUES, WITH, or INSERT/UPDATE/DELETE … RETURNING, which the server then
      // refuses as a write in a read-only transaction, saying so); never COPY (its stream would reach
      // a cursor that cannot take it), SHOW, DDL, COMMIT…
      const refusal = await notPreparable(client, query, probed.refusal).catch((error: unknown) => {
        throw fail(error, 'the server refused the read');
      });
      if (refusal) {
        failed = true;
        throw new LoadstoneError(
          'SOURCE_FORMAT',
          refusal.inside
            ? `${label}: the query has a syntax error: ${refusal.message}`
            : `${label}: the query must be one statement that returns rows (SELECT, VALUES, WITH …): ${refusal.message}`,
        );
      }
      if (decoding.sqlAscii) {
        // Read through a cursor, its text would reach here decoded by the driver as UTF-8, each byte
        // that is not replaced by U+FFFD without a word and `source.encoding` not applied.
        failed = true;
        throw new LoadstoneError(
          'SOURCE_FORMAT',
          `${label}: the database is SQL_ASCII, whose bytes are read through COPY as SELECT * FROM (<query>) AS q, ` +
            `and the query cannot be read as a subquery: ${(probed.refusal as Error | undefined)?.message ?? 'refused'}`,
        );
      }
    }

    /** The read with the mark pushed down, compared with `mark` (`$1`, or a literal for COPY); NULLs too. */
    const newerThan = (column: string, mark: string) => {
      const col = quoteIdent(column);
      // A row whose watermark is NULL is read on every run, so that the loader rejects it as
      // `missing_watermark` each time (as on the first, full read) instead of it vanishing for good.
      // At the mark too: a row sharing the last run's greatest value may have come since; the loader
      // compares the rows at the mark with the table by key (see load/statements.ts).
      return `SELECT * FROM ${from} WHERE (${col} >= ${mark} OR ${col} IS NULL) ORDER BY ${col}`;
    };
    const params: unknown[] = [];
    let sql: string;
    if (pushdown) {
      params.push(pushdown.value);
      sql = newerThan(pushdown.column, `$1::${pushdown.type}`);
    } else if (table && opts.preview && spec.sample === 'tablesample') {
      sql = `SELECT * FROM ${table} TABLESAMPLE BERNOULLI (${await samplePercent(client, table, opts.preview.rows)})`;
    } else if (table) {
      sql = `SELECT * FROM ${table}`;
    } else if (fields) {
      // The statement the probe checked (less its LIMIT 0), rather than the text on its own.
      sql = `SELECT * FROM ${from}`;
    } else {
      sql = query;
    }

    // A SQL_ASCII database's bytes come as they are, through COPY (pg's rows are decoded as UTF-8,
    // its bad bytes lost): its previews read the first rows that way too.
    if (fields && (fullRead || decoding.sqlAscii)) {
      // A whole read goes through `COPY (…) TO STDOUT`: measured on 1M rows, reading through a
      // cursor costs ~2.4 s in the driver's row parsing alone, COPY's text ~0.8 s (see copy-reader.ts).
      // COPY takes no parameters: the mark goes in as a quoted literal.
      // The query's text sits in COPY as in the probe, between `(` and `)`, and the probe (extended
      // protocol) took it as one statement ending outside any quote or comment: COPY is one statement too.
      let copySql = pushdown
        ? newerThan(pushdown.column, `${client.escapeLiteral(pushdown.value)}::${pushdown.type}`)
        : sql;
      if (opts.preview) copySql += ` LIMIT ${Math.trunc(opts.preview.rows)}`;
      // A table read whole says about how many rows it has (progress and the time left).
      const estimatedRows = fullRead && table && !pushdown ? await plannerRows(client, table) : undefined;
      const copy = openCopyReader(
        client,
        copySql,
        fields,
        { fail: (error) => fail(error, 'the source connection failed while reading'), close },
        decoding.decoder,
      );
      readingCopy = copy;
      await copy.start().catch((error: unknown) => {
        throw fail(error, 'the server refused the read');
      });
      return databaseSource({
        kind: 'postgres',
        label,
        columns: fields.map((f) => f.name),
        columnTypes: fields.map((f) => columnTypeOf(f.dataTypeID)),
        nativeTypes,
        reader: copy,
        signal: opts.signal,
        placeOf: keyPlace(keyColumns),
        estimatedRows,
        encoding: decoding.encoding,
      });
    }

    // A preview asks for its sample and no more: the server may plan for those rows only (a sort's
    // first rows, not the whole sorted result). A query that cannot be wrapped takes no LIMIT.
    if (opts.preview && fields) sql += ` LIMIT ${Math.trunc(opts.preview.rows)}`;
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
      nativeTypes,
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
 * How the session's text is read. A SQL_ASCII database keeps any bytes and the server converts none:
 * with the client encoding UTF8 it refuses a whole read on the first byte that is not UTF-8, so the
 * session takes the bytes as they are (`client_encoding = SQL_ASCII`) and they are decoded here, as
 * `spec.encoding` says or as UTF-8 with each row holding other bytes rejected (copy-decoder.ts). Any
 * other database's text the server converts to UTF-8 itself: there `spec.encoding` can only be UTF-8.
 * @throws LoadstoneError SPEC_INVALID (an encoding named for a database that is not SQL_ASCII)
 */
async function sessionDecoding(
  client: pg.Client,
  server: string,
  spec: PostgresSourceSpec,
  label: string,
): Promise<{ sqlAscii: boolean; decoder: CopyDecoder; encoding: Encoding }> {
  const named = spec.encoding ?? 'utf-8';
  if (server !== 'SQL_ASCII') {
    if (named !== 'utf-8') {
      throw new LoadstoneError(
        'SPEC_INVALID',
        `${label}: source.encoding '${named}' is for a SQL_ASCII database, whose bytes the server cannot convert; this database is ${server}, and the server converts its text to UTF-8 itself: leave source.encoding out`,
      );
    }
    return { sqlAscii: false, decoder: utf8Decoder(), encoding: 'utf-8' };
  }
  await client.query("SET LOCAL client_encoding = 'SQL_ASCII'");
  return named === 'utf-8'
    ? { sqlAscii: true, decoder: checkedUtf8Decoder(), encoding: 'utf-8' }
    : { sqlAscii: true, decoder: legacyDecoder('windows-1252'), encoding: named };
}

/** Built-in types (OIDs below FirstNormalObjectId) whose text output depends on a setting: money's on lc_monetary. */
const SETTING_DEPENDENT = new Set([790, 791]); // money, money[]
const BYTEA_OID = 17;

/**
 * `OpenedSource.nativeTypes`: each column's own type as `format_type` writes it (`integer[]`,
 * `character varying(20)[]`, `interval`), for the built-in types read as their exact text (no parser
 * of their own), and `bytea` (read as bare hex, which the loader writes as bytea's hex input into a
 * bytea column: `hexBytesColumns`); undefined when no column is one.
 */
async function nativeTypesOf(
  client: pg.Client,
  fields: readonly pg.FieldDef[],
): Promise<(string | null)[] | undefined> {
  const own = fields.map(
    (f) =>
      f.dataTypeID === BYTEA_OID ||
      (f.dataTypeID < 16384 &&
        !SETTING_DEPENDENT.has(f.dataTypeID) &&
        copyTextKindOf(f.dataTypeID) === 'text' &&
        columnTypeOf(f.dataTypeID) === 'text'),
  );
  if (!own.includes(true)) return undefined;
  const result = await client.query<[string]>({
    text: 'SELECT format_type(u.t, u.m) FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(t, m, n) ORDER BY u.n',
    values: [fields.map((f) => f.dataTypeID), fields.map((f) => f.dataTypeModifier)],
    rowMode: 'array',
  });
  return fields.map((_, i) => (own[i] ? (result.rows[i]?.[0] ?? null) : null));
}

/**
 * The columns `from` (a table, or a query wrapped as a subquery) returns, without reading a row, sent
 * over the extended protocol (one statement only: `(select 1) AS q; COMMIT; …` is refused by the
 * server, not run). A query that cannot be wrapped gives no fields and the server's refusal, the
 * transaction intact (a savepoint).
 */
async function probeFields(
  client: pg.Client,
  from: string,
  isQuery: boolean,
): Promise<{ fields: pg.FieldDef[] | undefined; refusal?: unknown }> {
  const probe = () => client.query(extended(`SELECT * FROM ${from} LIMIT 0`));
  if (!isQuery) return { fields: (await probe()).fields };
  await client.query('SAVEPOINT loadstone_probe');
  try {
    const { fields } = await probe();
    await client.query('RELEASE SAVEPOINT loadstone_probe');
    return { fields };
  } catch (refusal) {
    await client.query('ROLLBACK TO SAVEPOINT loadstone_probe');
    return { fields: undefined, refusal };
  }
}

/**
 * Why the server will not PREPARE `query` (a syntax error: not one statement of the kinds PREPARE
 * takes, or several statements), or undefined when it does; nothing is run. Any other refusal (a
 * missing table, say) is thrown, to be reported as the read's. `probeRefusal` (the probe's) is said
 * instead when it was the refusal of several statements, which says more than the syntax error.
 */
async function notPreparable(
  client: pg.Client,
  query: string,
  probeRefusal: unknown,
): Promise<{ message: string; inside: boolean } | undefined> {
  await client.query('SAVEPOINT loadstone_probe');
  const prepare = 'PREPARE loadstone_query AS ';
  try {
    await client.query(extended(`${prepare}${query}`));
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT loadstone_probe');
    if ((error as { code?: string }).code !== SYNTAX_ERROR) throw error;
    const probe = probeRefusal as { code?: string; routine?: string; message?: string } | undefined;
    // "cannot insert multiple commands into a prepared statement" (`routine` is never translated).
    const several = probe?.code === SYNTAX_ERROR && probe.routine === 'exec_parse_message';
    if (several) return { message: String(probe.message), inside: false };
    // Past the query's first word, the statement is one PREPARE takes (SELECT…) with a mistake in
    // it (`select * fro orders`), said as such, with where; at its first word, the statement is not
    // one that returns rows (SHOW, CREATE…, or a misspelt SELECT).
    const at = Number((error as { position?: string }).position) - prepare.length;
    const firstWord = /^\s*\S+/.exec(query)?.[0].length ?? 0;
    const inside = Number.isFinite(at) && at > firstWord;
    return {
      message: inside
        ? `${(error as Error).message} (character ${at} of the query)`
        : (error as Error).message,
      inside,
    };
  }
  await client.query('DEALLOCATE loadstone_query');
  await client.query('RELEASE SAVEPOINT loadstone_probe');
  return undefined;
}

/**
 * `text` sent over the extended protocol (Parse, Bind, Execute), which takes one statement only: pg
 * reads `queryMode` (8.23 here), its type declarations do not list it.
 */
function extended(text: string): pg.QueryArrayConfig {
  return { text, rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig;
}

/** SQLSTATE of a syntax error, "cannot insert multiple commands into a prepared statement" included. */
const SYNTAX_ERROR = '42601';

/** How a column of type `oid` orders for a pushed-down watermark (see `pushableMark`). */
function markKindOf(oid: number): MarkColumnKind {
  switch (oid) {
    case 20: // int8
    case 21: // int2
    case 23: // int4
      return 'integer';
    case 1700: // numeric
      return 'decimal';
    case 1082:
      return 'date';
    case 1184:
      return 'timestamptz';
    case NAIVE_TIMESTAMP_OID:
      return 'timestamp';
    default:
      return 'other';
  }
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * The type a pushed-down mark is cast to: the column's own (an integer column's as int8, so that its
 * index serves whatever the mark), except an integer mark beyond int8, compared as numeric.
 */
function markType(kind: MarkColumnKind, value: string): string {
  switch (kind) {
    case 'integer': {
      const n = BigInt(value);
      return n >= INT8_MIN && n <= INT8_MAX ? 'int8' : 'numeric';
    }
    case 'decimal':
      return 'numeric';
    case 'date':
      return 'date';
    case 'timestamptz':
      return 'timestamptz';
    default:
      return 'timestamp';
  }
}

/** A query as it can be wrapped: without trailing semicolons and blanks. */
function trimQuery(query: string): string {
  return query.replace(/[\s;]+$/, '');
}

/**
 * `query` without its last `;` when only blanks and comments (`-- …`, `/* … *\/`) follow it, again
 * while one does: `select 1; -- note` → `select 1`. Where that `;` was inside a quote or a comment,
 * what is left ends inside it, which the server refuses as a subquery: only a query that did not
 * wrap as it was is tried this way (exported for tests).
 */
export function withoutTrailingComments(query: string): string {
  let text = query;
  for (;;) {
    const semicolon = text.lastIndexOf(';');
    if (semicolon === -1 || !onlyComments(text, semicolon + 1)) return text;
    text = trimQuery(text.slice(0, semicolon));
  }
}

/** Whether `text` from `at` holds only blanks and comments. */
function onlyComments(text: string, at: number): boolean {
  let i = at;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) return false;
      i = end + 2;
    } else return false;
  }
  return true;
}

/**
 * A connection to a PostgreSQL source (read-side type parsers, `application_name` "loadstone source").
 * @throws LoadstoneError SOURCE_UNREACHABLE naming the source, its failure in words first.
 */
export async function connectSource(config: ResolvedConnection, label: string): Promise<pg.Client> {
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
    throw sourceError(
      error,
      `${label}: cannot connect to the source`,
      config.password,
      'SOURCE_UNREACHABLE',
      config,
    );
  }
}

/**
 * Whether a failed read means the connection is gone, whatever came first: the server's last word
 * (FATAL: `terminating connection due to administrator command` when the backend is killed, a
 * shutdown, a crash) reaches the pending read before the client's `error` event.
 */
export function connectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || code.startsWith('57P')) return true;
  if (e.severity === 'FATAL' || e.severity === 'PANIC') return true;
  if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  return typeof e.message === 'string' && /^Connection terminated/.test(e.message);
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
/** 57014 query_canceled by a cancel request, not by `statement_timeout` (which is the job's setting). */
function cancelledOnServer(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '57014' && /user request/.test(e.message ?? '');
}

export function sourceError(
  error: unknown,
  what: string,
  password: string | undefined,
  code: 'SOURCE_UNREADABLE' | 'SOURCE_UNREACHABLE' = 'SOURCE_UNREADABLE',
  /** A failed connection's settings: the failure is then said in words first, as a target's is. */
  connecting?: ResolvedConnection,
): LoadstoneError {
  const e = error as { message?: string; code?: string };
  let message = e?.message || String(error);
  if (password && password.length >= 4) message = message.replaceAll(password, '***');
  const explained = connecting ? explainConnectError(error, connecting) : null;
  if (explained) message = `${explained} (${message})`;
  return new LoadstoneError(code, `${what}: ${message}`, {
    ...(e?.code ? { details: { sqlState: e.code } } : {}),
  });
}

/**
 * The planner's estimate of a table's rows (`pg_class.reltuples`, kept by VACUUM and ANALYZE),
 * summed over its partitions; undefined when the table was never analyzed or the estimate cannot be
 * read (it is only for progress, never a reason to fail).
 */
async function plannerRows(client: pg.Client, table: string): Promise<number | undefined> {
  // Under a savepoint: the read's transaction must outlive any failure here. A connection that
  // fails meanwhile is reported by the read that follows, under the source's name.
  try {
    await client.query('SAVEPOINT loadstone_estimate');
  } catch {
    return undefined;
  }
  try {
    const result = await client.query<{ rows: string | null }>(
      `SELECT sum(c.reltuples) FILTER (WHERE c.reltuples > 0)::bigint::text AS rows
         FROM pg_class c
        WHERE c.oid = to_regclass($1)
           OR c.oid IN (SELECT relid FROM pg_partition_tree(to_regclass($1)) WHERE isleaf)`,
      [table],
    );
    await client.query('RELEASE SAVEPOINT loadstone_estimate');
    const rows = Number(result.rows[0]?.rows ?? 0);
    return rows > 0 ? rows : undefined;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT loadstone_estimate').catch(() => {});
    return undefined;
  }
}

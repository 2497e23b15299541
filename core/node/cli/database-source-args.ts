import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { redactUrl } from '../../common/spec/source-label.ts';
import { isSqliteFile } from '../sources/sqlite/sqlite-header.ts';
import { storeFileIn } from '../store/data-dir.ts';
import { openStore } from '../store/open-store.ts';
import { NoSecretStore } from '../store/secret-store.ts';
import { choiceOption, intOption } from './args.ts';

/** The database source flags of `preview` and `load` (pinned: see the README). */
export const DATABASE_SOURCE_OPTIONS = {
  'source-connection': { type: 'string' },
  'source-table': { type: 'string' },
  query: { type: 'string' },
  'statement-timeout': { type: 'string' },
  sample: { type: 'string' },
  'source-encoding': { type: 'string' },
} as const;

/** What a SQL_ASCII PostgreSQL database's bytes may be said to be (`source.encoding`). */
const SOURCE_ENCODINGS = ['utf-8', 'windows-1252', 'latin1'] as const;

export const DATABASE_SOURCE_HELP = `Database sources (the positional source may be an SQLite file, recognised by its header,
or a postgres:// postgresql:// mysql:// mariadb:// URL):
  --source-connection NAME    A saved connection as the source, instead of the positional source
  --source-table [SCHEMA.]NAME  The table to read
  --query 'select …'          A read-only query to read (the server refuses one that writes)
  --statement-timeout MS      Source statement timeout in milliseconds
  --sample limit|tablesample  How preview samples a table (default limit: the first rows)
  --source-encoding utf-8|windows-1252|latin1
                              What a SQL_ASCII PostgreSQL database's text bytes are (default
                              utf-8: a row with other bytes is rejected as invalid_encoding)`;

/** Flags that only mean something for a file source. */
const FILE_ONLY_FLAGS = [
  'format',
  'encoding',
  'delimiter',
  'quote',
  'header',
  'no-header',
  'sheet',
  'max-line-chars',
];

export interface DatabaseSourceValues {
  'source-connection'?: string | undefined;
  'source-table'?: string | undefined;
  query?: string | undefined;
  'statement-timeout'?: string | undefined;
  sample?: string | undefined;
  'source-encoding'?: string | undefined;
}

/** The kind of database a URL names, or undefined when it is no database URL. */
export function databaseUrlKind(text: string): 'postgres' | 'mysql' | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  return undefined;
}

/**
 * The database source the positional argument and flags name, or undefined for a file source:
 * an SQLite file (by its header), a database URL, or `--source-connection NAME` (a saved
 * connection: its kind from `savedKind`, PostgreSQL when unknown), with `--source-table` or `--query`. `base` is the spec file's source:
 * its table or query is replaced by the flag given, its other fields kept.
 * @throws LoadstoneError BAD_USAGE for a database source without a table or query, both, or with
 *   file-only flags; table/query flags on a file source.
 */
export function databaseSourceFrom(
  positional: string | undefined,
  values: DatabaseSourceValues & Record<string, unknown>,
  cwd: string,
  base: unknown,
  /** The kind of a saved connection (`postgres`, `mysql`), from the data folder's store. */
  savedKind?: (name: string) => 'postgres' | 'mysql' | undefined,
): Record<string, unknown> | undefined {
  const connection = values['source-connection'];
  if (connection !== undefined && positional !== undefined) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `give either a source (${redactUrl(positional)}) or --source-connection, not both`,
    );
  }
  let source: Record<string, unknown> | undefined;
  if (connection !== undefined) {
    const kind = databaseUrlKind(connection) ?? savedKind?.(connection) ?? 'postgres';
    source = { kind, connection };
  } else if (positional !== undefined) {
    const kind = databaseUrlKind(positional);
    if (kind) source = { kind, connection: positional };
    else if (isSqliteFile(resolve(cwd, positional)))
      source = { kind: 'sqlite', path: resolve(cwd, positional) };
  } else if (
    isRecord(base) &&
    (base.kind === 'postgres' || base.kind === 'mysql' || base.kind === 'sqlite')
  ) {
    source = { ...base };
  }
  const table = values['source-table'];
  const query = values.query;
  const timeout = intOption(values['statement-timeout'], 'statement-timeout', 1);
  if (timeout !== undefined && timeout > 2_147_483_647) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--statement-timeout must be at most 2147483647 (ms, about 24.8 days; PostgreSQL's largest), got '${values['statement-timeout']}'`,
    );
  }
  const sample =
    values.sample === undefined ? undefined : choiceOption(values.sample, 'sample', ['limit', 'tablesample']);
  const encoding =
    values['source-encoding'] === undefined
      ? undefined
      : choiceOption(values['source-encoding'], 'source-encoding', SOURCE_ENCODINGS);
  if (!source) {
    const flag = table !== undefined ? '--source-table' : query !== undefined ? '--query' : undefined;
    if (flag && positional !== undefined) notADatabase(positional, resolve(cwd, positional), flag);
    if (flag || timeout !== undefined || sample !== undefined) {
      throw new LoadstoneError(
        'BAD_USAGE',
        `${flag ?? '--statement-timeout/--sample'} is for a database source: give an SQLite file, a postgres:// or mysql:// URL, or --source-connection NAME`,
      );
    }
    if (encoding !== undefined) {
      throw new LoadstoneError(
        'BAD_USAGE',
        "--source-encoding is for a PostgreSQL database source (a SQL_ASCII database's bytes); a file's encoding is --encoding",
      );
    }
    return undefined;
  }
  const fileFlags = FILE_ONLY_FLAGS.filter((f) => values[f] !== undefined);
  if (fileFlags.length > 0) {
    // A SQL_ASCII database's bytes are said with a flag of their own.
    const instead =
      values.encoding !== undefined && source.kind === 'postgres'
        ? " (a SQL_ASCII database's bytes: --source-encoding)"
        : '';
    throw new LoadstoneError(
      'BAD_USAGE',
      `${fileFlags.map((f) => `--${f}`).join(', ')} ${fileFlags.length === 1 ? 'applies' : 'apply'} only to a file source, not to a ${String(source.kind)} database${instead}`,
    );
  }
  if (encoding !== undefined && source.kind !== 'postgres') {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--source-encoding applies only to a PostgreSQL source (a SQL_ASCII database, whose bytes the server does not convert), not to a ${String(source.kind)} database: ${source.kind === 'mysql' ? 'MySQL sends its text as utf8mb4' : "SQLite's text is UTF-8 (other bytes are rejected as invalid_encoding)"}`,
    );
  }
  // A source named anew keeps the spec file's read settings when it is the same kind of source.
  if (isRecord(base) && base.kind === source.kind && source !== base) {
    source = { ...pick(base, ['table', 'query', 'statementTimeoutMs', 'sample']), ...source };
  }
  if (table !== undefined && query !== undefined) {
    throw new LoadstoneError('BAD_USAGE', 'give either --source-table or --query, not both');
  }
  if (table !== undefined) {
    source.table = table;
    delete source.query;
  }
  if (query !== undefined) {
    source.query = query;
    delete source.table;
  }
  if (timeout !== undefined) source.statementTimeoutMs = timeout;
  if (sample !== undefined) source.sample = sample;
  if (encoding !== undefined) source.encoding = encoding;
  if (source.table === undefined && source.query === undefined) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `a ${String(source.kind)} source needs --source-table [SCHEMA.]NAME or --query 'select …'`,
    );
  }
  return source;
}

/**
 * Why the source given with a database flag is not a database: an unsupported URL scheme, no such
 * file, a folder, or a file that is not SQLite (each said as such, not as a usage hint).
 */
function notADatabase(positional: string, path: string, flag: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(positional);
  if (scheme) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `${redactUrl(positional)}: ${scheme[1]}:// is not a database Loadstone reads; give a postgres://, postgresql://, mysql:// or mariadb:// URL, or an SQLite file`,
    );
  }
  if (!existsSync(path)) {
    throw new LoadstoneError(
      'SOURCE_NOT_FOUND',
      `${path}: no such file (${flag} reads a table of an SQLite file or a database)`,
      {
        details: { path },
      },
    );
  }
  if (statSync(path).isDirectory()) {
    throw new LoadstoneError('BAD_USAGE', `${path} is a folder, not an SQLite file`, { details: { path } });
  }
  throw new LoadstoneError(
    'SOURCE_FORMAT',
    `${path} is not an SQLite database (an SQLite file begins with "SQLite format 3"; an empty file is not one either); ${flag} reads a table of an SQLite file or a database`,
    { details: { path } },
  );
}

function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (record[k] !== undefined) out[k] = record[k];
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The kind of a saved connection in the data folder `dir`, read without creating anything (no
 * store yet: no saved connection, undefined).
 */
export function savedConnectionKind(dir: string): (name: string) => 'postgres' | 'mysql' | undefined {
  return (name) => {
    if (!existsSync(storeFileIn(dir))) return undefined;
    const store = openStore(dir, { secretStore: new NoSecretStore() });
    try {
      return store.connections.get(name)?.kind;
    } finally {
      store.close();
    }
  };
}

import { useEffect, useId, useRef, useState } from 'react';
import type { ConnectionDto } from '../../../core/common/contract/index.ts';
import { useCommand } from '../../api/queries.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { SourceEncodingSelect } from './source-encoding.tsx';
import { useWizard } from './wizard-context.tsx';
import { type DatabaseSourceRef, type SourceEncoding, withEncoding } from './wizard-state.ts';

/** The SQLite choice in the connection list: the file picked under File, read as a database. */
export const SQLITE = '\u0000sqlite';

/** A saved connection as the Database picker lists it: its name, its real kind, where it points. */
export function connectionOption(
  c: Pick<ConnectionDto, 'name' | 'kind' | 'user' | 'host' | 'port' | 'database'>,
) {
  const kind = c.kind === 'mysql' ? 'MySQL / MariaDB' : 'PostgreSQL';
  return `${c.name} — ${kind} ${c.user}@${c.host}:${c.port}/${c.database}`;
}

type Where = { kind: 'sqlite'; handle: string } | { kind: 'postgres' | 'mysql'; connection: string };

/** Whether two reads point at the same database (kind and connection, or the same SQLite file). */
export function sameWhere(a: Where | DatabaseSourceRef, b: Where | DatabaseSourceRef): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind === 'sqlite'
    ? 'handle' in b && a.handle === b.handle
    : 'connection' in a && 'connection' in b && a.connection === b.connection;
}

/**
 * Whether two reads are the same: the same database, and the same table or query (blanks at a
 * query's ends aside: an opened job's query may end with a newline). Other fields a saved job's
 * source carries (a statement timeout) do not make a difference here.
 */
export function sameRead(a: DatabaseSourceRef | null, b: DatabaseSourceRef | null): boolean {
  if (!a || !b) return a === b;
  return sameWhere(a, b) && a.table === b.table && a.query?.trim() === b.query?.trim();
}

/**
 * The "Database" source: a saved connection (listed by kind) or the chosen SQLite file, then a table
 * (browsed by schema, with row estimates) or a read-only query. The engine lists the tables
 * (`sources.tables`) and previews the choice as it previews a file. "Preview rows" reads the query as
 * the box shows it, also when it was edited after "Use this query".
 */
export function DatabaseSource() {
  const { state, dispatch } = useWizard();
  const ids = useId();
  const current = state.database;
  const connections = useCommand('connections.list', {});
  const initialWhere =
    current?.kind === 'sqlite' ? SQLITE : current && 'connection' in current ? current.connection : '';
  // As left on an earlier visit (another screen or step was shown meanwhile), else the source's.
  const [left] = useState(() => state.drafts.database);
  const [where, setWhere] = useState(left?.where ?? initialWhere);
  const [mode, setMode] = useState<'table' | 'query'>(
    left?.mode ?? (current?.query !== undefined ? 'query' : 'table'),
  );
  const [query, setQuery] = useState(left?.query ?? current?.query ?? '');
  // A PostgreSQL database's text encoding (SQL_ASCII keeps any bytes); undefined: automatic. The
  // source read from the connection chosen says it (the preview's hint may have changed it); this
  // holds it until a table or query of that connection is the source.
  const [chosenEncoding, setEncoding] = useState<SourceEncoding | undefined>(left?.encoding);
  const saved = (connections.data ?? []).filter((c) => !c.builtIn);
  const sqliteHandle = state.file?.handle;
  const input =
    where === SQLITE && sqliteHandle
      ? ({ kind: 'sqlite', handle: sqliteHandle } as const)
      : where && where !== SQLITE
        ? ({ kind: saved.find((c) => c.name === where)?.kind ?? 'postgres', connection: where } as const)
        : null;
  const encoding =
    current?.kind === 'postgres' && input && sameWhere(input, current) ? current.encoding : chosenEncoding;
  const latest = useRef({ where, mode, query, encoding });
  latest.current = { where, mode, query, encoding };
  const session = state.session;
  useEffect(
    () => () => dispatch({ type: 'formDrafts', session, patch: { database: latest.current } }),
    [dispatch, session],
  );
  const tables = useCommand('sources.tables', input ?? { kind: 'postgres', connection: '-' }, {
    enabled: input !== null,
    retry: false,
    refetchOnWindowFocus: false,
  });

  const use = (read: { table: string } | { query: string }) => {
    if (!input) return;
    const source: DatabaseSourceRef =
      input.kind === 'sqlite'
        ? { kind: 'sqlite', handle: input.handle, ...read }
        : { kind: input.kind, connection: input.connection, ...read };
    dispatch({ type: 'database', source: withEncoding(source, encoding) });
  };
  // What "Preview rows" reads: the query as typed (query mode), else the chosen table; another
  // connection picked in table mode reads nothing until one of its tables is chosen.
  const typedQuery = mode === 'query' && input && query.trim() !== '' ? query.trim() : null;
  const shown: DatabaseSourceRef | null =
    typedQuery !== null && input
      ? input.kind === 'sqlite'
        ? { kind: 'sqlite', handle: input.handle, query: typedQuery }
        : withEncoding({ kind: input.kind, connection: input.connection, query: typedQuery }, encoding)
      : mode === 'table' && input && current && !sameWhere(input, current)
        ? null
        : current;
  const pending = !sameRead(shown, current);
  useEffect(() => {
    dispatch({ type: 'sourceEdits', pending });
  }, [dispatch, pending]);
  useEffect(() => () => dispatch({ type: 'sourceEdits', pending: false }), [dispatch]);
  const chosenTable = current?.table;
  const schemas = [...new Set((tables.data ?? []).map((t) => t.schema))];

  return (
    <div className="database-source" data-testid="database-source">
      <div className="field">
        <label htmlFor={`${ids}-where`}>Database</label>
        <select
          id={`${ids}-where`}
          className="input"
          value={where}
          onChange={(e) => {
            setWhere(e.target.value);
            // Another database has its own encoding: automatic until one is chosen for it.
            setEncoding(undefined);
            dispatch({ type: 'database', source: null });
          }}
          data-testid="source-database"
        >
          <option value="">Choose a saved connection or an SQLite file…</option>
          {saved.map((c) => (
            <option key={c.name} value={c.name}>
              {connectionOption(c)}
            </option>
          ))}
          {state.file ? <option value={SQLITE}>SQLite file {state.file.name}</option> : null}
        </select>
        <p className="hint">
          Saved connections are managed under Connections. An SQLite file picked under File opens here.
        </p>
        {connections.isError ? <ErrorBox title="Cannot list connections" error={connections.error} /> : null}
      </div>
      {input?.kind === 'postgres' ? (
        <div className="field">
          <label htmlFor={`${ids}-encoding`}>Text encoding</label>
          <SourceEncodingSelect
            id={`${ids}-encoding`}
            value={encoding}
            onChange={(next) => {
              setEncoding(next);
              // The source read from this connection reads its text so from now on (the preview again).
              if (current?.kind === 'postgres' && sameWhere(input, current)) {
                dispatch({ type: 'sourceEncoding', encoding: next });
              }
            }}
            testId="source-encoding"
          />
          <p className="hint">
            For a SQL_ASCII database, which keeps whatever bytes a program stored: what its text bytes are.
            Automatic reads UTF-8 and rejects a row holding other bytes; any other database converts its text
            itself.
          </p>
        </div>
      ) : null}
      {input ? (
        <div className="field-row" role="radiogroup" aria-label="Read a table or a query">
          <label>
            <input
              type="radio"
              name={`${ids}-mode`}
              checked={mode === 'table'}
              onChange={() => setMode('table')}
              data-testid="source-mode-table"
            />{' '}
            A table
          </label>
          <label>
            <input
              type="radio"
              name={`${ids}-mode`}
              checked={mode === 'query'}
              onChange={() => setMode('query')}
              data-testid="source-mode-query"
            />{' '}
            A query
          </label>
        </div>
      ) : null}
      {input && mode === 'table' ? (
        <div className="field" data-testid="source-tables">
          {tables.isPending ? <Loading label="Listing tables…" /> : null}
          {tables.isError ? (
            <ErrorBox title="Cannot list the tables" error={tables.error} testId="source-tables-error" />
          ) : null}
          {tables.data && tables.data.length === 0 ? <p className="muted">No table to read.</p> : null}
          {schemas.map((schema) => (
            <fieldset key={schema} className="table-group">
              <legend className="label">{schema}</legend>
              <ul className="plain-list">
                {(tables.data ?? [])
                  .filter((t) => t.schema === schema)
                  .map((t) => {
                    const name = input.kind === 'sqlite' ? t.name : `${t.schema}.${t.name}`;
                    return (
                      <li key={name}>
                        <label>
                          <input
                            type="radio"
                            name={`${ids}-table`}
                            checked={chosenTable === name}
                            onChange={() => use({ table: name })}
                            data-testid={`source-table-${name}`}
                          />{' '}
                          <span className="mono">{t.name}</span>
                          {t.view ? <span className="badge">view</span> : null}{' '}
                          <span className="muted">
                            {t.rows === null ? 'rows unknown' : `≈ ${t.rows.toLocaleString('en-US')} rows`}
                          </span>
                        </label>
                      </li>
                    );
                  })}
              </ul>
            </fieldset>
          ))}
        </div>
      ) : null}
      {input && mode === 'query' ? (
        <div className="field">
          <label htmlFor={`${ids}-query`}>Query (read-only; the server refuses one that writes)</label>
          <textarea
            id={`${ids}-query`}
            className="input mono"
            rows={4}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="source-query"
          />
          <button
            type="button"
            className="btn"
            disabled={query.trim() === ''}
            onClick={() => use({ query: query.trim() })}
            data-testid="source-query-use"
          >
            Use this query
          </button>
        </div>
      ) : null}
      {shown ? (
        <p className="notice" data-testid="source-database-chosen">
          Reading {shown.table !== undefined ? `table ${shown.table}` : 'the query'}
          {pending ? ' as typed above' : ''} from{' '}
          {shown.kind === 'sqlite' ? `SQLite file ${state.file?.name ?? ''}` : shown.connection}.
        </p>
      ) : null}
      {shown ? (
        <div className="step-actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              if (pending) dispatch({ type: 'database', source: shown });
              dispatch({ type: 'step', step: 'columns' });
            }}
            data-testid="source-next"
          >
            Preview rows →
          </button>
        </div>
      ) : null}
    </div>
  );
}

import type { UseQueryResult } from '@tanstack/react-query';
import type { CallError, CommandOutput, PreviewColumnDto } from '../../../core/common/contract/index.ts';
import { useCommand } from '../../api/queries.ts';
import { formatCount } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { useDebounced } from '../../components/use-debounced.ts';
import { useWizard } from './wizard-context.tsx';

/** Key columns for upsert and incremental, as toggle chips. */
export function KeyPicker(props: { columns: PreviewColumnDto[] }) {
  const { state, dispatch } = useWizard();
  const key = state.target.key;
  const names = new Set(props.columns.map((c) => c.name));
  const stale = key.filter((k) => !names.has(k));
  return (
    <fieldset className="field">
      <legend>Key columns</legend>
      {props.columns.length === 0 ? (
        <p className="hint">The preview has not listed the columns yet.</p>
      ) : null}
      <div className="chips">
        {[...props.columns.map((c) => c.name), ...stale].map((name) => (
          <label key={name} className={key.includes(name) ? 'chip chip-on' : 'chip'}>
            <input
              type="checkbox"
              checked={key.includes(name)}
              onChange={(e) =>
                dispatch({
                  type: 'target',
                  patch: { key: e.target.checked ? [...key, name] : key.filter((k) => k !== name) },
                })
              }
              data-testid={`key-${name}`}
            />
            {name}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The tables already in the chosen connection; clicking one fills the table field. */
export function ExistingTables(props: {
  connection: string;
  tables: UseQueryResult<CommandOutput<'targets.tables'>, CallError>;
  onPick: (name: string) => void;
}) {
  const { tables } = props;
  return (
    <div className="panel" data-testid="existing-tables">
      <div className="panel-head">
        <h3 className="panel-title">Tables in {props.connection}</h3>
        {tables.isFetching ? <span className="spinner" role="status" aria-label="Loading tables" /> : null}
      </div>
      {tables.isPending ? (
        <Loading label="Listing tables…" />
      ) : tables.isError ? (
        <ErrorBox
          title="Cannot list tables"
          error={tables.error}
          onRetry={() => tables.refetch()}
          testId="tables-error"
        />
      ) : tables.data.length === 0 ? (
        <Empty title="No tables yet">A new table is created from the columns of the preview.</Empty>
      ) : (
        <ul className="table-list">
          {tables.data.map((x) => (
            <li key={`${x.schema}.${x.name}`}>
              <button
                type="button"
                className="link mono"
                onClick={() => props.onPick(`${x.schema}.${x.name}`)}
              >
                {x.schema}.{x.name}
              </button>
              <span className="muted">{x.rows === null ? '' : `~${formatCount(x.rows)} rows`}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The engine's compatibility check of the spec's columns against an existing table. */
export function Compatibility(props: {
  connection: string;
  table: string;
  columns: PreviewColumnDto[];
  ready: boolean;
}) {
  const input = useDebounced(
    {
      connection: props.connection,
      table: props.table,
      columns: props.columns.map((c) => ({ name: c.name, type: c.type })),
    },
    250,
  );
  const check = useCommand('targets.check', input, {
    enabled: input.table !== '' && props.ready,
    retry: false,
  });
  if (!props.table) return null;
  return (
    <div className="panel" data-testid="compatibility">
      <div className="panel-head">
        <h3 className="panel-title">Compatibility with {props.table}</h3>
        {check.isFetching ? <span className="spinner" role="status" aria-label="Checking" /> : null}
      </div>
      {!props.ready || check.isPending ? (
        <Loading label="Checking the table…" />
      ) : check.isError ? (
        <ErrorBox
          title="Cannot check the table"
          error={check.error}
          onRetry={() => check.refetch()}
          testId="compat-error"
        />
      ) : !check.data.exists ? (
        <p data-testid="compat-result" data-state="new">
          The table does not exist; it will be created with {props.columns.length} columns.
        </p>
      ) : check.data.missing.length + check.data.incompatible.length === 0 ? (
        <p data-testid="compat-result" data-state="ok" className="text-ok">
          ✓ The table exists and every column fits.
          {check.data.extra.length > 0
            ? ` ${check.data.extra.length} table column(s) not in the file will get ${check.data.extra.every((e) => e.nullable) ? 'NULL or their default' : 'their default'}.`
            : ''}
        </p>
      ) : (
        <div data-testid="compat-result" data-state="problems">
          {check.data.missing.length > 0 ? (
            <>
              <p>Columns the table does not have:</p>
              <ul>
                {check.data.missing.map((m) => (
                  <li key={m.column}>
                    <code>{m.column}</code> {m.type}
                  </li>
                ))}
              </ul>
              <p className="hint">
                Tick “Add columns missing from an existing table”, skip them, or rename them.
              </p>
            </>
          ) : null}
          {check.data.incompatible.length > 0 ? (
            <>
              <p className="text-bad">Type conflicts:</p>
              <ul>
                {check.data.incompatible.map((m) => (
                  <li key={m.column}>
                    <code>{m.column}</code>: table {m.tableType}, file {m.specType}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {check.data.extra.length > 0 ? (
            <p className="muted">
              Table columns not in the file: {check.data.extra.map((e) => e.column).join(', ')}
            </p>
          ) : null}
        </div>
      )}
    </div>
  );
}

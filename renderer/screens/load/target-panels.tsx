import type { UseQueryResult } from '@tanstack/react-query';
import type {
  CallError,
  CommandOutput,
  PreviewColumnDto,
  TargetFixDto,
} from '../../../core/common/contract/index.ts';
import { TYPE_NOUNS } from '../../../core/common/normalize/infer-evidence.ts';
import { countOf } from '../../../core/common/outcome/words.ts';
import { useCommandMutation } from '../../api/queries.ts';
import { formatCount } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { uiWording } from '../../components/ui-words.ts';
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

type Check = UseQueryResult<CommandOutput<'targets.check'>, CallError>;

/**
 * The engine's check of the columns against the target: what the load would refuse (with the
 * changes it can make for the operator, each with its statement), and the DDL the load will run.
 */
export function Compatibility(props: {
  connection: string;
  table: string;
  columns: number;
  ready: boolean;
  check: Check;
}) {
  const { check } = props;
  if (!props.table) return null;
  return (
    <div className="panel" data-testid="compatibility">
      <div className="panel-head">
        <h3 className="panel-title">Check of {props.table}</h3>
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
      ) : (
        <CheckResult
          connection={props.connection}
          columns={props.columns}
          result={check.data}
          check={check}
        />
      )}
    </div>
  );
}

function CheckResult(props: {
  connection: string;
  columns: number;
  result: CommandOutput<'targets.check'>;
  check: Check;
}) {
  const r = props.result;
  const state = !r.ok ? 'problems' : r.exists ? 'ok' : 'new';
  return (
    <div data-testid="compat-result" data-state={state}>
      {r.problems.length > 0 ? (
        <ul className="problems" data-testid="compat-problems">
          {r.problems.map((p) => (
            <li key={p} className="text-bad">
              {/* The statement a problem names is shown once, in its offer below. */}
              {uiWording(r.fixes.reduce((text, f) => text.replace(f.sql, 'the statement below'), p))}
            </li>
          ))}
        </ul>
      ) : null}
      {r.fixes.map((f) => (
        <FixOffer
          key={f.sql}
          connection={props.connection}
          fix={f}
          // While the check runs again (another table, key or mode), its offers may be stale.
          stale={props.check.isFetching}
          onDone={() => props.check.refetch()}
        />
      ))}
      {r.missing.length > 0 && r.exists ? (
        <>
          <p className={r.ok ? undefined : 'text-bad'}>
            {r.ok ? 'Columns the load will add to the table:' : 'Columns the table does not have:'}
          </p>
          <ul>
            {r.missing.map((m) => (
              <li key={m.column}>
                <code>{m.column}</code> {m.type}
              </li>
            ))}
          </ul>
          {r.ok ? null : (
            <p className="hint">
              Tick “Add columns missing from an existing table”, skip them, or rename them.
            </p>
          )}
        </>
      ) : null}
      {r.incompatible.length > 0 ? (
        <>
          <p className="text-bad">Type conflicts:</p>
          <ul>
            {r.incompatible.map((m) => (
              <li key={m.column}>
                <code>{m.column}</code>: table {m.tableType}, source {m.specType} — {m.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {r.retyped && r.retyped.length > 0 ? (
        <div data-testid="compat-retyped">
          <p>The table decides these columns’ types (the preview read them from the sample):</p>
          <ul>
            {r.retyped.map((m) => (
              <li key={m.column}>
                <code>{m.column}</code> loads as {m.to} (its column is {m.tableType}; the preview read{' '}
                {m.from})
                {m.to === 'text'
                  ? ', kept as the source writes it'
                  : `: values that are not ${TYPE_NOUNS[m.to]} are rejected cell by cell`}
              </li>
            ))}
          </ul>
          <p className="hint">To keep the preview’s type, set it on the column in the Columns step.</p>
        </div>
      ) : null}
      {r.ok && !r.exists ? (
        <p>The table does not exist; the load creates it with {countOf(props.columns, 'column')}.</p>
      ) : null}
      {r.ok && r.exists ? (
        <p className="text-ok">
          ✓ The table exists and every column fits.
          {r.extra.length > 0
            ? ` ${countOf(r.extra.length, 'table column')} not in the source will get ${r.extra.every((e) => e.nullable) ? 'NULL or their default' : 'their default'}: ${r.extra.map((e) => e.column).join(', ')}.`
            : ''}
        </p>
      ) : null}
      {r.ddl.length > 0 ? (
        <div data-testid="ddl-preview">
          <p className="hint">
            {r.ok
              ? 'The load will run, in its transaction:'
              : 'Once the problems above are solved, the load will run:'}
          </p>
          <pre className="sql mono">{r.ddl.join(';\n')};</pre>
        </div>
      ) : null}
    </div>
  );
}

const FIX_LABEL: Record<TargetFixDto['kind'], string> = {
  create_schema: 'Create the schema',
  create_unique_index: 'Create the unique index',
};

/** A change the check offers: its statement, and a button that makes it (the engine builds the SQL). */
function FixOffer(props: { connection: string; fix: TargetFixDto; stale: boolean; onDone: () => void }) {
  const fix = useCommandMutation('targets.fix', { onSuccess: () => props.onDone() });
  const { fix: f } = props;
  const input =
    f.kind === 'create_schema'
      ? { kind: f.kind, schema: f.schema }
      : { kind: f.kind, table: f.table, columns: f.columns };
  return (
    <div className="fix-offer" data-testid="fix-offer" data-kind={f.kind}>
      <p>
        {f.kind === 'create_schema'
          ? 'Loadstone never creates a schema by itself (a typo would make one). To create it, run:'
          : 'An upsert needs a primary key or unique index on the key columns. To create one, run:'}
      </p>
      <pre className="sql mono" data-testid="fix-sql">
        {`${f.sql};`}
      </pre>
      <button
        type="button"
        className="btn btn-small"
        disabled={fix.isPending || props.stale}
        onClick={() => fix.mutate({ connection: props.connection, fix: input })}
        data-testid="apply-fix"
      >
        {fix.isPending ? 'Running…' : `${FIX_LABEL[f.kind]} now`}
      </button>
      {fix.isError ? <ErrorBox title="The server refused it" error={fix.error} testId="fix-error" /> : null}
    </div>
  );
}

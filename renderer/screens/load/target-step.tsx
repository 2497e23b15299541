import { useId, useMemo } from 'react';
import { jobSpecRefSchema } from '../../../core/common/contract/source-ref.ts';
import { LOAD_MODES, type LoadMode, toValidationIssues } from '../../../core/common/spec/job-spec.ts';
import { useCommand } from '../../api/queries.ts';
import { ErrorBox } from '../../components/states.tsx';
import { uiPath } from '../../components/ui-words.ts';
import { AlertRulesFields } from './alert-rules-fields.tsx';
import { Compatibility, ExistingTables, KeyPicker } from './target-panels.tsx';
import { usePreview } from './use-preview.ts';
import { useTargetCheck } from './use-target-check.ts';
import { useWizard } from './wizard-context.tsx';
import { buildSpec } from './wizard-state.ts';

const MODE_HELP: Record<LoadMode, string> = {
  append: 'Insert every row; existing rows stay.',
  replace: 'Load a fresh copy of the table and swap it in at commit; the old rows stay until then.',
  upsert: 'Insert new keys; update rows whose key exists and whose values changed.',
  incremental: 'Like upsert, but only rows above the watermark the last committed run of this job stored.',
};

/**
 * Step 4: where the rows go and how. The engine checks the target as the choices change; Plan
 * stays disabled until it passes, so this step never lets through what the load would refuse.
 */
export function TargetStep() {
  const { state, dispatch } = useWizard();
  const { query: preview } = usePreview(state);
  const t = state.target;
  const ids = useId();
  const connections = useCommand('connections.list', {});
  const tables = useCommand('targets.tables', { connection: t.connection }, { retry: false });
  const loadable = useMemo(() => (preview.data?.columns ?? []).filter((c) => !c.skip), [preview.data]);
  const target = useTargetCheck(state, preview.data?.columns);
  const needsKey = t.mode === 'upsert' || t.mode === 'incremental';
  const set = (patch: Partial<typeof t>) => dispatch({ type: 'target', patch });

  const issues = useMemo(() => {
    const spec = buildSpec(state, { withTarget: true });
    if (!spec) return [{ path: 'source', message: 'choose a source file first' }];
    const r = jobSpecRefSchema.safeParse(spec);
    const found = r.success ? [] : toValidationIssues(r.error);
    // Say what to do rather than the schema's "too small" for the one field everyone starts with.
    return found.map((i) =>
      i.path === 'target.table' && !state.target.table.trim()
        ? { ...i, message: 'enter the table to load into' }
        : i,
    );
  }, [state]);

  return (
    <section className="step-body" aria-labelledby="target-heading">
      <h2 id="target-heading" className="section-title">
        Target
      </h2>
      <div className="two-col">
        <div className="form-col">
          <div className="field">
            <label htmlFor={`${ids}-conn`}>Connection</label>
            <select
              id={`${ids}-conn`}
              className="input"
              value={t.connection}
              onChange={(e) => set({ connection: e.target.value })}
              data-testid="target-connection"
            >
              {connections.data ? null : <option value={t.connection}>{t.connection}</option>}
              {connections.data?.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                  {c.builtIn ? ' (built-in warehouse)' : ` — ${c.user}@${c.host}:${c.port}/${c.database}`}
                </option>
              ))}
            </select>
            {connections.isError ? (
              <ErrorBox title="Cannot list connections" error={connections.error} />
            ) : null}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-table`}>Table ([schema.]table)</label>
            <input
              id={`${ids}-table`}
              className="input mono"
              value={t.table}
              list={`${ids}-tables`}
              placeholder="public.customers"
              spellCheck={false}
              onChange={(e) => set({ table: e.target.value })}
              data-testid="target-table"
            />
            <datalist id={`${ids}-tables`}>
              {tables.data?.map((x) => (
                <option key={`${x.schema}.${x.name}`} value={`${x.schema}.${x.name}`} />
              ))}
            </datalist>
          </div>
          <fieldset className="field">
            <legend>Mode</legend>
            {LOAD_MODES.map((m) => (
              <label key={m} className="radio">
                <input
                  type="radio"
                  name={`${ids}-mode`}
                  value={m}
                  checked={t.mode === m}
                  onChange={() => set({ mode: m })}
                  data-testid={`mode-${m}`}
                />
                <span>
                  <strong>{m}</strong> <span className="muted">{MODE_HELP[m]}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {needsKey ? <KeyPicker columns={loadable} /> : null}
          {t.mode === 'incremental' ? (
            <div className="field">
              <label htmlFor={`${ids}-wm`}>Watermark column</label>
              <select
                id={`${ids}-wm`}
                className="input"
                value={t.watermark}
                onChange={(e) => set({ watermark: e.target.value })}
                data-testid="target-watermark"
              >
                <option value="">Choose…</option>
                {loadable.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name} ({c.type})
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          {needsKey ? (
            <div className="field">
              <label htmlFor={`${ids}-dup`}>Same key twice in one load</label>
              <select
                id={`${ids}-dup`}
                className="input"
                value={t.duplicateKeys}
                onChange={(e) => set({ duplicateKeys: e.target.value as 'last' | 'reject' })}
                data-testid="target-duplicates"
              >
                <option value="last">The last row wins</option>
                <option value="reject">Reject both rows</option>
              </select>
            </div>
          ) : null}
          {t.mode === 'append' ? (
            <label className="check">
              <input
                type="checkbox"
                checked={t.truncate ?? false}
                onChange={(e) => set({ truncate: e.target.checked })}
                data-testid="target-truncate"
              />
              <span>
                Empty the table first{' '}
                <span className="muted">
                  (TRUNCATE in the load’s transaction: if the load fails, the old rows stay)
                </span>
              </span>
            </label>
          ) : null}
          <label className="check">
            <input
              type="checkbox"
              checked={t.addMissingColumns}
              onChange={(e) => set({ addMissingColumns: e.target.checked })}
              data-testid="target-add-missing"
            />
            Add columns missing from an existing table
          </label>
          <div className="field">
            <label htmlFor={`${ids}-rate`}>Maximum error rate (%)</label>
            <input
              id={`${ids}-rate`}
              className="input input-small"
              type="number"
              min={0}
              max={100}
              step={0.1}
              value={Math.round(state.maxErrorRate * 10_000) / 100}
              onChange={(e) => {
                const pct = Number(e.target.value);
                if (Number.isFinite(pct) && pct >= 0 && pct <= 100)
                  dispatch({ type: 'maxErrorRate', value: pct / 100 });
              }}
              data-testid="max-error-rate"
            />
            <p className="hint">The load stops and rolls back when more rows than this are rejected.</p>
          </div>
          <AlertRulesFields
            value={state.alerts}
            maxErrorRate={state.maxErrorRate}
            onChange={(value) => dispatch({ type: 'alerts', value })}
          />
        </div>
        <div className="form-col">
          <ExistingTables tables={tables} onPick={(name) => set({ table: name })} connection={t.connection} />
          <Compatibility
            connection={t.connection}
            table={t.table.trim()}
            columns={loadable.length}
            ready={target.ready}
            check={target.check}
          />
        </div>
      </div>
      {issues.length > 0 ? (
        <div className="notice" data-testid="target-issues">
          <strong>To continue:</strong>
          <ul>
            {issues.map((i) => (
              <li key={`${i.path}:${i.message}`}>
                <strong>{uiPath(i.path)}</strong>: {i.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {issues.length === 0 && !target.passed ? (
        <p className="hint" data-testid="target-check-pending">
          {target.check.isError || target.check.data?.ok === false
            ? 'Plan stays disabled until the check of the table passes (see above).'
            : 'Checking the table…'}
        </p>
      ) : null}
      <div className="step-actions">
        <button type="button" className="btn" onClick={() => dispatch({ type: 'step', step: 'columns' })}>
          ← Columns
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={issues.length > 0 || !target.passed}
          onClick={() => dispatch({ type: 'step', step: 'plan' })}
          data-testid="target-next"
        >
          Plan →
        </button>
      </div>
    </section>
  );
}

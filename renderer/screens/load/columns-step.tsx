import { useEffect, useId, useState } from 'react';
import { formatCount } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { ColumnPanel } from './column-panel.tsx';
import { FileDefaultsPanel } from './file-defaults-panel.tsx';
import { badgeText, columnRejected, columnRejectedText, rejectedListed } from './preview-counts.ts';
import { PreviewGrid, type PreviewView } from './preview-grid.tsx';
import { usePreview } from './use-preview.ts';
import { useWizard } from './wizard-context.tsx';

const LIMITS = [200, 1000, 10_000];

/** Steps 2 and 3: the live preview grid and the column panel beside it. */
export function ColumnsStep() {
  const { state, dispatch } = useWizard();
  const { query, issues, pending } = usePreview(state);
  const [view, setView] = useState<PreviewView>('normalized');
  const [onlyRejected, setOnlyRejected] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [resets, setResets] = useState(0);
  const [inspected, setInspected] = useState<string | null>(null);
  const ids = useId();
  const result = query.data;

  useEffect(() => {
    if (result) dispatch({ type: 'columnOrder', columns: result.columns.map((c) => c.source) });
  }, [result, dispatch]);

  const selectedColumn = result?.columns.find((c) => c.source === selected);
  const warnings = result?.columns.filter((c) => c.warnings.length > 0) ?? [];

  return (
    <section className="step-body step-columns" aria-labelledby="columns-heading">
      <div className="toolbar">
        <h2 id="columns-heading" className="section-title">
          Preview
        </h2>
        <fieldset className="segmented" aria-label="Values shown">
          {(
            [
              ['normalized', 'Normalized'],
              ['raw', 'Raw'],
              ['both', 'Side by side'],
            ] as const
          ).map(([v, label]) => (
            <label key={v} className={view === v ? 'seg seg-on' : 'seg'}>
              <input
                type="radio"
                name={`${ids}-view`}
                value={v}
                checked={view === v}
                onChange={() => setView(v)}
                data-testid={`view-${v}`}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input
            type="checkbox"
            checked={onlyRejected}
            onChange={(e) => setOnlyRejected(e.target.checked)}
            data-testid="only-rejected"
          />
          Only rejected rows
          {result ? (
            <span className="muted" data-testid="only-rejected-count" data-count={rejectedListed(result)}>
              {' '}
              ({formatCount(rejectedListed(result))})
            </span>
          ) : null}
        </label>
        <div className="field field-inline">
          <label htmlFor={`${ids}-limit`}>Rows</label>
          <select
            id={`${ids}-limit`}
            className="input input-small"
            value={state.previewLimit}
            onChange={(e) => dispatch({ type: 'previewLimit', value: Number(e.target.value) })}
            data-testid="preview-limit"
          >
            {LIMITS.map((n) => (
              <option key={n} value={n}>
                first {formatCount(n)}
              </option>
            ))}
          </select>
        </div>
        <span className="spacer" />
        {pending ? (
          <span className="muted" role="status" data-testid="preview-updating">
            <span className="spinner" aria-hidden="true" /> updating…
          </span>
        ) : null}
        {result ? (
          <span
            className={result.counts.sample.rejected > 0 ? 'pill pill-bad' : 'pill pill-ok'}
            data-testid="rejected-count"
            data-count={result.counts.sample.rejected}
            data-rows={result.counts.sample.rows}
            data-shown={result.counts.shown.rejected}
          >
            {badgeText(result)}
          </span>
        ) : null}
      </div>

      {issues.length > 0 ? (
        <div className="error-box" role="alert" data-testid="spec-issues">
          <strong>The settings are not valid yet; the preview shows the last valid state.</strong>
          <ul className="error-issues">
            {issues.map((i) => (
              <li key={`${i.path}:${i.message}`}>
                <code>{i.path}</code> {i.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {query.isError ? (
        <ErrorBox
          title="Preview failed"
          error={query.error}
          onRetry={() => query.refetch()}
          testId="preview-error"
        />
      ) : null}
      {warnings.length > 0 || (result?.warnings.length ?? 0) > 0 ? (
        <ul className="warnings" data-testid="preview-warnings">
          {result?.warnings.map((w) => (
            <li key={w} data-testid="file-warning">
              {w}
            </li>
          ))}
          {warnings.map((c) => (
            <li key={c.source}>
              <button type="button" className="link" onClick={() => setSelected(c.source)}>
                {c.name}
              </button>
              : {c.warnings.join('; ')}
            </li>
          ))}
        </ul>
      ) : null}

      <div className="preview-layout">
        <div className="preview-main">
          {result ? (
            result.columns.length === 0 ? (
              <Empty title="No columns found" testId="preview-empty">
                Check the delimiter and header settings of the source.
              </Empty>
            ) : (
              <PreviewGrid
                result={result}
                view={view}
                onlyRejected={onlyRejected}
                selected={selected}
                onSelect={setSelected}
                onInspect={setInspected}
                stale={query.isPlaceholderData || pending}
              />
            )
          ) : query.isError ? null : (
            <Loading label="Reading and normalizing the first rows…" testId="preview-loading" />
          )}
          <div className="inspector" role="status" aria-live="polite" data-testid="cell-inspector">
            {inspected ??
              'Hover or focus a cell to see its raw value, its normalized value and any reason it is rejected.'}
          </div>
        </div>
        {selectedColumn ? (
          <ColumnPanel
            key={`${selectedColumn.source}:${resets}`}
            column={selectedColumn}
            rejectedText={result ? columnRejectedText(result, selectedColumn.name) : ''}
            rejected={result ? columnRejected(result, selectedColumn.name) : 0}
            edit={state.columns[selectedColumn.source]}
            onChange={(patch) => dispatch({ type: 'column', source: selectedColumn.source, patch })}
            onReset={() => {
              dispatch({ type: 'resetColumn', source: selectedColumn.source });
              setResets((n) => n + 1);
            }}
            onClose={() => setSelected(null)}
          />
        ) : (
          <FileDefaultsPanel
            format={state.format}
            onChange={(patch) => dispatch({ type: 'format', patch })}
            defaults={result?.defaults}
          />
        )}
      </div>

      <div className="step-actions">
        <button type="button" className="btn" onClick={() => dispatch({ type: 'step', step: 'source' })}>
          ← Source
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!result || issues.length > 0}
          onClick={() => dispatch({ type: 'step', step: 'target' })}
          data-testid="columns-next"
        >
          Target →
        </button>
      </div>
    </section>
  );
}

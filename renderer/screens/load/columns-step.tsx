import { useEffect, useId, useState } from 'react';
import { formatCount } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { ColumnPanel } from './column-panel.tsx';
import { FileDefaultsPanel } from './file-defaults-panel.tsx';
import { badgeText, columnRejected, columnRejectedText, rejectedListed } from './preview-counts.ts';
import { columnMatches, PreviewGrid, type PreviewView } from './preview-grid.tsx';
import { EncodingHint } from './source-encoding.tsx';
import { sourceWords } from './source-words.ts';
import { usePreview } from './use-preview.ts';
import { pagesReadText } from './use-source-progress.ts';
import { useWizard } from './wizard-context.tsx';
import { isApiSource } from './wizard-state.ts';

const LIMITS = [200, 1000, 10_000];
/** Files with more columns than this get a column search box. */
const SEARCH_FROM = 10;
/** Below this window width the side panel starts collapsed, so the grid keeps its columns. */
const NARROW = '(max-width: 1279px)';

function isNarrow(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia(NARROW).matches
    : false;
}

/** Steps 2 and 3: the live preview grid and the column panel beside it. */
export function ColumnsStep() {
  const { state, dispatch } = useWizard();
  const { query, issues, pending, progress } = usePreview(state);
  const [view, setView] = useState<PreviewView>('normalized');
  const [onlyRejected, setOnlyRejected] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [resets, setResets] = useState(0);
  const [inspected, setInspected] = useState<string | null>(null);
  const [columnSearch, setColumnSearch] = useState('');
  const [collapsed, setCollapsed] = useState(isNarrow);
  const ids = useId();
  const result = query.data;
  // Editing a column opens the panel; closing it on a narrow window gives the grid its room back.
  const select = (source: string | null) => {
    setSelected(source);
    if (source !== null) setCollapsed(false);
    else if (isNarrow()) setCollapsed(true);
  };
  const searchable = (result?.columns.length ?? 0) > SEARCH_FROM;
  const matching = result ? result.columns.filter((c) => columnMatches(c, columnSearch)).length : 0;

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
        {searchable ? (
          <div className="field field-inline">
            <label htmlFor={`${ids}-find`}>Find column</label>
            <input
              id={`${ids}-find`}
              type="search"
              className="input input-small"
              value={columnSearch}
              onChange={(e) => setColumnSearch(e.target.value)}
              placeholder="name or header"
              data-testid="column-search"
            />
            {columnSearch.trim() ? (
              <span className="muted" data-testid="column-search-count" data-count={matching}>
                {formatCount(matching)} of {formatCount(result?.columns.length ?? 0)} columns
              </span>
            ) : null}
          </div>
        ) : null}
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
              <button type="button" className="link" onClick={() => select(c.source)}>
                {c.name}
              </button>
              : {c.warnings.join('; ')}
            </li>
          ))}
        </ul>
      ) : null}

      <EncodingHint result={result} id={ids} />

      <div className={`preview-layout${collapsed ? ' panel-collapsed' : ''}`} data-testid="preview-layout">
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
                onSelect={select}
                onInspect={setInspected}
                stale={query.isPlaceholderData || pending}
                columnSearch={searchable ? columnSearch : ''}
                rowWord={state.database || isApiSource(state.source) ? 'Row' : 'Line'}
                noRowsText={sourceWords(state).noRows}
              />
            )
          ) : query.isError ? null : (
            <Loading
              label={
                isApiSource(state.source)
                  ? "Reading and normalizing the first rows: the API's pages up to the type-inference sample (10,000 records unless the job says otherwise), one request after another; a slow API takes a while…" +
                    (progress ? ` ${pagesReadText(progress)}.` : '')
                  : 'Reading and normalizing the first rows…'
              }
              testId="preview-loading"
            />
          )}
          <div className="inspector" role="status" aria-live="polite" data-testid="cell-inspector">
            {inspected ??
              'Hover or focus a cell to see its raw value, its normalized value and any reason it is rejected.'}
          </div>
        </div>
        {collapsed ? (
          <button
            type="button"
            className="panel-rail"
            onClick={() => setCollapsed(false)}
            aria-label={selectedColumn ? 'Show the column panel' : 'Show the source defaults'}
            data-testid="panel-expand"
          >
            {selectedColumn ? 'Column' : 'Source defaults'} ‹
          </button>
        ) : selectedColumn ? (
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
            onClose={() => select(null)}
            onCollapse={() => setCollapsed(true)}
          />
        ) : (
          <FileDefaultsPanel
            format={state.format}
            onChange={(patch) => dispatch({ type: 'format', patch })}
            defaults={result?.defaults}
            onCollapse={() => setCollapsed(true)}
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

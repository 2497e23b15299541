import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { type CallError, type CommandOutput, REPORT_FORMATS } from '../../../core/common/contract/index.ts';
import { countOf } from '../../../core/common/outcome/words.ts';
import { isFilteredReport, reportFileName } from '../../../core/common/report-file-name.ts';
import { useTransport } from '../../api/api-context.tsx';
import { useCommand } from '../../api/queries.ts';
import type { ReportFormat } from '../../api/transport.ts';
import { formatCount } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { LIVE_REPORT_MS, RejectedRowsTable, type ReportFilters } from './rejected-rows-table.tsx';

/** How long the search box waits for typing to pause before it filters the rows. */
const SEARCH_DEBOUNCE_MS = 300;

/**
 * A run's error report: reason × column summary (counts, an example each), the rejected rows
 * with filters, and export to CSV / JSON / NDJSON.
 */
export function ErrorReport(props: {
  runId: string;
  running: boolean;
  /** What to say when no row was rejected (what happened to the rows instead); see `rowsOutcome`. */
  emptyText?: string;
  /** The run's count of rejected rows (a row may have several problems), once it has ended. */
  rejectedRows?: number;
}) {
  // A running load writes its rejected rows as it goes: read them again now and then until it ends
  // (its end invalidates the report once more), so the report does not say "none so far" while the
  // progress counts them.
  const summary = useCommand(
    'reports.summary',
    { runId: props.runId },
    { refetchInterval: props.running ? LIVE_REPORT_MS : false },
  );
  const [filters, setFilters] = useState<ReportFilters>({});
  // The search box as typed; the rows (and the exports) follow it once typing pauses.
  const [search, setSearch] = useState('');
  useEffect(() => {
    const text = search.trim() || undefined;
    const timer = setTimeout(
      () => setFilters((f) => (f.text === text ? f : { ...f, text })),
      text === undefined ? 0 : SEARCH_DEBOUNCE_MS,
    );
    return () => clearTimeout(timer);
  }, [search]);
  const filtered = isFilteredReport(filters);
  const ids = useId();
  const rowsTitle = useRef<HTMLHeadingElement>(null);
  const total = summary.data?.reduce((n, s) => n + s.count, 0) ?? 0;
  const columns = useMemo(
    () => [...new Set(summary.data?.flatMap((s) => (s.column === null ? [] : [s.column])) ?? [])].sort(),
    [summary.data],
  );
  const reasons = useMemo(
    () => [...new Set(summary.data?.map((s) => s.reason) ?? [])].sort(),
    [summary.data],
  );

  return (
    <section className="report" aria-labelledby={`${ids}-title`} data-testid="error-report">
      <div className="toolbar">
        <h2 id={`${ids}-title`} className="section-title">
          Error report
        </h2>
        <span className="spacer" />
        {/* Nothing to export until the report has rows (and the run has ended). */}
        <ExportButtons
          runId={props.runId}
          disabled={props.running || !summary.data || summary.data.length === 0}
          filters={filters}
        />
      </div>
      {summary.isPending ? (
        <Loading label="Loading the report…" />
      ) : summary.isError ? (
        <ErrorBox title="Cannot load the report" error={summary.error} onRetry={() => summary.refetch()} />
      ) : summary.data.length === 0 ? (
        <Empty title={props.running ? 'No rejected rows so far' : 'No rejected rows'} testId="report-empty">
          {props.running
            ? 'The report fills in as the load runs.'
            : (props.emptyText ?? 'No row was rejected.')}
        </Empty>
      ) : (
        <>
          <table className="table table-compact" data-testid="report-summary">
            <caption className="caption" data-testid="report-caption">
              {/* Problems, not rows: a row with a bad amount and a bad date is one rejected row. */}
              {countOf(total, 'problem')}
              {props.rejectedRows !== undefined && !props.running && props.rejectedRows !== total
                ? ` in ${countOf(props.rejectedRows, 'rejected row')}`
                : ''}
              , grouped by reason and column
            </caption>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Reason</th>
                <th scope="col">Column</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col">Example</th>
                <th scope="col">
                  <span className="visually-hidden">Filter</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {summary.data.map((s) => (
                <tr
                  key={`${s.stage}:${s.reason}:${s.column ?? ''}`}
                  data-testid="summary-row"
                  data-reason={s.reason}
                  data-column={s.column ?? ''}
                  data-count={s.count}
                >
                  <td>{s.stage}</td>
                  <td className="mono">{s.reason}</td>
                  <td className="mono">{s.column ?? <span className="muted">(whole row)</span>}</td>
                  <td className="num">{formatCount(s.count)}</td>
                  <td className="mono ellipsis" title={s.example ?? undefined}>
                    {s.example ?? '—'}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      onClick={() => {
                        setSearch('');
                        setFilters({ stage: s.stage, reason: s.reason, column: s.column ?? undefined });
                        // The rows are below the summary, often out of view: go to them.
                        rowsTitle.current?.scrollIntoView({ block: 'start' });
                        rowsTitle.current?.focus();
                      }}
                      data-testid="show-rows"
                    >
                      Show rows
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="toolbar">
            <h3 className="panel-title" ref={rowsTitle} tabIndex={-1} data-testid="rejected-rows-title">
              Rejected rows
            </h3>
            <div className="field field-inline">
              <label htmlFor={`${ids}-stage`}>Stage</label>
              <select
                id={`${ids}-stage`}
                className="input input-small"
                value={filters.stage ?? ''}
                onChange={(e) =>
                  setFilters((f) => ({
                    ...f,
                    stage: (e.target.value || undefined) as ReportFilters['stage'],
                  }))
                }
                data-testid="filter-stage"
              >
                <option value="">All</option>
                <option value="parse">parse</option>
                <option value="normalize">normalize</option>
                <option value="load">load</option>
              </select>
            </div>
            <div className="field field-inline">
              <label htmlFor={`${ids}-column`}>Column</label>
              <select
                id={`${ids}-column`}
                className="input input-fit"
                value={filters.column ?? ''}
                onChange={(e) => setFilters((f) => ({ ...f, column: e.target.value || undefined }))}
                data-testid="filter-column"
              >
                <option value="">All</option>
                {columns.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            <div className="field field-inline">
              <label htmlFor={`${ids}-reason`}>Reason</label>
              <select
                id={`${ids}-reason`}
                className="input input-fit"
                value={filters.reason ?? ''}
                onChange={(e) => setFilters((f) => ({ ...f, reason: e.target.value || undefined }))}
                data-testid="filter-reason"
              >
                <option value="">All</option>
                {reasons.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <div className="field field-inline">
              <label htmlFor={`${ids}-text`}>Find</label>
              <input
                id={`${ids}-text`}
                type="search"
                className="input input-search"
                placeholder="a value or a message"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
                aria-describedby={`${ids}-text-hint`}
                data-testid="filter-text"
              />
              <span id={`${ids}-text-hint`} className="visually-hidden">
                Rows whose values in any column, messages or source text contain this text, in either case
              </span>
            </div>
            {filtered || search ? (
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={() => {
                  setSearch('');
                  setFilters({});
                }}
              >
                Clear filters
              </button>
            ) : null}
          </div>
          <RejectedRowsTable runId={props.runId} filters={filters} running={props.running} />
        </>
      )}
    </section>
  );
}

/**
 * Export: a download in the browser host; the native save dialog in the desktop app. The file holds
 * the rows the filters show (every rejected row without a filter), and the label says which.
 */
function ExportButtons(props: { runId: string; disabled: boolean; filters: ReportFilters }) {
  const transport = useTransport();
  const exportUrl = transport.exportUrl;
  const { filters } = props;
  const filtered = isFilteredReport(filters);
  // The engine writes only where the operator chose in the save dialog (a one-use grant), and
  // replaces an existing file only when the dialog confirmed it.
  const exportMutation = useMutation<CommandOutput<'reports.export'> | null, CallError, ReportFormat>({
    mutationFn: async (format) => {
      const { file } = await transport.api.call('dialogs.saveFile', {
        defaultName: reportFileName(props.runId, format, filters),
        title: 'Export the error report',
      });
      if (!file) return null;
      return transport.api.call('reports.export', {
        runId: props.runId,
        format,
        file: file.handle,
        ...filters,
      });
    },
  });
  const save = (format: ReportFormat) => exportMutation.mutate(format);
  // The browser host's link holds no credential: a click asks for a one-use ticket and follows it.
  const download = useMutation<void, CallError, { url: string; name: string }>({
    mutationFn: async ({ url, name }) => transport.download?.(props.runId, url, name),
  });
  return (
    <div className="export" data-testid="export">
      <span className="muted" data-testid="export-scope">
        {filtered ? 'Export the filtered rows' : 'Export'}
      </span>
      {REPORT_FORMATS.map((format) =>
        exportUrl ? (
          <a
            key={format}
            className={`btn btn-small${props.disabled ? ' btn-disabled' : ''}`}
            href={props.disabled ? undefined : exportUrl(props.runId, format, filters)}
            aria-disabled={props.disabled}
            download={reportFileName(props.runId, format, filters)}
            onClick={(e) => {
              e.preventDefault();
              if (props.disabled) return;
              download.mutate({
                url: exportUrl(props.runId, format, filters),
                name: reportFileName(props.runId, format, filters),
              });
            }}
            data-testid={`export-${format}`}
          >
            {format.toUpperCase()}
          </a>
        ) : (
          <button
            key={format}
            type="button"
            className="btn btn-small"
            disabled={props.disabled || exportMutation.isPending}
            onClick={() => save(format)}
            data-testid={`export-${format}`}
          >
            {format.toUpperCase()}…
          </button>
        ),
      )}
      {exportMutation.isSuccess && exportMutation.data ? (
        <span className="text-ok" role="status">
          ✓ {countOf(exportMutation.data.rows, 'row')} → {exportMutation.data.path}
        </span>
      ) : null}
      {exportMutation.isError ? <ErrorBox title="Export failed" error={exportMutation.error} /> : null}
      {download.isError ? <ErrorBox title="Download failed" error={download.error} /> : null}
    </div>
  );
}

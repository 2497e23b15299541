import { type InfiniteData, useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type {
  CallError,
  CommandOutput,
  RejectedRowDto,
  ReportRowFilter,
} from '../../../core/common/contract/index.ts';
import { placeText } from '../../../core/common/types.ts';
import { useTransport } from '../../api/api-context.tsx';
import { displayValue, formatCount } from '../../components/format.ts';
import { Empty, ErrorBox, Loading } from '../../components/states.tsx';
import { rejectedSourceColumns } from './rejected-row-view.ts';
import { RowInspector } from './row-inspector.tsx';

/** Filters of the rejected rows table (and of the report's export: it holds the rows shown). */
export type ReportFilters = ReportRowFilter;

/** How often the report of a running load is read again (its end invalidates it once more). */
export const LIVE_REPORT_MS = 2000;
const PAGE = 200;
const ROW_HEIGHT = 30;
type Page = CommandOutput<'reports.page'>;

/**
 * The rejected rows of a run, paged from the store as the operator scrolls (virtualized). A row
 * opens the row inspector (the whole row) on a click, Enter or Space; the rows take the keyboard
 * focus one at a time (Tab reaches the last one focused; arrows, Page Up/Down, Home and End move).
 */
export function RejectedRowsTable(props: { runId: string; filters: ReportFilters; running: boolean }) {
  const { api } = useTransport();
  const input = { runId: props.runId, ...props.filters, limit: PAGE };
  const query = useInfiniteQuery<Page, CallError, InfiniteData<Page>, readonly unknown[], number>({
    queryKey: ['reports.page', input],
    queryFn: ({ pageParam }) => api.call('reports.page', { ...input, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total && last.rows.length > 0 ? loaded : undefined;
    },
    // Rows come in record order and a running load only adds rows: the pages read stay as they
    // were and the total grows (see the report's summary).
    refetchInterval: props.running ? LIVE_REPORT_MS : false,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.rows) ?? [], [query.data]);
  const first = query.data?.pages[0];
  const total = first?.total ?? 0;
  const sourceColumns = first?.sourceColumns ?? [];
  const columnNames = first?.columnNames ?? null;
  const scrollRef = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;

  // A new filter shows other rows: start at the top of them, not where the last ones were scrolled.
  // Run after every render until done: with rows not loaded yet there is no grid to scroll, and the
  // virtualizer puts its last offset back on a new grid element (in a layout effect, before this).
  const filterKey = JSON.stringify(props.filters);
  const scrolledFor = useRef(filterKey);
  useEffect(() => {
    const el = scrollRef.current;
    if (scrolledFor.current === filterKey || !el) return;
    scrolledFor.current = filterKey;
    virtualizer.scrollToOffset(0);
    el.scrollTop = 0;
  });

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, rows.length]);

  // The row that Tab reaches (roving focus), the one the inspector shows, and a row to focus once it
  // is rendered (a move past the rows in view, or the inspector closing).
  const [active, setActive] = useState(0);
  const [inspected, setInspected] = useState<number | null>(null);
  const focusPending = useRef<number | null>(null);
  const hintId = useId();
  useEffect(() => {
    const index = focusPending.current;
    if (index === null || inspected !== null) return;
    const el = scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${index}"]`);
    if (!el) return;
    focusPending.current = null;
    el.focus();
  });
  // Other rows (a new filter) start at the first one; a shorter list keeps a place it has.
  const [rowsFor, setRowsFor] = useState(filterKey);
  if (rowsFor !== filterKey) {
    setRowsFor(filterKey);
    setActive(0);
    setInspected(null);
  }
  const activeIndex = Math.min(active, Math.max(total - 1, 0));

  const moveTo = (index: number) => {
    const to = Math.max(0, Math.min(total - 1, index));
    setActive(to);
    focusPending.current = to;
    const el = scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${to}"]`);
    if (el) {
      focusPending.current = null;
      el.focus();
    } else virtualizer.scrollToIndex(to);
  };
  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, index: number) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / ROW_HEIGHT) - 2);
    const to = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: total - 1,
    }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      moveTo(to);
    } else if ((e.key === 'Enter' || e.key === ' ') && rows[index]) {
      e.preventDefault();
      setInspected(index);
    }
  };
  const closeInspector = useCallback(() => {
    setInspected((index) => {
      focusPending.current = index;
      return null;
    });
  }, []);

  if (query.isPending) return <Loading label="Loading rejected rows…" />;
  if (query.isError) return <ErrorBox title="Cannot load rejected rows" error={query.error} />;
  if (total === 0) return <Empty title="No rows match these filters" testId="rejected-empty" />;

  const template = `70px 84px 130px 150px minmax(260px, 1.5fr) repeat(${sourceColumns.length}, 140px)`;
  const minWidth = 70 + 84 + 130 + 150 + 260 + sourceColumns.length * 140;
  return (
    // Its height is the window's less the report's toolbar (grids.css): scrolled into view, the
    // rows fill the screen at every window size.
    <div ref={scrollRef} className="grid-scroll report-grid" data-testid="rejected-rows" data-total={total}>
      <table className="vtable" aria-label="Rejected rows" aria-rowcount={total + 1}>
        <thead className="grid-header" style={{ minWidth }}>
          <tr aria-rowindex={1} style={{ gridTemplateColumns: template }}>
            {/* A database's or an API's rows are placed by key, row or page, not by a file's line. */}
            {[rows[0]?.at ? 'Where' : 'Line', 'Stage', 'Column', 'Reason', 'Message'].map((h) => (
              <th key={h} scope="col" className="grid-hcell grid-hcell-plain">
                {h}
              </th>
            ))}
            {sourceColumns.map((c) => (
              <th key={c} scope="col" className="grid-hcell grid-hcell-plain mono" title={`raw ${c}`}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="grid-body" style={{ height: virtualizer.getTotalSize(), minWidth }}>
          {items.map((v) => {
            const row = rows[v.index];
            return (
              <tr
                key={v.key}
                aria-rowindex={v.index + 2}
                aria-describedby={hintId}
                className="grid-row"
                style={{
                  transform: `translateY(${v.start}px)`,
                  height: ROW_HEIGHT,
                  gridTemplateColumns: template,
                }}
                tabIndex={v.index === activeIndex ? 0 : -1}
                onFocus={() => setActive(v.index)}
                onKeyDown={(e) => onRowKey(e, v.index)}
                onClick={() => {
                  setActive(v.index);
                  // Selecting text in a row (to copy a value) is not asking for the inspector.
                  if (row && !window.getSelection()?.toString()) setInspected(v.index);
                }}
                data-index={v.index}
                data-testid={row ? 'rejected-row' : 'rejected-row-loading'}
                data-line={row?.line}
              >
                {row ? (
                  <RowCells row={row} sourceColumns={sourceColumns} columnNames={columnNames} />
                ) : (
                  <td className="grid-cell muted">…</td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="grid-foot muted">
        {formatCount(rows.length)} of {formatCount(total)} loaded
        <span id={hintId}> · Enter or a click shows the whole row</span>
      </div>
      {inspected !== null && rows[inspected] ? (
        <RowInspector
          row={rows[inspected]}
          index={inspected}
          total={total}
          sourceColumns={sourceColumns}
          columnNames={columnNames}
          onClose={closeInspector}
        />
      ) : null}
    </div>
  );
}

function RowCells(props: {
  row: RejectedRowDto;
  sourceColumns: string[];
  columnNames: Array<string | null> | null;
}) {
  const { row } = props;
  const join = (pick: (e: RejectedRowDto['errors'][number]) => string) => row.errors.map(pick).join('; ');
  const message = join((e) => (e.sqlstate ? `${e.message} [${e.sqlstate}]` : e.message));
  // Errors name target columns; a renamed column's cell is found by the name it became.
  const bad = rejectedSourceColumns(row, props.sourceColumns, props.columnNames);
  const isBad = (c: string, _i: number) => bad.has(c);
  const text = (value: string, testId?: string) => (
    <span className="v" data-testid={testId}>
      {value}
    </span>
  );
  return (
    <>
      <td
        className="grid-cell num"
        data-testid="rejected-line"
        title={row.at ? placeText(row.line, row.at) : undefined}
      >
        {row.at ? placeText(row.line, row.at).replace(/ \(.*\)$/, '') : row.line}
      </td>
      <td className="grid-cell">{text(row.stage)}</td>
      <td className="grid-cell mono" data-testid="rejected-column">
        {text(join((e) => e.column ?? '(row)'))}
      </td>
      <td className="grid-cell mono" data-testid="rejected-reason">
        {text(join((e) => e.reason))}
      </td>
      <td className="grid-cell" title={message} data-testid="rejected-message">
        {text(message)}
      </td>
      {props.sourceColumns.map((c, i) => {
        // A record that could not be split into fields has only its source text: show it in the first column.
        const shown =
          i === 0 && row.rawText !== null && Object.keys(row.raw).length === 0 ? row.rawText : null;
        const d = shown === null ? displayValue(row.raw[c]) : { text: shown, kind: 'value' as const };
        return (
          <td
            key={c}
            className={`grid-cell mono${isBad(c, i) ? ' cell-rejected' : ''}`}
            title={d.text}
            data-testid={isBad(c, i) ? 'rejected-cell' : undefined}
            data-column={c}
          >
            <span className={`v v-${d.kind}`}>{d.text}</span>
          </td>
        );
      })}
    </>
  );
}

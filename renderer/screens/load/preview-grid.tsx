import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef } from 'react';
import type {
  PreviewColumnDto,
  PreviewResultDto,
  PreviewRowDto,
} from '../../../core/common/contract/index.ts';
import { displayValue, formatCount } from '../../components/format.ts';
import { columnMatches, headerChars } from './column-fit.ts';
import { columnRejected, columnRejectedText, gridRows, oneLine, rejectedListNote } from './preview-counts.ts';
import { type CellError, cellValues, type GridRow, PreviewRow, type PreviewView } from './preview-row.tsx';

export { columnMatches } from './column-fit.ts';
export type { PreviewView } from './preview-row.tsx';

const LINE_WIDTH = 64;

/**
 * What a preview row's number is: a file's `Line`; a database result's or an API's `Row` (its
 * place among the rows or records read, not a line of any file).
 */
export type RowWord = 'Line' | 'Row';

/** One sentence about a cell for the inspector line (hover or keyboard focus). */
export function describeCell(
  row: PreviewRowDto,
  col: PreviewColumnDto,
  error: CellError | undefined,
  word: RowWord = 'Line',
): string {
  const { raw, value } = cellValues(row, col);
  const rawText = displayValue(raw).text;
  const at = `${word} ${row.line} · ${col.name}`;
  if (error) return `${at}: “${error.value}” rejected — ${error.reason}: ${error.message}`;
  if (col.skip) return `${at}: skipped (raw “${rawText}”)`;
  return `${at}: raw “${rawText}” → ${displayValue(value).text} (${col.type})`;
}

/** The inspector's sentence about a row the reader could not split. */
export function describeProblem(
  line: number,
  p: NonNullable<PreviewRowDto['problem']>,
  word: RowWord = 'Line',
): string {
  const text = p.rawText === undefined ? '' : ` — raw: “${oneLine(p.rawText)}”`;
  return `${word} ${line}: row rejected — ${p.reason}: ${p.message}${text}`;
}

/** Height of a row the reader could not split (reason and raw text on two lines). */
const PROBLEM_ROW_HEIGHT = 46;

/** Pixels per character of the grid's 12px monospace font, and the cell padding. */
const CHAR_PX = 7.3;
const CELL_PAD = 22;
/** Rows looked at to size the columns: enough to be representative, cheap for 10,000 rows. */
const WIDTH_SAMPLE = 300;

/** The widest a column grows for its values; its header may make it wider, up to HEADER_MAX. */
const VALUE_MAX = 320;
const HEADER_MAX = 480;

/**
 * Column widths that fit the whole header and the sampled values (values clamped at VALUE_MAX, the
 * header at HEADER_MAX), computed once per result and view.
 */
function columnWidths(
  result: PreviewResultDto,
  columns: readonly PreviewColumnDto[],
  view: PreviewView,
): number[] {
  const sample = result.rows.slice(0, WIDTH_SAMPLE);
  return columns.map((c) => {
    let chars = 0;
    for (const row of sample) {
      const { raw, value } = cellValues(row, c);
      if (view !== 'raw') chars = Math.max(chars, displayValue(value).text.length);
      if (view !== 'normalized') chars = Math.max(chars, displayValue(raw).text.length);
    }
    const values = Math.min(VALUE_MAX, chars * CHAR_PX + CELL_PAD);
    const header = Math.min(HEADER_MAX, headerChars(result, c) * CHAR_PX + CELL_PAD);
    return Math.round(Math.max(80, values, header));
  });
}

/**
 * The preview grid: a virtualized table (10,000 rows scroll smoothly) whose rejected cells are
 * highlighted buttons: the reason shows on hover (title) and on keyboard focus (`onInspect`).
 */
export const PreviewGrid = memo(function PreviewGrid(props: {
  result: PreviewResultDto;
  view: PreviewView;
  onlyRejected: boolean;
  selected: string | null;
  onSelect: (source: string | null) => void;
  onInspect: (text: string | null) => void;
  stale: boolean;
  /** The column search: only matching columns are shown (wide files). */
  columnSearch?: string;
  /** What the row numbers are (a file's lines by default). */
  rowWord?: RowWord;
  /** What the grid says when the source has no rows ("The query returned no rows."). */
  noRowsText?: string;
}) {
  const { result, view, onlyRejected, selected, onSelect, onInspect } = props;
  const rowWord = props.rowWord ?? 'Line';
  const search = props.columnSearch ?? '';
  const columns = useMemo(
    () => result.columns.filter((c) => columnMatches(c, search)),
    [result.columns, search],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLTableSectionElement>(null);

  const rows = useMemo<GridRow[]>(
    () =>
      gridRows(result, onlyRejected).map((row) => {
        const errors = new Map<string, CellError>();
        for (const e of row.errors) if (!errors.has(e.column)) errors.set(e.column, e);
        return { row, errors };
      }),
    [result, onlyRejected],
  );
  const listNote = onlyRejected ? rejectedListNote(result) : null;

  const byName = useMemo(() => new Map(columns.map((c) => [c.name, c])), [columns]);
  const widths = useMemo(() => columnWidths(result, columns, view), [result, columns, view]);
  const rowHeight = view === 'both' ? 42 : 28;
  const template = `${LINE_WIDTH}px ${widths.map((w) => `${w}px`).join(' ')}`;
  const width = LINE_WIDTH + widths.reduce((a, b) => a + b, 0);

  // A row the reader could not split shows its reason and its raw text: two lines in every view.
  const problemHeight = Math.max(rowHeight, PROBLEM_ROW_HEIGHT);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.row.problem ? problemHeight : rowHeight),
    overscan: 8,
  });

  // Rows change height with the view (two lines side by side) and with the filter (which rows are
  // where): drop the sizes computed for the previous rows.
  useEffect(() => {
    if (rows && rowHeight > 0) virtualizer.measure();
  }, [rows, rowHeight, virtualizer]);

  // One delegated listener for hover and focus instead of two per cell: cells carry their
  // coordinates as data attributes. Hover is a convenience; focus gives keyboard users the same text.
  useEffect(() => {
    const body = bodyRef.current;
    if (!body) return;
    const inspect = (e: Event) => {
      const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-cell]');
      if (!cell) return;
      const gridRow = rows[Number(cell.dataset.index)];
      if (!gridRow) return;
      const col = byName.get(cell.dataset.column ?? '');
      if (!col) {
        const p = gridRow.row.problem;
        onInspect(p ? describeProblem(gridRow.row.line, p, rowWord) : null);
        return;
      }
      onInspect(describeCell(gridRow.row, col, gridRow.errors.get(col.name), rowWord));
    };
    const leave = () => onInspect(null);
    body.addEventListener('mouseover', inspect);
    body.addEventListener('focusin', inspect);
    body.addEventListener('mouseleave', leave);
    return () => {
      body.removeEventListener('mouseover', inspect);
      body.removeEventListener('focusin', inspect);
      body.removeEventListener('mouseleave', leave);
    };
  }, [rows, byName, onInspect, rowWord]);

  return (
    <div
      ref={scrollRef}
      className={`grid-scroll${props.stale ? ' grid-stale' : ''}`}
      data-testid="preview-grid"
      aria-busy={props.stale}
    >
      <table className="vtable" aria-label="Preview of the first rows" aria-rowcount={rows.length + 1}>
        <thead className="grid-header" style={{ width }}>
          <tr aria-rowindex={1} style={{ gridTemplateColumns: template }}>
            <th scope="col" className="grid-hcell grid-line">
              {rowWord}
            </th>
            {columns.map((c) => (
              <th
                key={c.source}
                scope="col"
                className={`grid-hcell${c.skip ? ' col-skipped' : ''}${selected === c.source ? ' col-selected' : ''}`}
              >
                <button
                  type="button"
                  className="hcell-button"
                  onClick={() => onSelect(selected === c.source ? null : c.source)}
                  aria-pressed={selected === c.source}
                  data-testid="column-header"
                  data-column={c.name}
                  data-source={c.source}
                  aria-label={`Column ${c.name}, ${c.type}${c.skip ? ', skipped' : ''}${c.warnings.length ? `, ${c.warnings.length} warning(s): ${c.warnings.join('; ')}` : ''}. Edit`}
                >
                  <span className="hcell-name">
                    {c.name}
                    {c.warnings.length > 0 ? (
                      <span className="warn-icon" title={c.warnings.join('\n')} data-testid="column-warning">
                        ⚠
                      </span>
                    ) : null}
                  </span>
                  <span className="hcell-meta">
                    <span
                      className={`type-chip${c.declared ? ' type-declared' : ''}`}
                      data-testid="column-type"
                    >
                      {c.type}
                    </span>
                    {c.skip ? <span className="muted">skipped</span> : null}
                    {columnRejected(result, c.name) > 0 ? (
                      <span
                        className="bad-count"
                        title={columnRejectedText(result, c.name)}
                        data-testid="column-bad"
                        data-count={columnRejected(result, c.name)}
                      >
                        {formatCount(columnRejected(result, c.name))} bad
                      </span>
                    ) : null}
                    {c.source !== c.name ? <span className="muted ellipsis">← {c.source}</span> : null}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={bodyRef} className="grid-body" style={{ height: virtualizer.getTotalSize(), width }}>
          {virtualizer.getVirtualItems().map((v) => {
            const gridRow = rows[v.index];
            return gridRow ? (
              <PreviewRow
                key={v.key}
                gridRow={gridRow}
                index={v.index}
                start={v.start}
                height={gridRow.row.problem ? problemHeight : rowHeight}
                template={template}
                columns={columns}
                view={view}
                onSelect={onSelect}
                rowWord={rowWord}
              />
            ) : null;
          })}
        </tbody>
      </table>
      {columns.length === 0 ? (
        <div className="grid-empty" data-testid="no-column-matches">
          No column matches “{search}”.
        </div>
      ) : null}
      {rows.length === 0 ? (
        <div className="grid-empty" data-testid="preview-empty">
          {onlyRejected
            ? 'No rejected rows in this sample.'
            : (props.noRowsText ?? 'The file has no data rows.')}
        </div>
      ) : null}
      {listNote ? (
        <div className="grid-foot" data-testid="rejected-list-note">
          {listNote}
        </div>
      ) : null}
    </div>
  );
});

import { memo } from 'react';
import type { PreviewColumnDto, PreviewRowDto } from '../../../core/common/contract/index.ts';
import { displayValue } from '../../components/format.ts';
import { oneLine } from './preview-counts.ts';

/** Which values the grid shows. */
export type PreviewView = 'normalized' | 'raw' | 'both';

/** A rejected cell's reason, as the preview reports it. */
export interface CellError {
  reason: string;
  message: string;
  value: string;
}

/** A preview row with its errors indexed by column, computed once per result. */
export interface GridRow {
  row: PreviewRowDto;
  errors: Map<string, CellError>;
}

/** The raw and normalized values of a cell; values are keyed by target name, raw by source header. */
export function cellValues(row: PreviewRowDto, col: PreviewColumnDto): { raw: unknown; value: unknown } {
  return {
    raw: col.source in row.raw ? row.raw[col.source] : row.raw[col.name],
    value: col.name in row.values ? row.values[col.name] : row.values[col.source],
  };
}

/**
 * One row of the preview grid. Memoized: while scrolling, only rows coming into view render; rows
 * already on screen keep their position (`start`) and props.
 */
export const PreviewRow = memo(function PreviewRow(props: {
  gridRow: GridRow;
  index: number;
  start: number;
  height: number;
  template: string;
  columns: PreviewColumnDto[];
  view: PreviewView;
  onSelect: (source: string | null) => void;
  /** What the row number is: a file's line, or a database's or API's row. */
  rowWord: 'Line' | 'Row';
}) {
  const { gridRow, index, view, onSelect } = props;
  const { row, errors } = gridRow;
  const problem = row.problem;
  const style = {
    transform: `translateY(${props.start}px)`,
    height: props.height,
    gridTemplateColumns: props.template,
  };
  if (problem) {
    // The reader could not split this row: there are no values to show per column, so the row says
    // why and shows the record as it was read, in every view.
    return (
      <tr
        aria-rowindex={index + 2}
        className="grid-row row-problem"
        style={style}
        data-testid="preview-row"
        data-line={row.line}
      >
        <th scope="row" className="grid-cell grid-line" data-cell="" data-index={index}>
          {row.line}
        </th>
        <td
          className="grid-cell problem-cell"
          colSpan={props.columns.length}
          style={{ gridColumn: `2 / span ${Math.max(1, props.columns.length)}` }}
          data-cell=""
          data-index={index}
          data-testid="row-problem"
          data-reason={problem.reason}
        >
          <div className="problem-inline">
            <span className="problem-why">
              <span className="reason-chip">{problem.reason}</span>{' '}
              {/* The line is in the line column already. */}
              {problem.message.replace(/^line \d+: /, '')}
            </span>
            <span className="problem-raw" data-testid="row-problem-raw">
              {problem.rawText === undefined ? (
                <span className="v-null">(the reader kept no text for this row)</span>
              ) : (
                <>
                  {oneLine(problem.rawText)}
                  {problem.rawTextLength !== undefined ? (
                    <span className="muted">
                      {' '}
                      ({problem.rawTextLength.toLocaleString('en-US')} characters)
                    </span>
                  ) : null}
                </>
              )}
            </span>
          </div>
        </td>
      </tr>
    );
  }
  return (
    <tr
      aria-rowindex={index + 2}
      className={`grid-row${errors.size > 0 ? ' row-rejected' : ''}`}
      style={style}
      data-testid="preview-row"
      data-line={row.line}
    >
      <th scope="row" className="grid-cell grid-line" data-cell="" data-index={index}>
        {row.line}
      </th>
      {props.columns.map((c) => {
        const err = errors.get(c.name);
        const { raw, value } = cellValues(row, c);
        const shownRaw = displayValue(raw);
        const shown = err ? { text: err.value, kind: 'value' as const } : displayValue(value);
        const content =
          view === 'raw' ? (
            <span className={`v v-${shownRaw.kind}`}>{shownRaw.text}</span>
          ) : view === 'both' ? (
            <>
              <span className={`v v-${shown.kind}`} data-testid="cell-value">
                {shown.text}
              </span>
              <span className={`v v-raw v-${shownRaw.kind}`}>{shownRaw.text}</span>
            </>
          ) : (
            <span className={`v v-${shown.kind}`} data-testid="cell-value">
              {shown.text}
            </span>
          );
        return (
          <td
            key={c.source}
            className={`grid-cell${err ? ' cell-rejected' : ''}${c.skip ? ' col-skipped' : ''}`}
            data-cell=""
            data-index={index}
            data-column={c.name}
            data-line={row.line}
            data-testid={err ? 'cell-rejected' : 'cell'}
            data-reason={err?.reason}
          >
            {err ? (
              <button
                type="button"
                className="cell-button"
                title={`${err.reason}: ${err.message}`}
                aria-label={`${props.rowWord} ${row.line}, ${c.name}: “${err.value}” rejected, ${err.message}. Edit column`}
                onClick={() => onSelect(c.source)}
              >
                {content}
              </button>
            ) : (
              content
            )}
          </td>
        );
      })}
    </tr>
  );
});

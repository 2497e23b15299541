import { memo } from 'react';
import type { PreviewColumnDto, PreviewRowDto } from '../../../core/common/contract/index.ts';
import { displayValue } from '../../components/format.ts';

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
}) {
  const { gridRow, index, view, onSelect } = props;
  const { row, errors } = gridRow;
  const problem = row.problem;
  return (
    <tr
      aria-rowindex={index + 2}
      className={`grid-row${errors.size > 0 ? ' row-rejected' : ''}${problem ? ' row-problem' : ''}`}
      style={{
        transform: `translateY(${props.start}px)`,
        height: props.height,
        gridTemplateColumns: props.template,
      }}
      data-testid="preview-row"
      data-line={row.line}
    >
      <th scope="row" className="grid-cell grid-line" data-cell="" data-index={index}>
        {problem ? (
          <button
            type="button"
            className="cell-button cell-problem"
            title={`${problem.reason}: ${problem.message}`}
            aria-label={`Line ${row.line}: row rejected, ${problem.message}`}
            data-testid="row-problem"
            data-reason={problem.reason}
          >
            {row.line}
          </button>
        ) : (
          row.line
        )}
      </th>
      {props.columns.map((c) => {
        const err = errors.get(c.name);
        const { raw, value } = cellValues(row, c);
        const shownRaw = displayValue(raw);
        // A row the reader could not split has no normalized values: show what was read.
        const shown = err
          ? { text: err.value, kind: 'value' as const }
          : problem
            ? { text: shownRaw.text, kind: 'raw' as const }
            : displayValue(value);
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
                aria-label={`Line ${row.line}, ${c.name}: “${err.value}” rejected, ${err.message}. Edit column`}
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

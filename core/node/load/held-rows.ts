import type { RawValue } from '../../common/types.ts';
import type { RowLookup } from './mover.ts';
import type { LoadRow } from './types.ts';

/** The raw record of a source row, keyed by source column name (extra fields as `extra_N`). */
export function rawRecord(
  columns: readonly string[],
  cells: readonly RawValue[],
  extra: readonly RawValue[] | undefined,
): Record<string, RawValue> {
  const raw: Record<string, RawValue> = {};
  for (let i = 0; i < columns.length; i++) raw[columns[i]!] = cells[i] ?? null;
  if (extra) {
    for (let i = 0; i < extra.length; i++) raw[`extra_${i + 1}`] = extra[i] ?? null;
  }
  return raw;
}

/**
 * What a chunk keeps of its rows until the chunk is in the target, so that a refused row can be
 * reported with its line and raw cells. A chunk's rows live long enough to reach V8's old space,
 * so every object kept per row costs GC time: rows that carry their source cells keep only those
 * (the array the source made anyway), not the row and its normalized values. (Copying the cells
 * into one flat array per chunk was measured too: the copy cost what it saved in GC.)
 */
export class HeldRows {
  private readonly lines: number[] = [];
  /** The source cells of each held row (null for a row kept whole). */
  private readonly cells: (readonly RawValue[] | null)[] = [];
  /** Rows kept whole (they do not expose their cells, or come from other columns), by ordinal. */
  private whole: Map<number, LoadRow> | null = null;
  /** Rows with fields beyond the columns (rare), by ordinal. */
  private extras: Map<number, readonly RawValue[]> | null = null;
  private columns: readonly string[] | undefined;

  get length(): number {
    return this.lines.length;
  }

  /** Keeps what `lookup` needs of `row`. */
  hold(row: LoadRow): void {
    const ordinal = this.lines.length;
    this.lines.push(row.line);
    const cells = row.cells;
    const columns = row.rawColumns;
    if (ordinal === 0) this.columns = columns; // one source per chunk: the first row decides
    if (cells === undefined || columns === undefined || columns !== this.columns) {
      (this.whole ??= new Map()).set(ordinal, row);
      this.cells.push(null); // keeps the array dense
      return;
    }
    this.cells.push(cells);
    if (row.extra) (this.extras ??= new Map()).set(ordinal, row.extra);
  }

  /** Line and raw cells by ordinal (0-based within the chunk). */
  readonly lookup: RowLookup = async (ordinal) => {
    const line = this.lines[ordinal];
    if (line === undefined) return null;
    const row = this.whole?.get(ordinal);
    if (row) return { line, raw: row.raw };
    const cells = this.cells[ordinal]!;
    return { line, raw: rawRecord(this.columns!, cells, this.extras?.get(ordinal)) };
  };
}

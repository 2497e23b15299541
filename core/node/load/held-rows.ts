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

/** `spans` entry of a row that is not kept as text. */
const NOT_TEXT = -1;

/**
 * Where row `index` (0-based) of a run of rows starts, the first starting at `start`: rows are
 * lines of `text` (COPY text: a newline inside a value is escaped).
 */
export function rowStartInRun(text: string | Buffer, start: number, index: number): number {
  let at = start;
  if (typeof text === 'string') {
    for (let i = 0; i < index; i++) at = text.indexOf('\n', at) + 1;
  } else {
    for (let i = 0; i < index; i++) at = text.indexOf(0x0a, at) + 1;
  }
  return at;
}

/** The row of a run that starts at `start`: its text up to its newline (or the end of `text`). */
function rowInRun(text: string | Buffer, start: number): string {
  if (typeof text === 'string') {
    const end = text.indexOf('\n', start);
    return text.slice(start, end === -1 ? text.length : end);
  }
  const end = text.indexOf(0x0a, start);
  return text.toString('utf8', start, end === -1 ? text.length : end);
}

/**
 * The first `count` rows of a run of verbatim rows (`LoadRow.rows`), and the rest: a chunk that has
 * room for fewer rows than the run takes the first part.
 */
export function splitRun(row: LoadRow, count: number): [LoadRow, LoadRow] {
  const text = row.text!;
  const start = row.textStart!;
  const cut = rowStartInRun(text, start, count);
  const part = (
    line: number,
    ordinal: number | undefined,
    from: number,
    to: number,
    rows: number,
  ): LoadRow => ({
    line,
    ordinal,
    values: row.values,
    ...(row.rawColumns ? { rawColumns: row.rawColumns } : {}),
    text,
    textStart: from,
    textEnd: to,
    reparse: row.reparse,
    verbatim: true,
    rows,
    // No `cells`: a part held row by row is held whole, and this gives its record (its first row's).
    get raw() {
      return rawRecord(row.rawColumns ?? [], row.reparse!(rowInRun(text, from)), undefined);
    },
  });
  const rows = row.rows ?? 1;
  return [
    part(row.line, row.ordinal, start, cut - 1, count),
    part(
      row.line + count,
      row.ordinal === undefined ? undefined : row.ordinal + count,
      cut,
      row.textEnd!,
      rows - count,
    ),
  ];
}

/**
 * What a chunk keeps of its rows until the chunk is in the target, so that a refused row can be
 * reported with its line and raw cells. A chunk's rows live long enough to reach V8's old space,
 * so every object kept per row costs GC time (measured: holding the 8 cells of each row of a 1M-row
 * CSV cost ~0.6 s of a 3.6 s load). So, in order of preference:
 * - a row whose source can read it again (`text` + `reparse`: delimited and NDJSON files) is kept
 *   as where its text is: an index into the few large source strings the chunk spans, a start and
 *   an end, all numbers in flat arrays, no object per row; its cells are read again only if refused;
 * - a row that carries its source cells keeps only those (the array the source made anyway);
 * - any other row is kept whole.
 */
export class HeldRows {
  private lines = new Float64Array(1024);
  private count = 0;
  /** Three numbers per row: index into `texts` (or NOT_TEXT), start, end. */
  private spans = new Int32Array(3 * 1024);
  /** The source strings (or bytes, for verbatim rows) rows kept as text point into, in order. */
  private readonly texts: (string | Buffer)[] = [];
  /**
   * How each of `texts` reads back into cells: a chunk may hold rows of one source's columns read
   * two ways (a JSON source's sample records, parsed, then its records written as COPY text).
   */
  private readonly reparses: ((recordText: string) => readonly RawValue[])[] = [];
  /**
   * Rows kept as their cells, by ordinal (a plain array: a Map entry and a wrapper per row cost GC
   * time on database sources, whose rows all come this way), and their extra fields, rare, by ordinal.
   */
  private cells: (readonly RawValue[] | undefined)[] | null = null;
  private extras: Map<number, readonly RawValue[]> | null = null;
  /** Rows kept whole (they expose neither text nor cells, or come from other columns), by ordinal. */
  private whole: Map<number, LoadRow> | null = null;
  private columns: readonly string[] | undefined;
  private objects = 0;

  /** Line and ordinal of the last row held that carried its source `ordinal` (-1: none did). */
  private lastLine = -1;
  private lastOrdinal = -1;

  /** The last row held that carried its source `ordinal` (null: none did). */
  get last(): { line: number; ordinal: number } | null {
    return this.lastOrdinal < 0 ? null : { line: this.lastLine, ordinal: this.lastOrdinal };
  }

  get length(): number {
    return this.count;
  }

  /**
   * Rows held as JS values (their cells, or whole) rather than as a span of source text: these keep
   * objects alive until the chunk is in the target, which costs garbage-collection time.
   */
  get objectRows(): number {
    return this.objects;
  }

  /** Keeps what `lookup` needs of `row` (of each of its rows, for a run: `LoadRow.rows`). */
  hold(row: LoadRow): void {
    const run = row.rows ?? 1;
    if (row.verbatim && this.holdRun(row, run)) return;
    if (run > 1) {
      // Not held as text (another source's rows came first, which cannot be): row by row.
      let rest = row;
      for (let left = run; left > 1; left--) {
        const [first, others] = splitRun(rest, 1);
        this.hold(first);
        rest = others;
      }
      this.hold(rest);
      return;
    }
    const ordinal = this.count++;
    if (ordinal === this.lines.length) this.grow();
    this.lines[ordinal] = row.line;
    if (row.ordinal !== undefined) {
      this.lastLine = row.line;
      this.lastOrdinal = row.ordinal;
    }
    const columns = row.rawColumns;
    // One source per chunk: the first row decides.
    if (ordinal === 0) this.columns = columns;
    const cells = row.cells;
    if (cells === undefined || columns === undefined || columns !== this.columns) {
      (this.whole ??= new Map()).set(ordinal, row);
      this.spans[ordinal * 3] = NOT_TEXT;
      this.objects++;
      return;
    }
    const text = row.text;
    if (typeof text === 'string' && row.reparse !== undefined) {
      const at = ordinal * 3;
      this.spans[at] = this.textIndex(text, row.reparse);
      this.spans[at + 1] = row.textStart ?? 0;
      this.spans[at + 2] = row.textEnd ?? text.length;
      return;
    }
    (this.cells ??= [])[ordinal] = cells;
    this.objects++;
    if (row.extra !== undefined) (this.extras ??= new Map()).set(ordinal, row.extra);
    this.spans[ordinal * 3] = NOT_TEXT;
  }

  /**
   * A verbatim row or run of rows in one text: per row its line, the text and the run's start, and its index in the
   * run (stored as `-1 - index`), found again by counting lines. False when the chunk's rows so far
   * have other columns (another source's rows): then row by row. Rows of the same columns read another
   * way before it (a JSON source's parsed sample records) do not stop it: each text keeps its reparse.
   */
  private holdRun(row: LoadRow, run: number): boolean {
    const text = row.text;
    if (text === undefined || row.reparse === undefined || row.rawColumns === undefined) return false;
    if (this.count > 0 && row.rawColumns !== this.columns) return false;
    if (this.count === 0) this.columns = row.rawColumns;
    while (this.count + run > this.lines.length) this.grow();
    const textIndex = this.textIndex(text, row.reparse);
    const start = row.textStart ?? 0;
    const first = this.count;
    for (let i = 0; i < run; i++) {
      const at = (first + i) * 3;
      this.lines[first + i] = row.line + i;
      this.spans[at] = textIndex;
      this.spans[at + 1] = start;
      this.spans[at + 2] = -1 - i;
    }
    this.count += run;
    if (row.ordinal !== undefined) {
      this.lastLine = row.line + run - 1;
      this.lastOrdinal = row.ordinal + run - 1;
    }
    return true;
  }

  /** Where `text` (read back by `reparse`) is in `texts`: the last one again, or added. */
  private textIndex(text: string | Buffer, reparse: (recordText: string) => readonly RawValue[]): number {
    const last = this.texts.length - 1;
    if (last >= 0 && this.texts[last] === text && this.reparses[last] === reparse) return last;
    this.texts.push(text);
    this.reparses.push(reparse);
    return last + 1;
  }

  /**
   * Twice the room for lines and spans. Typed arrays: pushing three numbers per row onto a plain
   * array cost ~0.2 µs a row (measured, PostgreSQL source, 1M rows), and they are never scanned by GC.
   */
  private grow(): void {
    const lines = new Float64Array(this.lines.length * 2);
    lines.set(this.lines);
    this.lines = lines;
    const spans = new Int32Array(this.spans.length * 2);
    spans.set(this.spans);
    this.spans = spans;
  }

  /** Line and raw cells by ordinal (0-based within the chunk). */
  readonly lookup: RowLookup = async (ordinal) => {
    if (ordinal < 0 || ordinal >= this.count) return null;
    const line = this.lines[ordinal]!;
    const columns = this.columns!;
    const textIndex = this.spans[ordinal * 3]!;
    if (textIndex !== NOT_TEXT) {
      const text = this.texts[textIndex]!;
      const start = this.spans[ordinal * 3 + 1]!;
      const end = this.spans[ordinal * 3 + 2]!;
      // A row of a run is found by the run's start and its index in the run.
      const fields = this.reparses[textIndex]!(
        end < 0 ? rowInRun(text, rowStartInRun(text, start, -1 - end)) : (text as string).slice(start, end),
      );
      const n = columns.length;
      return {
        line,
        raw: rawRecord(columns, fields.slice(0, n), fields.length > n ? fields.slice(n) : undefined),
      };
    }
    const kept = this.cells?.[ordinal];
    if (kept) return { line, raw: rawRecord(columns, kept, this.extras?.get(ordinal)) };
    return { line, raw: this.whole!.get(ordinal)!.raw };
  };
}

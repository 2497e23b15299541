/**
 * Value types shared by sources, the normalizer, the loader and the UI.
 * Browser-safe: no Node imports.
 */
import { numberIsExact, someJsonNumber } from './json-numbers.ts';

/** JSON values as they appear in JSON/NDJSON sources and jsonb columns. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A raw cell as a source produced it, before normalization.
 * - delimited text: always a string (empty string for an empty field);
 * - JSON/NDJSON: the JSON value; numbers arrive as `JsonNumber` so their source text is kept exactly;
 *   a nested object or array holding a number a JS number would change (a 20-digit id, `1.10`)
 *   arrives as `JsonText`, its exact JSON text;
 * - XLSX: string, number, boolean, null; date-formatted cells arrive as ISO strings
 *   (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fff]`, naive).
 */
export type RawValue =
  | string
  | number
  | boolean
  | null
  | JsonNumber
  | JsonText
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON number kept as its exact source text (`"12.50"`, `"12345678901234567890"`). */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): number | string {
    const n = Number(this.text);
    return Number.isSafeInteger(n) || (String(n) === this.text && Number.isFinite(n)) ? n : this.text;
  }
}

/**
 * A jsonb value read from text, kept as its exact (validated) JSON text so that no number loses
 * a digit or its scale (`{"id": 12345678901234567890, "price": 1.10}`), as PostgreSQL jsonb keeps
 * them. Loaders send `text` as is. `toJSON()` gives the parsed value, for display only, with the
 * numbers a JS number would change as strings of their exact text (as `JsonNumber.toJSON` does).
 */
export class JsonText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): JsonValue {
    return JSON.parse(quoteInexactNumbers(this.text)) as JsonValue;
  }
}

/** Valid JSON text with every number a JS number would change turned into a string of its text. */
function quoteInexactNumbers(text: string): string {
  let out = '';
  let from = 0;
  someJsonNumber(text, 0, text.length, (start, end) => {
    const number = text.slice(start, end);
    if (!numberIsExact(number)) {
      out += `${text.slice(from, start)}"${number}"`;
      from = end;
    }
    return false;
  });
  return from === 0 ? text : out + text.slice(from);
}

/** Target column types Loadstone infers or accepts. Names are the PostgreSQL type names. */
export const COLUMN_TYPES = [
  'integer',
  'bigint',
  'numeric',
  'boolean',
  'date',
  'timestamptz',
  'uuid',
  'jsonb',
  'text',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/**
 * A normalized value, as the loader and the preview see it.
 * integer/bigint → number (string beyond 2^53); numeric → exact decimal string; boolean → boolean;
 * date → 'YYYY-MM-DD'; timestamptz → ISO 8601 UTC ending in 'Z'; uuid → lower-case canonical string;
 * jsonb → JSON value, or `JsonText` (exact JSON text) when read from text; text → string; SQL NULL → null.
 */
export type NormalizedValue =
  | string
  | number
  | boolean
  | null
  | JsonText
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Stable reason codes for rejected cells and rows. */
export type ReasonCode =
  // normalize stage (cell problems)
  | 'invalid_number'
  | 'invalid_integer'
  | 'out_of_range'
  | 'invalid_boolean'
  | 'invalid_date'
  | 'impossible_date'
  /** MySQL's `0000-00-00` (or a date with a zero month or day): never loaded as NULL. */
  | 'zero_date'
  | 'invalid_timestamp'
  | 'invalid_uuid'
  | 'invalid_json'
  | 'invalid_text'
  // parse stage (row problems)
  | 'too_few_fields'
  | 'too_many_fields'
  | 'unterminated_quote'
  | 'stray_quote'
  | 'invalid_json_line'
  | 'not_an_object'
  | 'unknown_field'
  | 'invalid_encoding'
  | 'excel_error'
  | 'line_too_long'
  | 'cell_too_long'
  // load stage
  | 'database_rejected'
  | 'duplicate_key'
  | 'missing_watermark'
  | 'too_many_decimals';

/** A cell that could not be normalized: never silently nulled. */
export interface CellError {
  /** Target column name. */
  readonly column: string;
  /** The raw value as text. */
  readonly value: string;
  readonly reason: ReasonCode;
  readonly message: string;
}

/** A row the source could not read properly (ragged, bad quote, bad JSON line…). */
export interface RowProblem {
  readonly reason: ReasonCode;
  /** The whole problem in one sentence (every value `cells` blames). */
  readonly message: string;
  /**
   * The values to blame when the row's shape is fine but some of its values could not be read (bytes
   * that are not valid in the source's encoding), each by its source column: the report gives each
   * as an error of the column it loads into, as it does a cell the normalizer rejects.
   */
  readonly cells?: readonly ProblemCell[];
}

/** A value a `RowProblem` blames. */
export interface ProblemCell {
  /** Index of the source column (`OpenedSource.columns`). */
  readonly column: number;
  /** The value as far as it could be read, as text. */
  readonly value: string | null;
  /** What is wrong with it, naming the column. */
  readonly message: string;
}

/**
 * The errors a rejected row's report gives for a row problem: one per value it blames, named by the
 * target column of that source column (null for one the load leaves out), or else one for the whole row.
 */
export function rowProblemErrors(
  problem: RowProblem,
  targets: readonly { readonly name: string; readonly sourceIndex: number }[],
): RowError[] {
  if (!problem.cells || problem.cells.length === 0) {
    return [{ column: null, value: null, reason: problem.reason, message: problem.message }];
  }
  return problem.cells.map((cell) => ({
    column: targets.find((t) => t.sourceIndex === cell.column)?.name ?? null,
    value: cell.value,
    reason: problem.reason,
    message: cell.message,
  }));
}

/**
 * Where a record came from when a file line does not say it: an HTTP API page (its number, its URL
 * with secrets masked) and the record's 1-based index in it; a database row by its primary key
 * values (as text), or by its 1-based number in the query's result when the source has no key.
 */
export type RecordPlace =
  | { readonly kind: 'page'; readonly page: number; readonly url: string; readonly record: number }
  | { readonly kind: 'key'; readonly key: Readonly<Record<string, string | null>> }
  | { readonly kind: 'row'; readonly row: number };

/** A record's place in words: `line 12`, `page 3 record 17 (https://…)`, `key id=42`, `row 1204`. */
export function placeText(line: number, at?: RecordPlace | null): string {
  if (!at) return `line ${line}`;
  switch (at.kind) {
    case 'page':
      return `page ${at.page} record ${at.record} (${at.url})`;
    case 'key':
      return `key ${Object.entries(at.key)
        .map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`)
        .join(', ')}`;
    case 'row':
      return `row ${at.row}`;
  }
}

/** Where in the pipeline a row was rejected. */
export type RejectStage = 'parse' | 'normalize' | 'load';

/** One problem of a rejected row: a cell (column set) or the whole row (column null). */
export interface RowError {
  /** Target column name, or null for a row-level problem. */
  readonly column: string | null;
  /** The offending raw value as text, when a single cell is to blame. */
  readonly value: string | null;
  readonly reason: ReasonCode;
  readonly message: string;
  /** PostgreSQL SQLSTATE when the database refused the row. */
  readonly sqlstate?: string;
}

/**
 * A row that did not make it, with everything needed to fix and re-load it.
 * `raw` is keyed by **source** column name (the header as read), in file order.
 */
export interface RejectedRow {
  /** Physical line (delimited text, NDJSON) or record number (JSON array, XLSX row, API, database). */
  readonly line: number;
  /** Where the record is when `line` alone does not say (API page, database key); see `RecordPlace`. */
  readonly at?: RecordPlace;
  readonly stage: RejectStage;
  readonly raw: Record<string, RawValue>;
  /** Source text when fields could not be split (bad NDJSON line, unknown JSON key…). */
  readonly rawText?: string;
  readonly errors: readonly RowError[];
}

import type { FormatOrigin } from '../spec/format-defaults.ts';
import type { DateOrder } from '../spec/job-spec.ts';
import type { ColumnType } from '../types.ts';

/** Everything the rule of one column needs, decided once (spec first, then the column's values). */
export interface ResolvedFormat {
  nullTokens: readonly string[];
  decimalSeparator: '.' | ',';
  percent: 'keep' | 'fraction';
  dateOrder: DateOrder;
  timeZone: string;
  twoDigitYearPivot: number;
  numericDates?: 'excel' | 'epoch_s' | 'epoch_ms';
  /**
   * A database's text (or a JSON document's or an API's strings) loaded as text: kept exactly as
   * written (not trimmed; NULL only where the source says NULL, or where a string is exactly one of
   * the column's `nullTokens`, which are none unless the job or column names some). A CSV's or a
   * spreadsheet's text is normalized instead: its `' x '` and `NA` are a writer's conventions, a
   * table's or a JSON string's are data.
   */
  keepText?: boolean;
}

/** How one source column is loaded: its target name and type, its format, what the sample showed. */
export interface ColumnPlan {
  /** Position in the source's columns. */
  index: number;
  /** Source header (kept for display). */
  source: string;
  /** Target column name. */
  name: string;
  type: ColumnType;
  /** Whether the type came from the spec (not inferred). */
  declared: boolean;
  /**
   * The type the source declared for the column (a database column's type), when it has one. When
   * it is the plan's type, a value already in that type's normalized form passes through unparsed.
   */
  sourceType?: ColumnType;
  /**
   * Set when the plan's type came from the existing target table: a column the spec does not type,
   * loaded into a table that has it, is normalized as the table's column stores it (see
   * `InferInput.targetTypes`). `display`: the column's type as PostgreSQL names it (`date`,
   * `numeric(12,2)`); `sampled`: the type the column would have had without the table (the
   * sample's inference, or the source's own text), null when every sampled value was null.
   */
  typedByTarget?: { display: string; sampled: ColumnType | null };
  skip: boolean;
  format: ResolvedFormat;
  /** Where the column's date order and time zone came from (see `FormatOrigin`). */
  origins: { dateOrder: FormatOrigin; timeZone: FormatOrigin };
  /** Non-null sampled values examined. */
  sampleSize: number;
  nullCount: number;
  /** Sampled non-null values the chosen type would reject. */
  nonFitting: number;
  /**
   * Human sentences: ambiguity (day/month order, decimal mark), percent seen, fallback to text
   * and why, values that did not fit with one example.
   */
  warnings: string[];
}

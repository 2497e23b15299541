// Rows a source hands over as COPY text the target takes as it is (see pipeline/verbatim.ts).

import type { ColumnType, RawValue } from '../../common/types.ts';
import { unescapeCopyField } from '../pg/copy-escapes.ts';

/**
 * What a source column's COPY text holds: PostgreSQL's output of that type (UTC session, ISO dates;
 * `naiveTimestamp`: a `timestamp without time zone`, offered only for a UTC job; `float`: a `real` or
 * `double precision`, loaded as numeric; `json`: a `json` value, its text as stored; `bytea`: `\x` + hex, loaded as the hex), or text (any source). The `…Value` kinds are values a source checks itself before writing them as
 * COPY text (SQLite's and MySQL's readers, see database/copy-rows.ts for what passes each):
 * `integerValue`, `int4Value`, `decimalValue`, `bitValue` (0 or 1 for a boolean), `isoDateValue`,
 * `naiveTimestampValue` (offered only for a UTC job), `utcTimestampValue` (a UTC time written without
 * its zone, which the load's UTC session reads as that instant), `hexBytesValue` (bytes, as the text
 * `\x…` of their hex), `jsonTextValue` (a database's JSON text, written as it is into jsonb). `jsonValue`: a JSON record's value, which the
 * JSON reader checks against the column's load type (see json/json-copy-rows.ts).
 */
export type CopyTextKind =
  | 'int4'
  | 'int8'
  | 'numeric'
  | 'float'
  | 'date'
  | 'timestamptz'
  | 'naiveTimestamp'
  | 'boolean'
  | 'uuid'
  | 'jsonb'
  | 'json'
  | 'bytea'
  | 'text'
  | 'integerValue'
  | 'int4Value'
  | 'decimalValue'
  | 'bitValue'
  | 'isoDateValue'
  | 'naiveTimestampValue'
  | 'utcTimestampValue'
  | 'hexBytesValue'
  | 'jsonTextValue'
  | 'jsonValue';

/** How one column's fields may go as they are (`CopyTextSource.verbatim`). */
export interface VerbatimColumn {
  kind: CopyTextKind;
  /** The check of a field's COPY text; null for a `…Value` kind (the source checks the value). */
  check: FieldCheck | null;
  /** The column's null tokens, trimmed: a text that is one of them is NULL, not itself. */
  nullTokens: readonly string[];
  /** The column's load type. */
  type: ColumnType;
  /** A database's text kept as it is (`ResolvedFormat.keepText`): spaces at an end and `''` included. */
  keepText?: boolean;
  /** The job's time zone for the column (what a naive time is read in). */
  timeZone: string;
  /**
   * A numeric column whose target keeps this many decimal places (`numeric(p,s)`): a value with more
   * significant decimals (trailing zeros do not count) sends its row the usual way, which refuses it
   * as `too_many_decimals` instead of letting PostgreSQL round it.
   */
  maxDecimals?: number;
  /**
   * A timestamp column whose target keeps this many fraction digits (`timestamp(p)`, p < 6): a time
   * with more significant ones goes the usual way, which refuses it (`too_many_decimals`).
   */
  maxFraction?: number;
  /**
   * The target is a `timestamp` (without time zone), which ignores an offset written after a time:
   * only a UTC time ('Z', '+00:00', or naive in a UTC job) goes as it is; the usual path converts others to UTC.
   */
  naiveTarget?: boolean;
  /**
   * A column the load leaves out (offered only to a source whose `copyText.skips`): its value is
   * checked to be one the usual path reads without a word, and not written.
   */
  skip?: boolean;
  /**
   * The incremental load's watermark column: a NULL sends its row the usual way, which refuses it
   * (`missing_watermark`).
   */
  notNull?: boolean;
}

/**
 * Significant fraction digits of the seconds of the time `text.slice(start, end)`
 * ('YYYY-MM-DD HH:MM:SS.120+00' → 2): digits after the point at index 19 up to the last non-zero one.
 */
export function significantFraction(text: string, start: number, end: number): number {
  if (end - start <= 20 || text.charCodeAt(start + 19) !== 46) return 0;
  let stop = start + 20;
  while (stop < end && text.charCodeAt(stop) >= 48 && text.charCodeAt(stop) <= 57) stop++;
  let last = stop - 1;
  while (last > start + 19 && text.charCodeAt(last) === 48) last--;
  return last - (start + 19);
}

/**
 * Significant decimals of the plain decimal `text.slice(start, end)` ('-12.50' → 1, '7' → 0):
 * digits after the point up to its last non-zero one.
 */
export function significantDecimals(text: string, start: number, end: number): number {
  let point = start;
  while (point < end && text.charCodeAt(point) !== 46) point++;
  if (point === end) return 0;
  let last = end - 1;
  while (last > point && text.charCodeAt(last) === 48) last--;
  return last - point;
}

/**
 * Whether a field's COPY text, `text.slice(start, end)`, is what the load would write for it. The
 * text never contains a backslash (a field with escapes sends its row the usual way, `\N` aside)
 * unless the check says `escapes`: then a field with escapes is checked once unescaped (the value
 * the target will read from it), which is how text with newlines or tabs in it still goes as it is.
 */
export type FieldCheck = ((text: string, start: number, end: number) => boolean) & {
  readonly escapes?: boolean;
  /** `\N` (NULL) does not pass (`VerbatimColumn.notNull`). */
  readonly notNull?: boolean;
};

/** A source whose rows can go on as their COPY text (see `OpenedSource.copyText`). */
export interface CopyTextSource {
  /** Per source column, what its COPY text holds (null: a type whose text is always normalized). */
  readonly kinds: readonly (CopyTextKind | null)[];
  /**
   * From the next batch read on, a row whose fields all pass their column's check comes as
   * `SourceRow.verbatim` (its text, no values); the others as usual.
   */
  verbatim(columns: readonly VerbatimColumn[]): void;
  /** Whether `verbatim` takes columns the load leaves out (`VerbatimColumn.skip`). */
  readonly skips?: boolean;
  /**
   * Once `verbatim` left columns out: the source columns a line holds (the others), which a line
   * read back (`reparse`) gives the cells of. Absent: every source column.
   */
  readonly lineColumns?: readonly string[] | undefined;
  /**
   * Reads a verbatim row's line of COPY text back into its cells, for a source whose `reparse`
   * reads its own record text instead (a JSON source).
   */
  readonly reparse?: (recordText: string) => RawValue[];
}

/**
 * A database reader's `copyText` whose writer can leave columns out (`skips`, see
 * database/copy-rows.ts), with what the loader needs of its lines once it does: the source columns a
 * line holds (`lineColumns`) and a `reparse` of such a line (the reader's `reparse` of the whole
 * row, `\N` where the left-out fields were, whose cells are dropped again).
 */
export function leavingColumnsOut(
  inner: CopyTextSource,
  columns: readonly string[],
  reparse: (recordText: string) => RawValue[],
): CopyTextSource {
  /** Source indexes of the fields a line holds, once some are left out. */
  let kept: number[] | null = null;
  let lineColumns: string[] | undefined;
  return {
    kinds: inner.kinds,
    skips: true,
    get lineColumns() {
      return lineColumns;
    },
    verbatim(given) {
      inner.verbatim(given);
      const at = given.flatMap((c, i) => (c.skip ? [] : [i]));
      kept = at.length < given.length ? at : null;
      lineColumns = kept?.map((i) => columns[i]!);
    },
    reparse(recordText) {
      if (!kept) return reparse(recordText);
      // A tab inside a value is escaped: each one separates fields.
      const fields = recordText.split('\t');
      const whole = columns.map(() => '\\N');
      kept.forEach((i, k) => {
        whole[i] = fields[k]!;
      });
      const cells = reparse(whole.join('\t'));
      return kept.map((i) => cells[i]!);
    },
  };
}

/**
 * Whether the COPY row `text.slice(start, end)` can go on as it is: exactly one field per check,
 * each `\N` (NULL) or free of backslashes and passing its check. `slash` is the position of the
 * first backslash at or after `start` (or -1): the caller keeps it across rows, so the text is
 * searched for backslashes once, not once per row.
 */
export function verbatimRow(
  text: string,
  start: number,
  end: number,
  checks: readonly FieldCheck[],
  slash: number,
): boolean {
  let at = start;
  const n = checks.length;
  for (let i = 0; i < n; i++) {
    if (at > end) return false;
    let stop = text.indexOf('\t', at);
    if (stop === -1 || stop > end) stop = end;
    if (slash !== -1 && slash < stop) {
      // `\N` alone is NULL; other escapes only where the check reads them.
      if (slash === at && stop - at === 2 && text.charCodeAt(at + 1) === 78) {
        if (checks[i]!.notNull) return false;
      } else {
        const check = checks[i]!;
        if (!check.escapes) return false;
        const value = unescapeCopyField(text, at, stop);
        if (!check(value, 0, value.length)) return false;
      }
      slash = text.indexOf('\\', stop);
    } else if (!checks[i]!(text, at, stop)) {
      return false;
    }
    at = stop + 1;
  }
  return at === end + 1;
}

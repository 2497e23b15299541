import type { ColumnType, RawValue } from '../../../common/types.ts';
import { CopyRuns, type FieldWriter, fieldWriters } from '../database/copy-rows.ts';
import { type DatabaseReader, type TextRows, VERBATIM_ROW } from '../database/database-source.ts';
import { type FieldParser, parseCopyRow } from '../postgres/copy-text.ts';
import type { CopyTextKind, CopyTextSource } from '../verbatim-rows.ts';
import type { ReplacedTextCheck } from './sqlite-text-check.ts';
import { sqliteValue } from './sqlite-types.ts';

// An SQLite read whose rows the load may send as they are: written straight into COPY text (see
// database/copy-rows.ts). A line reads back into the very cells `sqliteValue` gives (`reparse`): a
// number column's field by `Number`, a text column's unescaped.

/** What an SQLite column's values are, by the type its declared type maps to (see pipeline/verbatim.ts). */
function sqliteCopyTextKind(type: ColumnType | null): CopyTextKind | null {
  switch (type) {
    case 'bigint':
      return 'integerValue';
    case 'numeric':
      return 'decimalValue';
    case 'boolean':
      return 'bitValue';
    case 'date':
      return 'isoDateValue';
    case 'timestamptz':
      return 'naiveTimestampValue';
    case 'text':
    case null:
      return 'text';
    default:
      return null;
  }
}

/** Whether a column's values are numbers (their fields read back by `Number`). */
const isNumberType = (type: ColumnType | null) =>
  type === 'bigint' || type === 'integer' || type === 'boolean' || type === 'numeric';

/** What the writer writes an integer's field with (a real's has a `.` or an exponent). */
const INTEGER_DIGITS = /^-?\d+$/;

/** A number column's field → its cell (an integer beyond 2^53 as its digits, as `sqliteValue` gives). */
function numberField(text: string): unknown {
  const n = Number(text);
  return INTEGER_DIGITS.test(text) && !Number.isSafeInteger(n) ? text : n;
}

const textField = (text: string): unknown => text;

/** Reads a line of COPY text back into the cells `sqliteValue` gave (see the top of this file). */
export function sqliteReparse(types: readonly (ColumnType | null)[]): (recordText: string) => RawValue[] {
  const parsers: FieldParser[] = types.map((t) => (isNumberType(t) ? numberField : textField));
  return (recordText) => parseCopyRow(recordText, 0, recordText.length, parsers);
}

/** What the columns' values are, for `CopyTextSource.kinds`. */
export function sqliteCopyKinds(types: readonly (ColumnType | null)[]): (CopyTextKind | null)[] {
  return types.map(sqliteCopyTextKind);
}

/**
 * A reader over an SQLite statement's raw rows (`raw(true).safeIntegers(true)`): each batch's rows
 * as cells, or, once the load allows, as runs of COPY text (see the top of this file).
 */
export function sqliteCopyReader(parts: {
  rows: IterableIterator<unknown[]>;
  types: readonly (ColumnType | null)[];
  /** The check of text that was not UTF-8 (see sqlite-text-check.ts). */
  textCheck: ReplacedTextCheck;
  refused: (error: unknown) => Error;
  close: () => Promise<void>;
}): DatabaseReader & { nextText(max: number): Promise<TextRows>; copyText: CopyTextSource } {
  const { rows, types, textCheck } = parts;
  const n = types.length;
  let writers: FieldWriter[] | null = null;
  /** Bytes of the last batch: the next batch starts with room for about as much. */
  let lastBytes = 64 * 1024;

  return {
    async nextText(max) {
      const out: TextRows = { values: [], texts: [], starts: [], ends: [], counts: [] };
      const counts = out.counts;
      const runs = writers ? new CopyRuns(writers, Math.ceil(lastBytes * 1.25)) : null;
      const endRun = () => {
        const run = runs?.endRun();
        if (!run) return;
        out.values.push(VERBATIM_ROW);
        out.texts.push(run.bytes);
        out.starts.push(run.start);
        out.ends.push(run.end);
        counts.push(run.rows);
      };
      try {
        for (let read = 0; read < max; read++) {
          const next = rows.next();
          if (next.done) break;
          // Each raw row is a fresh array.
          const row = next.value;
          if (runs?.write(row)) continue;
          endRun();
          const problem = textCheck.check(row);
          if (problem) (out.problems ??= {})[out.values.length] = problem;
          for (let i = 0; i < n; i++) row[i] = sqliteValue(row[i]);
          out.values.push(row as RawValue[]);
          out.texts.push('');
          out.starts.push(0);
          out.ends.push(0);
          counts.push(1);
        }
      } catch (error) {
        throw parts.refused(error);
      }
      endRun();
      if (runs) lastBytes = Math.max(1024, runs.used);
      return out;
    },
    async next(max) {
      return (await this.nextText(max)).values;
    },
    reparse: sqliteReparse(types),
    copyText: {
      kinds: sqliteCopyKinds(types),
      // The writer leaves out the columns the load does (see database/copy-rows.ts).
      skips: true,
      verbatim(columns) {
        writers = fieldWriters(columns);
      },
    },
    close: parts.close,
  };
}

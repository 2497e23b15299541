import { jsonbEscapeProblem } from '../../../common/normalize/json-text.ts';
import { isTrimSpace, makeNullCheck } from '../../../common/normalize/nulls.ts';
import { type ColumnType, JsonNumber, JsonText, type RawValue } from '../../../common/types.ts';
import { digits, isIsoDateAt, RowBytes } from '../database/copy-rows.ts';
import { type FieldParser, parseCopyRow } from '../postgres/copy-text.ts';
import type { SourceRow } from '../types.ts';
import {
  type CopyTextSource,
  significantDecimals,
  significantFraction,
  type VerbatimColumn,
} from '../verbatim-rows.ts';

// JSON records written straight into COPY text (the HTTP API source's records). Once the load has
// said the columns may go as they are (`copyText.verbatim`), each record's text is scanned once: a
// record whose keys are columns' keys, each once (absent ones NULL; in another order than the columns',
// see `recordInAnyOrder`), and whose every value passes its
// column's rule is written as a line of COPY text, and runs of such lines go to the loader as bytes —
// no `JSON.parse`, no object per record, no normalizing or encoding (on the bench's 1M orders that
// was most of an API load's CPU time). Anything else — a key that is no column's or comes twice,
// a nested value outside a jsonb column, an escape the rules do not take, text that is not valid JSON — writes nothing,
// and the record is parsed and normalized the usual way, so what is loaded (and rejected, and why)
// is the same either way. A value passes only where the normalizer would load exactly the value
// PostgreSQL reads from the text written:
// - `null` → NULL, in any column;
// - integer / bigint: a JSON number that is an integer without exponent, not `-0`, within the
//   integer's range (bigint: at most 18 digits);
// - numeric: a JSON number without exponent, not starting `-0` (the normalizer writes `0`); into a
//   `numeric(p,s)` target, with at most s significant decimals (`VerbatimColumn.maxDecimals`);
// - boolean: `true` / `false`;
// - date: a string 'YYYY-MM-DD', a real date, years 0001–9999;
// - timestamptz: a string 'YYYY-MM-DD HH:MM:SS' (or `T` between), up to 6 fraction digits, no leap
//   second, with `Z` or an offset ±HH:MM (HH ≤ 14; not one that moves 0001-01-01 or 9999-12-31 out of
//   years 0001–9999 in UTC), or naive in a UTC job (the load's session reads naive times in UTC);
//   into a `timestamp` target (which ignores an offset), only 'Z', a zero offset or naive; into a
//   `timestamp(p)`/`timestamptz(p)` (p < 6), at most p significant fraction digits;
// - text: a string without `\u0000`, not empty, no space the normalizer trims at either end, not
//   one of the column's null tokens (a text kept as written, `keepText`: any string but one of the
//   null tokens the job sets); escapes are decoded and written as COPY text (`\n` → `\n`,
//   `\\` → `\\`, `\u00e9` → é in UTF-8);
// - jsonb (into a jsonb target only: a json column would keep the text, jsonb keeps the value): an
//   object or array, checked as JSON (nested at most 64 deep) and without what jsonb refuses
//   (`\u0000`, an unpaired surrogate), written as it is; a number, `true`, `false`. A string goes the
//   usual way, which reads it as JSON text;
// - a column the load leaves out: any JSON value (`skipValue`), checked and not written.
// A line reads back into the record's cells (`jsonCopyReparse`): numbers as `JsonNumber`s of
// the very text, booleans, strings, nulls — what the JSON reader gives; a jsonb value as the
// `JsonText` of what was written.

enum Rule {
  Int4,
  Int8,
  Numeric,
  Boolean,
  Date,
  Timestamp,
  Text,
  /** jsonb: an object or array (its text as written), a number, `true` or `false`. */
  Jsonb,
  /** A column the load leaves out (`VerbatimColumn.skip`): any JSON value, checked and not written. */
  Skip,
}

const RULES: Partial<Record<ColumnType, Rule>> = {
  integer: Rule.Int4,
  bigint: Rule.Int8,
  numeric: Rule.Numeric,
  boolean: Rule.Boolean,
  date: Rule.Date,
  timestamptz: Rule.Timestamp,
  text: Rule.Text,
  jsonb: Rule.Jsonb,
};

/** Objects and arrays nested deeper than this (inside a value) go the usual way (which takes up to MAX_NESTING). */
const COPY_NESTING = 64;

/** A fresh buffer is started when the current one has less room than this for the next record (`follow`). */
const MIN_ROOM = 64 * 1024;
const BUFFER_BYTES = 1024 * 1024;
const INT4_MAX_TEXT = '2147483647';
const INT4_MIN_TEXT = '2147483648'; // after the '-'

const isDigit = (c: number) => c >= 48 && c <= 57;
const isBlank = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Whether `s.slice(at, end)` is a timestamp the rule above passes: date, ' ' or 'T', 'HH:MM:SS',
 * up to 6 fraction digits, then nothing (only when `naive` is allowed), 'Z' or '±HH:MM'.
 */
export function isJsonTimestamp(s: string, at: number, end: number, naive: boolean): boolean {
  if (end - at < 19 || !isIsoDateAt(s, at)) return false;
  const t = s.charCodeAt(at + 10);
  if (t !== 32 && t !== 84) return false;
  if (s.charCodeAt(at + 13) !== 58 || s.charCodeAt(at + 16) !== 58) return false;
  const hour = digits(s, at + 11, at + 13);
  const minute = digits(s, at + 14, at + 16);
  const second = digits(s, at + 17, at + 19);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = at + 19;
  if (i < end && s.charCodeAt(i) === 46) {
    const from = ++i;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    if (i === from || i - from > 6) return false;
  }
  if (i === end) return naive;
  const z = s.charCodeAt(i);
  if (z === 90) return i + 1 === end;
  if ((z !== 43 && z !== 45) || end - i !== 6 || s.charCodeAt(i + 3) !== 58) return false;
  const oh = digits(s, i + 1, i + 3);
  const om = digits(s, i + 4, i + 6);
  if (oh < 0 || oh > 14 || om < 0 || om > 59) return false;
  if (oh === 0 && om === 0) return true;
  // An offset can move the first or last day of years 0001–9999 out of them in UTC, where the
  // normalizer rejects the instant (PostgreSQL would load it, as a year 1 BC or 10000 time).
  return !s.startsWith(z === 43 ? '0001-01-01' : '9999-12-31', at);
}

/**
 * Whether a timestamp `isJsonTimestamp` passed, ending before `end`, is a UTC time: 'Z', a zero
 * offset, or naive (passed only for a UTC job).
 */
function isUtcTime(s: string, end: number): boolean {
  if (s.charCodeAt(end - 1) === 90) return true;
  const sign = s.charCodeAt(end - 6);
  if ((sign !== 43 && sign !== 45) || s.charCodeAt(end - 3) !== 58) return true; // naive
  return s.startsWith('00:00', end - 5);
}

/**
 * The index just past the JSON scalar (string, number, `true`, `false`, `null`) starting at `i`,
 * checked as JSON reads it, or -1: not one (an object or array, which the usual path reads, or text
 * that is not JSON). A left-out column's value: the record must still be JSON for its line to pass.
 */
export function skipScalar(s: string, i: number, end: number): number {
  const first = s.charCodeAt(i);
  if (first === 0x22) {
    for (let k = i + 1; k < end; k++) {
      const c = s.charCodeAt(k);
      if (c === 0x22) return k + 1;
      if (c < 0x20) return -1;
      if (c !== 0x5c) continue;
      const e = s.charCodeAt(++k);
      if (e === 0x75) {
        if (k + 4 >= end) return -1;
        for (let h = 1; h <= 4; h++) if (hexValue(s.charCodeAt(k + h)) < 0) return -1;
        k += 4;
      } else if (
        e !== 0x22 &&
        e !== 0x5c &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      ) {
        return -1;
      }
    }
    return -1;
  }
  if (first === 0x74) return s.startsWith('true', i) && i + 4 <= end ? i + 4 : -1;
  if (first === 0x66) return s.startsWith('false', i) && i + 5 <= end ? i + 5 : -1;
  if (first === 0x6e) return s.startsWith('null', i) && i + 4 <= end ? i + 4 : -1;
  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
  let j = i;
  if (s.charCodeAt(j) === 45) j++;
  const lead = s.charCodeAt(j);
  if (lead === 48) j++;
  else if (lead >= 49 && lead <= 57) while (j < end && isDigit(s.charCodeAt(j))) j++;
  else return -1;
  if (s.charCodeAt(j) === 46) {
    const from = ++j;
    while (j < end && isDigit(s.charCodeAt(j))) j++;
    if (j === from) return -1;
  }
  const e = s.charCodeAt(j);
  if (e === 101 || e === 69) {
    j++;
    const sign = s.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    const from = j;
    while (j < end && isDigit(s.charCodeAt(j))) j++;
    if (j === from) return -1;
  }
  return j <= end ? j : -1;
}

/**
 * The index just past the JSON value at `i` (an object, an array or a scalar) that ends before
 * `end`, checked as JSON reads it; or -1: not JSON, or nested deeper than COPY_NESTING.
 */
export function skipValue(s: string, i: number, end: number, depth = 0): number {
  const first = s.charCodeAt(i);
  if (first !== 0x7b && first !== 0x5b) return skipScalar(s, i, end);
  if (depth >= COPY_NESTING) return -1;
  const object = first === 0x7b;
  const close = object ? 0x7d : 0x5d;
  let j = i + 1;
  while (j < end && isBlank(s.charCodeAt(j))) j++;
  if (s.charCodeAt(j) === close && j < end) return j + 1;
  for (;;) {
    if (object) {
      if (s.charCodeAt(j) !== 0x22) return -1;
      j = skipScalar(s, j, end);
      if (j < 0) return -1;
      while (j < end && isBlank(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) !== 0x3a || j >= end) return -1;
      j++;
      while (j < end && isBlank(s.charCodeAt(j))) j++;
    }
    if (j >= end) return -1;
    j = skipValue(s, j, end, depth + 1);
    if (j < 0) return -1;
    while (j < end && isBlank(s.charCodeAt(j))) j++;
    if (j >= end) return -1;
    const c = s.charCodeAt(j++);
    if (c === close) return j;
    if (c !== 0x2c) return -1;
    while (j < end && isBlank(s.charCodeAt(j))) j++;
  }
}

/** Whether the JSON string at `i` is exactly `"key"` (the key as JSON writes it, without its quotes). */
function isKeyAt(s: string, i: number, end: number, key: string): boolean {
  return i + key.length + 2 <= end && s.startsWith(key, i + 1) && s.charCodeAt(i + 1 + key.length) === 0x22;
}

/** Where runs go (an array of rows or parsed items). */
export interface RowSink {
  push(row: SourceRow): unknown;
}

/** A run of records written as COPY text, as the loader takes it (see `SourceRow.rows`). */
function runRow(bytes: Buffer, start: number, end: number, line: number, rows: number): SourceRow {
  return { line, values: [], bytes, textStart: start, textEnd: end, verbatim: true, rows };
}

/**
 * Writes JSON object records whose values all pass into COPY text, in runs (see the top of this
 * file). `write` each record in order; `take` ends the run so far, before any other row goes out.
 */
export class JsonCopyRuns {
  private readonly rules: Rule[];
  private readonly tabBefore: boolean[];
  /** Each column's key as it appears in JSON text (without the quotes). */
  private readonly keys: string[];
  private readonly naive: boolean[];
  private readonly isNull: ((text: string) => boolean)[];
  /** Columns whose strings are kept as written (`VerbatimColumn.keepText`): not trimmed, `""` a value. */
  private readonly keep: boolean[];
  private readonly longestNull: number[];
  private readonly tokens: (readonly string[])[];
  /** Per column, the decimal places a numeric(p,s) target keeps (`VerbatimColumn.maxDecimals`), or -1. */
  private readonly maxDecimals: number[];
  /** Per column, whether the target is a timestamp without time zone (`VerbatimColumn.naiveTarget`). */
  private readonly utcOnly: boolean[];
  /** Per column, whether a null sends the record the usual way (`VerbatimColumn.notNull`). */
  private readonly notNull: boolean[];
  /** Per column, the fraction digits a timestamp(p) target keeps (`VerbatimColumn.maxFraction`), or 6. */
  private readonly maxFraction: number[];
  private bytes = new RowBytes(BUFFER_BYTES);
  /** Values of a record whose keys come in another order, before they go into its line (`recordInAnyOrder`). */
  private readonly scratch = new RowBytes(4096);
  private readonly fieldFrom: Int32Array;
  private readonly fieldTo: Int32Array;
  /** Each column by its key as it appears in JSON text. */
  private readonly columnOfKey: Map<string, number>;
  private runStart = 0;
  private runRows = 0;
  private runLine = 0;

  /** Null when a column's type has no rule (then no record goes as COPY text). */
  static create(names: readonly string[], columns: readonly VerbatimColumn[]): JsonCopyRuns | null {
    if (names.length !== columns.length || columns.every((c) => c.skip)) return null;
    for (const c of columns) if (!c.skip && RULES[c.type] === undefined) return null;
    return new JsonCopyRuns(names, columns);
  }

  private constructor(names: readonly string[], columns: readonly VerbatimColumn[]) {
    this.rules = columns.map((c) => (c.skip ? Rule.Skip : RULES[c.type]!));
    // A tab before each field written but the first.
    let written = 0;
    this.tabBefore = columns.map((c) => !c.skip && written++ > 0);
    this.keys = names.map((n) => JSON.stringify(n).slice(1, -1));
    this.columnOfKey = new Map(this.keys.map((key, c) => [key, c]));
    this.fieldFrom = new Int32Array(names.length);
    this.fieldTo = new Int32Array(names.length);
    this.naive = columns.map((c) => c.timeZone === 'UTC');
    this.isNull = columns.map((c) => makeNullCheck(c.nullTokens));
    this.keep = columns.map((c) => c.keepText === true);
    this.longestNull = columns.map((c) => Math.max(0, ...c.nullTokens.map((t) => t.length)));
    this.tokens = columns.map((c) => c.nullTokens);
    this.maxDecimals = columns.map((c) => c.maxDecimals ?? -1);
    this.utcOnly = columns.map((c) => c.naiveTarget === true);
    this.notNull = columns.map((c) => c.notNull === true);
    this.maxFraction = columns.map((c) => c.maxFraction ?? 6);
  }

  /**
   * Writes the object record that starts at `start` of `text` (blanks before it allowed) and ends
   * before `limit`, record number `line`, as the next line of the run; returns the index just past
   * its closing brace. Writes nothing and returns -1 when the record does not pass (or does not end
   * before `limit`). A record whose line does not follow the run's last ends the run first.
   */
  writeNext(text: string, start: number, limit: number, line: number, out: RowSink): number {
    this.follow(line, out);
    const bytes = this.bytes;
    const mark = bytes.at;
    const past = this.record(text, start, limit);
    if (past < 0) {
      bytes.at = mark;
      return -1;
    }
    if (this.runRows === 0) this.runLine = line;
    this.runRows++;
    return past;
  }

  /** `writeNext` for a record that is exactly `text.slice(start, end)` (blanks around allowed). */
  write(text: string, start: number, end: number, line: number, out: RowSink): boolean {
    // The run is ended first when need be: the mark is then in the buffer the record goes into.
    this.follow(line, out);
    const mark = this.bytes.at;
    const past = this.writeNext(text, start, end, line, out);
    if (past < 0) return false;
    let i = past;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i === end) return true;
    // Something after the record: not one record; undo it.
    this.bytes.at = mark;
    this.runRows--;
    return false;
  }

  /**
   * Ends the run so far when record `line` does not follow its last; then makes room for the record.
   * With less than MIN_ROOM left, the run so far moves to a fresh buffer (the runs handed out keep
   * the old one): growing the buffer in place instead doubled it with every byte written since it
   * began (an NDJSON load whose batches outgrew the room reached buffers of 128 MB, 450 MB of RSS).
   */
  private follow(line: number, out: RowSink): void {
    if (this.runRows > 0 && line !== this.runLine + this.runRows) this.take(out);
    const bytes = this.bytes;
    if (bytes.buf.length - bytes.at >= MIN_ROOM) return;
    const run = bytes.at - this.runStart;
    const fresh = new RowBytes(Math.max(BUFFER_BYTES, run * 2));
    bytes.buf.copy(fresh.buf, 0, this.runStart, bytes.at);
    fresh.at = run;
    this.bytes = fresh;
    this.runStart = 0;
  }

  /** Ends the run so far, appending it to `out` (nothing when there is none). */
  take(out: RowSink): void {
    if (this.runRows === 0) return;
    const bytes = this.bytes;
    out.push(runRow(bytes.buf, this.runStart, bytes.at - 1, this.runLine, this.runRows));
    this.runRows = 0;
    // Runs handed out keep their buffer; the next record's `follow` starts a new one when it is full.
    this.runStart = bytes.at;
  }

  /** The index just past the record's closing brace, or -1 (see `writeNext`). */
  private record(s: string, start: number, end: number): number {
    const keys = this.keys;
    const n = keys.length;
    const out = this.bytes;
    const lineStart = out.at;
    let i = start;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x7b) return -1;
    const open = i;
    i++;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    /** The next column whose key may come (keys come in the columns' order; any may be absent). */
    let c = 0;
    if (s.charCodeAt(i) !== 0x7d) {
      for (;;) {
        if (i >= end || s.charCodeAt(i) !== 0x22) return -1;
        // The key: a later column's when the ones between are absent (their values NULL, as the
        // reader makes an absent key's); an earlier column's (another order) or none: recordInAnyOrder.
        let d = c;
        while (d < n && !isKeyAt(s, i, end, keys[d]!)) d++;
        if (d === n) {
          // Not a later column's key: an earlier one's (keys in another order), or none.
          out.at = lineStart;
          return this.recordInAnyOrder(s, open, end);
        }
        if (!this.absent(c, d)) return -1;
        i += keys[d]!.length + 2;
        while (i < end && isBlank(s.charCodeAt(i))) i++;
        if (s.charCodeAt(i) !== 0x3a) return -1;
        i++;
        while (i < end && isBlank(s.charCodeAt(i))) i++;
        if (this.tabBefore[d]) out.byte(9);
        i = this.rules[d] === Rule.Skip ? skipValue(s, i, end) : this.value(s, i, end, d);
        if (i < 0 || i >= end) return -1;
        while (i < end && isBlank(s.charCodeAt(i))) i++;
        c = d + 1;
        const next = s.charCodeAt(i);
        if (next === 0x7d) break;
        if (next !== 0x2c) return -1;
        if (c === n) {
          // A key after the last column's: an earlier column's (keys in another order), or none.
          out.at = lineStart;
          return this.recordInAnyOrder(s, open, end);
        }
        i++;
        while (i < end && isBlank(s.charCodeAt(i))) i++;
      }
    }
    if (i >= end || !this.absent(c, n)) return -1;
    i++;
    out.byte(10);
    return i;
  }

  /**
   * Writes NULL for the columns `from` to `to` (not included), whose keys the record does not have;
   * false (nothing more written) when one of them may not be NULL (`VerbatimColumn.notNull`).
   */
  private absent(from: number, to: number): boolean {
    const out = this.bytes;
    for (let c = from; c < to; c++) {
      if (this.rules[c] === Rule.Skip) continue;
      if (this.notNull[c]) return false;
      if (this.tabBefore[c]) out.byte(9);
      out.byte(92);
      out.byte(78);
    }
    return true;
  }

  /**
   * `record` for an object whose keys come in another order than the columns' (an API that puts an
   * optional field elsewhere): each value is written into a scratch buffer as its key comes, then the
   * fields go into the line in the columns' order, NULL for the absent ones. A key that is not a
   * column's or comes twice (the usual path keeps the last) sends the record the usual way. `open`:
   * where the object's `{` is.
   */
  private recordInAnyOrder(s: string, open: number, end: number): number {
    const n = this.keys.length;
    const line = this.bytes;
    const scratch = this.scratch;
    scratch.at = 0;
    const from = this.fieldFrom;
    const to = this.fieldTo;
    from.fill(-1);
    let i = open + 1;
    // The values are written into the scratch buffer: `value` writes where `this.bytes` is.
    this.bytes = scratch;
    try {
      while (i < end && isBlank(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 0x7d) {
        for (;;) {
          if (i >= end || s.charCodeAt(i) !== 0x22) return -1;
          const past = skipScalar(s, i, end);
          if (past < 0) return -1;
          const c = this.columnOfKey.get(s.slice(i + 1, past - 1));
          if (c === undefined || from[c] !== -1) return -1;
          i = past;
          while (i < end && isBlank(s.charCodeAt(i))) i++;
          if (s.charCodeAt(i) !== 0x3a) return -1;
          i++;
          while (i < end && isBlank(s.charCodeAt(i))) i++;
          from[c] = scratch.at;
          i = this.rules[c] === Rule.Skip ? skipValue(s, i, end) : this.value(s, i, end, c);
          if (i < 0 || i >= end) return -1;
          to[c] = this.bytes.at;
          while (i < end && isBlank(s.charCodeAt(i))) i++;
          const next = s.charCodeAt(i);
          if (next === 0x7d) break;
          if (next !== 0x2c) return -1;
          i++;
          while (i < end && isBlank(s.charCodeAt(i))) i++;
        }
      }
    } finally {
      this.bytes = line;
    }
    if (i >= end) return -1;
    for (let c = 0; c < n; c++) {
      if (this.rules[c] === Rule.Skip) continue;
      if (from[c] === -1) {
        if (!this.absent(c, c + 1)) return -1;
        continue;
      }
      if (this.tabBefore[c]) line.byte(9);
      const length = to[c]! - from[c]!;
      line.room(length);
      scratch.buf.copy(line.buf, line.at, from[c]!, to[c]!);
      line.at += length;
    }
    line.byte(10);
    return i + 1;
  }

  /** Writes column `c`'s value starting at `i`; the index just past it, or -1 when it does not pass. */
  private value(s: string, i: number, end: number, c: number): number {
    const out = this.bytes;
    const first = s.charCodeAt(i);
    if (first === 0x6e) {
      if (this.notNull[c] || !s.startsWith('null', i) || i + 4 > end) return -1;
      out.byte(92);
      out.byte(78);
      return i + 4;
    }
    const rule = this.rules[c]!;
    switch (rule) {
      case Rule.Int4:
      case Rule.Int8:
      case Rule.Numeric: {
        let j = i;
        if (first === 45) j++;
        const intStart = j;
        const lead = s.charCodeAt(j);
        if (!isDigit(lead)) return -1;
        if (lead === 48) {
          // '0', '0.5'; never '-0…' (the normalizer writes it without the sign) nor '01' (not JSON).
          if (first === 45) return -1;
          j++;
        } else {
          while (j < end && isDigit(s.charCodeAt(j))) j++;
        }
        const intEnd = j;
        const next = s.charCodeAt(j);
        if (next === 46) {
          if (rule !== Rule.Numeric) return -1;
          j++;
          const from = j;
          while (j < end && isDigit(s.charCodeAt(j))) j++;
          if (j === from) return -1;
          // A numeric(p,s) target: at most s significant decimals, or the usual way refuses it.
          const max = this.maxDecimals[c]!;
          if (max >= 0 && significantDecimals(s, intEnd, j) > max) return -1;
        } else if (next === 101 || next === 69) {
          return -1;
        }
        const digits = intEnd - intStart;
        if (rule === Rule.Int8 && digits > 18) return -1;
        if (rule === Rule.Int4 && digits >= 10) {
          if (digits > 10) return -1;
          const limit = first === 45 ? INT4_MIN_TEXT : INT4_MAX_TEXT;
          if (s.slice(intStart, intEnd) > limit) return -1;
        }
        out.room(j - i);
        const buf = out.buf;
        let at = out.at;
        for (let k = i; k < j; k++) buf[at++] = s.charCodeAt(k);
        out.at = at;
        return j;
      }
      case Rule.Boolean:
        if (first === 0x74 && s.startsWith('true', i)) {
          out.byte(116);
          return i + 4;
        }
        if (first === 0x66 && s.startsWith('false', i)) {
          out.byte(102);
          return i + 5;
        }
        return -1;
      case Rule.Date: {
        if (first !== 0x22 || i + 12 > end || s.charCodeAt(i + 11) !== 0x22 || !isIsoDateAt(s, i + 1)) {
          return -1;
        }
        out.room(10);
        const buf = out.buf;
        let at = out.at;
        for (let k = i + 1; k < i + 11; k++) buf[at++] = s.charCodeAt(k);
        out.at = at;
        return i + 12;
      }
      case Rule.Timestamp: {
        if (first !== 0x22) return -1;
        const close = s.indexOf('"', i + 1);
        if (close < 0 || close >= end || !isJsonTimestamp(s, i + 1, close, this.naive[c]!)) return -1;
        // Into a timestamp, whose input ignores an offset: a UTC time only (the usual path converts to UTC).
        if (this.utcOnly[c] && !isUtcTime(s, close)) return -1;
        // A timestamp(p) target (p < 6): at most p significant fraction digits, or the usual way refuses it.
        if (this.maxFraction[c]! < 6 && significantFraction(s, i + 1, close) > this.maxFraction[c]!)
          return -1;
        out.room(close - i);
        const buf = out.buf;
        let at = out.at;
        for (let k = i + 1; k < close; k++) buf[at++] = s.charCodeAt(k);
        out.at = at;
        return close + 1;
      }
      case Rule.Text:
        return first === 0x22 ? this.text(s, i, end, c) : -1;
      case Rule.Jsonb: {
        // A string is read as JSON text by the usual path ('"{…}"' is an object): it goes that way.
        if (first === 0x22) return -1;
        const past = skipValue(s, i, end);
        if (past < 0) return -1;
        const json = s.slice(i, past);
        // What jsonb refuses (\u0000, an unpaired surrogate) the usual path rejects with its reason.
        if (jsonbEscapeProblem(json) !== undefined) return -1;
        // As written (jsonb keeps the value, not the text): escaped as COPY text, UTF-8.
        out.text(json);
        return past;
      }
      case Rule.Skip:
        return skipValue(s, i, end);
    }
  }

  /** Writes the string at `i` as COPY text (see the top of this file); past its quote, or -1. */
  private text(s: string, i: number, end: number, c: number): number {
    const out = this.bytes;
    let firstUnit = -1;
    let lastUnit = -1;
    let units = 0;
    /** No escape and nothing beyond ASCII: the text is `s.slice(i + 1, j)` as it is. */
    let plain = true;
    let j = i + 1;
    for (;;) {
      // A stretch of printable ASCII without quote or backslash, copied as it is (most text).
      const stretch = j;
      const limit = Math.min(end, j + 4096);
      out.room(limit - j);
      const buf = out.buf;
      let at = out.at;
      while (j < limit) {
        const a = s.charCodeAt(j);
        if (a < 0x20 || a > 0x7e || a === 0x22 || a === 0x5c) break;
        buf[at++] = a;
        j++;
      }
      out.at = at;
      if (j > stretch) {
        if (units === 0) firstUnit = s.charCodeAt(stretch);
        lastUnit = s.charCodeAt(j - 1);
        units += j - stretch;
      }
      if (j >= end) return -1;
      let u = s.charCodeAt(j);
      if (u === 0x22) break;
      if (j === limit) continue;
      plain = false;
      j++;
      if (u === 0x5c) {
        const e = s.charCodeAt(j++);
        if (e === 0x75) {
          const h0 = hexValue(s.charCodeAt(j));
          const h1 = hexValue(s.charCodeAt(j + 1));
          const h2 = hexValue(s.charCodeAt(j + 2));
          const h3 = hexValue(s.charCodeAt(j + 3));
          if (h0 < 0 || h1 < 0 || h2 < 0 || h3 < 0 || j + 4 > end) return -1;
          u = (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
          j += 4;
          if (u === 0) return -1;
          if (u >= 0xd800 && u <= 0xdfff) {
            // A surrogate pair written as two escapes: one 4-byte character.
            if (u >= 0xdc00 || s.charCodeAt(j) !== 0x5c || s.charCodeAt(j + 1) !== 0x75) return -1;
            const l0 = hexValue(s.charCodeAt(j + 2));
            const l1 = hexValue(s.charCodeAt(j + 3));
            const l2 = hexValue(s.charCodeAt(j + 4));
            const l3 = hexValue(s.charCodeAt(j + 5));
            if (l0 < 0 || l1 < 0 || l2 < 0 || l3 < 0 || j + 6 > end) return -1;
            const low = (l0 << 12) | (l1 << 8) | (l2 << 4) | l3;
            if (low < 0xdc00 || low > 0xdfff) return -1;
            j += 6;
            if (units === 0) firstUnit = u;
            lastUnit = low;
            units += 2;
            writeCodePoint(out, 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00));
            continue;
          }
        } else if (e === 0x22 || e === 0x2f) u = e;
        else if (e === 0x5c) u = 0x5c;
        else if (e === 0x6e) u = 0x0a;
        else if (e === 0x74) u = 0x09;
        else if (e === 0x72) u = 0x0d;
        else if (e === 0x62) u = 0x08;
        else if (e === 0x66) u = 0x0c;
        else return -1;
        if (units === 0) firstUnit = u;
        lastUnit = u;
        units++;
        writeUnit(out, u);
        continue;
      }
      if (u < 0x20) return -1; // not JSON
      if (u >= 0xd800 && u <= 0xdfff) {
        // A character beyond the BMP as its two units (a lone one cannot be written as UTF-8).
        const low = s.charCodeAt(j);
        if (u >= 0xdc00 || low < 0xdc00 || low > 0xdfff) return -1;
        j++;
        if (units === 0) firstUnit = u;
        lastUnit = low;
        units += 2;
        writeCodePoint(out, 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00));
        continue;
      }
      if (units === 0) firstUnit = u;
      lastUnit = u;
      units++;
      if (u < 0x80) {
        out.room(1);
        out.buf[out.at++] = u;
      } else writeCodePoint(out, u);
    }
    if (!this.keep[c] && (units === 0 || isTrimSpace(firstUnit) || isTrimSpace(lastUnit))) return -1;
    if (units <= this.longestNull[c]! && this.nullToken(s, i, j, plain, c)) return -1;
    return j + 1;
  }

  /** Whether the string `s.slice(i, j + 1)` (quotes included) is one of column `c`'s null tokens. */
  private nullToken(s: string, i: number, j: number, plain: boolean, c: number): boolean {
    if (!plain) return this.isNull[c]!(JSON.parse(s.slice(i, j + 1)) as string);
    const length = j - i - 1;
    for (const token of this.tokens[c]!) {
      if (token.length === length && s.startsWith(token, i + 1)) return true;
    }
    return false;
  }
}

/** One UTF-16 unit of BMP text as COPY text (`\\`, `\t`, `\n`, `\r` escaped). */
function writeUnit(out: RowBytes, u: number): void {
  if (u === 0x5c || u === 0x09 || u === 0x0a || u === 0x0d) {
    out.room(2);
    out.buf[out.at++] = 92;
    out.buf[out.at++] = u === 0x5c ? 92 : u === 0x09 ? 116 : u === 0x0a ? 110 : 114;
  } else if (u < 0x80) {
    out.room(1);
    out.buf[out.at++] = u;
  } else writeCodePoint(out, u);
}

/** A code point at or above U+0080 in UTF-8. */
function writeCodePoint(out: RowBytes, cp: number): void {
  out.room(4);
  const buf = out.buf;
  let at = out.at;
  if (cp < 0x800) {
    buf[at++] = 0xc0 | (cp >> 6);
    buf[at++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    buf[at++] = 0xe0 | (cp >> 12);
    buf[at++] = 0x80 | ((cp >> 6) & 0x3f);
    buf[at++] = 0x80 | (cp & 0x3f);
  } else {
    buf[at++] = 0xf0 | (cp >> 18);
    buf[at++] = 0x80 | ((cp >> 12) & 0x3f);
    buf[at++] = 0x80 | ((cp >> 6) & 0x3f);
    buf[at++] = 0x80 | (cp & 0x3f);
  }
  out.at = at;
}

const jsonNumberField: FieldParser = (text) => new JsonNumber(text);
const jsonTextField: FieldParser = (text) => new JsonText(text);
const booleanField: FieldParser = (text) => text === 't';
const textField: FieldParser = (text) => text;

/**
 * Reads a line `JsonCopyRuns` wrote back into the record's cells, as the JSON reader gives them:
 * numbers as `JsonNumber`s of their text, booleans, strings, nulls. `types`: the columns' plan types.
 */
export function jsonCopyReparse(types: readonly ColumnType[]): (recordText: string) => RawValue[] {
  const parsers = types.map((t) =>
    t === 'integer' || t === 'bigint' || t === 'numeric'
      ? jsonNumberField
      : t === 'boolean'
        ? booleanField
        : t === 'jsonb'
          ? jsonTextField
          : textField,
  );
  return (recordText) => parseCopyRow(recordText, 0, recordText.length, parsers);
}

/**
 * A JSON source's `copyText` (the HTTP API's records, an NDJSON file's lines): every column's kind
 * is `jsonValue`; once the load allows it, `use` receives the writer the reader then offers each
 * record to, and a written line reads back with `jsonCopyReparse`.
 */
export function jsonCopyText(
  columns: readonly string[],
  use: (runs: JsonCopyRuns | undefined) => void,
): CopyTextSource {
  let reparse: ((recordText: string) => RawValue[]) | undefined;
  const source: CopyTextSource & { lineColumns?: readonly string[] } = {
    kinds: columns.map(() => 'jsonValue' as const),
    // A column the load leaves out is checked and not written: a line holds the others.
    skips: true,
    verbatim(given) {
      const runs = JsonCopyRuns.create(columns, given) ?? undefined;
      if (runs) {
        const kept = given.filter((c) => !c.skip);
        reparse = jsonCopyReparse(kept.map((c) => c.type));
        if (kept.length < given.length) source.lineColumns = columns.filter((_, i) => !given[i]!.skip);
      }
      use(runs);
    },
    reparse: (recordText) => {
      if (!reparse) throw new Error('no record was written as COPY text');
      return reparse(recordText);
    },
  };
  return source;
}

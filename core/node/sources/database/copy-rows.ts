import { jsonbEscapeProblem } from '../../../common/normalize/json-text.ts';
import { isTrimSpace, makeNullCheck } from '../../../common/normalize/nulls.ts';
import { significantFraction, type VerbatimColumn } from '../verbatim-rows.ts';

// Rows of a database read written straight into COPY text (SQLite's and MySQL's readers). Once the
// load has said which columns may go as they are (`copyText.verbatim`), each row read is checked
// value by value; a row whose every value passes is written as a line of COPY text into the batch's
// bytes, and the loader copies runs of such lines into the COPY stream: no normalizing, no cells
// kept, no object per row (on the bench's 1M orders rows that was most of the load's CPU time, the
// limit on 2 cores). A value passes only where the normalizer would load exactly the value
// PostgreSQL reads from that text:
// - `integerValue` (bigint column): an integer within ±2^53 (a BigInt, a number, or its digits);
// - `int4Value` (integer column): a number within PostgreSQL's integer;
// - `decimalValue` (numeric): such an integer, a real JS writes without exponent (`String` is the
//   text the normalizer keeps), or a decimal's text without exponent (offered with `.` as the mark);
//   into a `numeric(p,s)` target, only a field written with at most s significant decimals;
// - `bitValue` (boolean): the integer 0 or 1 (false, true for both), or MySQL's BIT(1) byte 0 or 1;
// - `isoDateValue`: a real date 'YYYY-MM-DD', years 0001–9999;
// - `naiveTimestampValue`: 'YYYY-MM-DD HH:MM:SS' with up to 6 fraction digits, no leap second
//   (offered for a UTC job only: the load's session reads naive times in UTC); into a `timestamp(p)`
//   target, at most p significant fraction digits; `utcTimestampValue` the same, for a UTC time
//   (MySQL's TIMESTAMP, read in a +00:00 session), whatever the job's zone;
// - `hexBytesValue`: bytes (a Buffer), written as the text `\x` + hex the reader gives, if that is
//   not a null token of the column;
// - `jsonTextValue`: a JSON text (a string or its UTF-8 bytes, as MySQL sends a JSON column's
//   value), written as it is, unless it holds what jsonb refuses (`\u0000`, an unpaired surrogate),
//   which the usual path rejects with its reason;
// - `text`: a text (or a blob's hex) the normalizer keeps as it is: not empty, no space it trims at
//   either end, no NUL, not a null token of the column;
// NULL always passes; any other value sends its row the usual way. Each line reads back into the
// row's cells (the source's `reparse`), for a row the target refuses.

/**
 * A column's writer: writes the value's field and says true, or says false (the row goes as cells).
 * `notNull`: a NULL sends the row the usual way too (`VerbatimColumn.notNull`).
 */
export type FieldWriter = ((value: unknown, out: RowBytes) => boolean) & { notNull?: boolean };

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeOne = (c: string) => COPY_ESCAPES[c]!;
/** Digits a JS number holds exactly (at most 15), as a decimal's text has them. */
const SHORT_INTEGER = /^-?\d{1,15}$/;
/** A decimal's text without exponent, as DECIMAL columns give it ('-12.50'). */
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/** COPY text of a batch, written a field at a time into one growing buffer. */
export class RowBytes {
  buf: Buffer;
  at = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  // Fields are short: copied a character at a time, which measured ~5× faster than a call into
  // Buffer#write per field (8 fields a row).

  /** Text of ASCII characters only (digits, dates, hex). */
  ascii(text: string): void {
    const n = text.length;
    this.room(n);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /** An integer within ±2^53, in decimal. */
  integer(value: number): void {
    this.room(17);
    const buf = this.buf;
    let at = this.at;
    let n = value;
    if (n < 0) {
      buf[at++] = 45;
      n = -n;
    }
    let width = 1;
    for (let limit = 10; n >= limit && width < 16; limit *= 10) width++;
    at += width;
    for (let i = at - 1; i >= at - width; i--) {
      const digit = n % 10;
      buf[i] = 48 + digit;
      n = (n - digit) / 10;
    }
    this.at = at;
  }

  /** Any text as COPY text: UTF-8, with `\\`, `\t`, `\n`, `\r` escaped. */
  text(text: string): void {
    const n = text.length;
    this.room(n * 2);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        // The rest, with its characters beyond ASCII, the slow way.
        this.at = at;
        const rest = text.slice(i);
        const escaped = COPY_SPECIAL.test(rest) ? rest.replace(COPY_SPECIAL_ALL, escapeOne) : rest;
        this.room(escaped.length * 3);
        this.at += this.buf.write(escaped, this.at, 'utf8');
        return;
      }
      if (c === 92 || c === 9 || c === 10 || c === 13) {
        buf[at++] = 92;
        buf[at++] = c === 92 ? 92 : c === 9 ? 116 : c === 10 ? 110 : 114;
      } else {
        buf[at++] = c;
      }
    }
    this.at = at;
  }
}

const isDigitAt = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** Digits of `s` from `from` to `to` as a number (-1 when one is not a digit). */
export function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    if (!isDigitAt(s, i)) return -1;
    n = n * 10 + (s.charCodeAt(i) - 48);
  }
  return n;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real date 'YYYY-MM-DD' at the start of `s`, years 0001–9999. */
export function isIsoDateStart(s: string): boolean {
  return s.length >= 10 && isIsoDateAt(s, 0);
}

/** A real date 'YYYY-MM-DD' at `at` of `s`, years 0001–9999. */
export function isIsoDateAt(s: string, at: number): boolean {
  if (s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45) return false;
  const year = digits(s, at, at + 4);
  const month = digits(s, at + 5, at + 7);
  const day = digits(s, at + 8, at + 10);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month]!) return false;
  return month !== 2 || day < 29 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
}

/** 'YYYY-MM-DD HH:MM:SS' with at most 6 fraction digits (no leap second, no 24:00). */
export function isNaiveTimestamp(s: string): boolean {
  const length = s.length;
  if ((length !== 19 && (length < 21 || length > 26)) || !isIsoDateStart(s) || s.charCodeAt(10) !== 32) {
    return false;
  }
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  return length === 19 || (s.charCodeAt(19) === 46 && digits(s, 20, length) >= 0);
}

/**
 * Writes a real that is the double nearest a number of hundredths (a price: 98105.09) the way
 * `String` does, without its shortest-digits search (~0.4 s on the bench's 1M amounts): `c / 100`
 * is the double nearest the decimal c/100 (IEEE division rounds correctly), so when it is the value
 * that decimal is its shortest text, doubles that far below 1e12 being much closer together than
 * 0.01. False (nothing written) for any other real.
 */
function writeCents(v: number, out: RowBytes): boolean {
  if (!(v > -1e12 && v < 1e12)) return false;
  const cents = Math.round(v * 100);
  if (cents / 100 !== v) return false;
  const abs = cents < 0 ? -cents : cents;
  const whole = Math.floor(abs / 100);
  const fraction = abs - whole * 100;
  if (cents < 0) out.byte(45);
  out.integer(whole);
  if (fraction !== 0) {
    out.byte(46);
    out.byte(48 + Math.floor(fraction / 10));
    if (fraction % 10 !== 0) out.byte(48 + (fraction % 10));
  }
  return true;
}

/** The writer of a `decimalValue` column's values (see the top of this file). */
function decimalWriter(notNull: (s: string) => boolean): FieldWriter {
  return (v, out) => {
    if (typeof v === 'bigint') {
      if (v < MIN_SAFE || v > MAX_SAFE) return false;
      out.integer(Number(v));
      return true;
    }
    if (typeof v === 'string') {
      if (!PLAIN_DECIMAL.test(v) || !notNull(v)) return false;
      out.ascii(v);
      return true;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || Object.is(v, -0)) return false;
    if (writeCents(v, out)) return true;
    const text = String(v);
    if (text.indexOf('e') !== -1) return false;
    out.ascii(text);
    return true;
  };
}

/** Significant decimals of the plain decimal written in `buf` from `start` to `end` (see verbatim-rows.ts). */
function writtenDecimals(buf: Buffer, start: number, end: number): number {
  let point = start;
  while (point < end && buf[point] !== 46) point++;
  if (point === end) return 0;
  let last = end - 1;
  while (last > point && buf[last] === 48) last--;
  return last - point;
}

/** The writer of one column's values, by what the load allows for it. */
export function fieldWriter(column: VerbatimColumn): FieldWriter | null {
  const isNull = makeNullCheck(column.nullTokens);
  const notNull = (s: string) => !isNull(s);
  /** A text the normalizer keeps as it is. */
  // A U+FFFD may stand for bytes a driver could not decode (SQLite's text that is not UTF-8): such a
  // row goes the usual way, where the reader checks it (a one-byte string is never searched).
  const plain = column.keepText
    ? (s: string) => s.indexOf('\0') === -1 && s.indexOf('\uFFFD') === -1 && notNull(s)
    : (s: string) =>
        s.length > 0 &&
        !isTrimSpace(s.charCodeAt(0)) &&
        !isTrimSpace(s.charCodeAt(s.length - 1)) &&
        s.indexOf('\0') === -1 &&
        s.indexOf('\uFFFD') === -1 &&
        notNull(s);
  switch (column.kind) {
    case 'integerValue':
      return (v, out) => {
        if (typeof v === 'bigint') {
          if (v < MIN_SAFE || v > MAX_SAFE) return false;
          out.integer(Number(v));
          return true;
        }
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v)) return false;
          out.integer(v);
          return true;
        }
        if (typeof v !== 'string' || !SHORT_INTEGER.test(v) || !notNull(v)) return false;
        out.ascii(v);
        return true;
      };
    case 'int4Value':
      return (v, out) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < INT4_MIN || v > INT4_MAX) return false;
        out.integer(v);
        return true;
      };
    case 'decimalValue': {
      const write = decimalWriter(notNull);
      const max = column.maxDecimals;
      if (max === undefined) return write;
      // A numeric(p,s) target: the field written has at most s significant decimals, or the row goes the usual way.
      return (v, out) => {
        const from = out.at;
        return write(v, out) && writtenDecimals(out.buf, from, out.at) <= max;
      };
    }
    case 'bitValue':
      return (v, out) => {
        if (Buffer.isBuffer(v)) {
          // MySQL's BIT(1): one byte, 0 or 1.
          if (v.length !== 1 || v[0]! > 1) return false;
          out.byte(48 + v[0]!);
          return true;
        }
        if (v !== 0n && v !== 1n && v !== 0 && v !== 1) return false;
        out.byte(v === 0n || v === 0 ? 48 : 49);
        return true;
      };
    case 'isoDateValue':
      return (v, out) => {
        if (typeof v !== 'string' || v.length !== 10 || !isIsoDateStart(v) || !notNull(v)) return false;
        out.ascii(v);
        return true;
      };
    case 'naiveTimestampValue':
    case 'utcTimestampValue': {
      const max = column.maxFraction ?? 6;
      return (v, out) => {
        if (typeof v !== 'string' || !isNaiveTimestamp(v) || !notNull(v)) return false;
        // A timestamp(p) target: at most p significant fraction digits, or the usual way refuses it.
        if (max < 6 && significantFraction(v, 0, v.length) > max) return false;
        out.ascii(v);
        return true;
      };
    }
    case 'hexBytesValue':
      return (v, out) => {
        if (!Buffer.isBuffer(v)) return false;
        // `\x` and the hex: its backslash escaped in COPY text.
        const hex = v.toString('hex');
        if (!notNull(`\\x${hex}`)) return false;
        out.ascii('\\\\x');
        out.ascii(hex);
        return true;
      };
    case 'jsonTextValue':
      return (v, out) => {
        const json = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null;
        if (json === null || json.indexOf('\uFFFD') !== -1 || jsonbEscapeProblem(json) !== undefined)
          return false;
        out.text(json);
        return true;
      };
    case 'text':
      return (v, out) => {
        if (typeof v === 'string') {
          if (!plain(v)) return false;
          out.text(v);
          return true;
        }
        if (!Buffer.isBuffer(v)) return false;
        const hex = v.toString('hex');
        if (!plain(hex)) return false;
        out.ascii(hex);
        return true;
      };
    default:
      return null;
  }
}

/** A run of rows written as COPY text: lines `start` to `end` (before the last newline) of `bytes`. */
export interface CopyRun {
  bytes: Buffer;
  start: number;
  end: number;
  rows: number;
}

/**
 * Writes the rows of a batch whose values all pass into COPY text, in runs: `write` each row in
 * order; a row it refuses ends the run so far (`endRun`), the caller sends that row the usual way.
 */
export class CopyRuns {
  private readonly bytes: RowBytes;
  private runStart = 0;
  private run = 0;
  /** A tab before each field written but the first (a left-out column writes none). */
  private readonly tabBefore: boolean[];

  constructor(
    private readonly writers: readonly FieldWriter[],
    sizeHint: number,
  ) {
    this.bytes = new RowBytes(sizeHint);
    let written = 0;
    this.tabBefore = writers.map((w) => w !== LEFT_OUT && written++ > 0);
  }

  /** Bytes written so far (the next batch's size hint). */
  get used(): number {
    return this.bytes.at;
  }

  /** Writes `row` as a line and says true, or writes nothing and says false. */
  write(row: readonly unknown[]): boolean {
    const out = this.bytes;
    const writers = this.writers;
    const mark = out.at;
    for (let i = 0; i < writers.length; i++) {
      const writer = writers[i]!;
      if (writer === LEFT_OUT) continue;
      if (this.tabBefore[i]) out.byte(9);
      const v = row[i];
      if (v === null || v === undefined) {
        if (writer.notNull) {
          out.at = mark;
          return false;
        }
        out.byte(92);
        out.byte(78);
      } else if (!writer(v, out)) {
        out.at = mark;
        return false;
      }
    }
    out.byte(10);
    this.run++;
    return true;
  }

  /** The run written since the last call, or null when there is none. */
  endRun(): CopyRun | null {
    if (this.run === 0) return null;
    const run = { bytes: this.bytes.buf, start: this.runStart, end: this.bytes.at - 1, rows: this.run };
    this.runStart = this.bytes.at;
    this.run = 0;
    return run;
  }
}

/** The writer of a column the load leaves out (`VerbatimColumn.skip`): its value is not written. */
const LEFT_OUT: FieldWriter = () => true;

/** Each column's writer, or null when one has none (then no row goes as it is). */
export function fieldWriters(columns: readonly VerbatimColumn[]): FieldWriter[] | null {
  if (columns.every((c) => c.skip)) return null;
  const made = columns.map((column) => {
    if (column.skip) return LEFT_OUT;
    // Each writer is made for its column: the mark goes on it.
    const writer = fieldWriter(column);
    return writer && column.notNull ? Object.assign(writer, { notNull: true }) : writer;
  });
  return made.every((w) => w !== null) ? (made as FieldWriter[]) : null;
}

import { type ColumnType, JsonText, type NormalizedValue, type ReasonCode } from '../../common/types.ts';

/**
 * Serialisation of normalized values to PostgreSQL's COPY text format: fields separated by a
 * tab, rows ended by a newline, `\N` for NULL, and `\\`, `\t`, `\n`, `\r` escaped.
 */

/** COPY text for SQL NULL. */
export const COPY_NULL = '\\N';

/**
 * A value COPY cannot carry faithfully: a NUL character (PostgreSQL text cannot hold one; COPY
 * would fail for the whole chunk), an unpaired UTF-16 surrogate (UTF-8 encoding would silently
 * replace it), a non-finite number. Thrown by field writers, turned into a rejected row.
 */
export class UnloadableValue extends Error {
  constructor(
    readonly reason: ReasonCode,
    message: string,
  ) {
    super(message);
  }
}

/** Turns one value into a COPY text field. */
export type FieldWriter = (value: NormalizedValue) => string;

// One precompiled test for the rare characters; most strings take the fast path untouched.
const SPECIAL = /[\\\t\n\r\0\uD800-\uDFFF]/;

/** Escapes a string for COPY text; the common case (nothing to escape) returns it as is. */
export function escapeCopyText(s: string): string {
  return SPECIAL.test(s) ? escapeSlow(s) : s;
}

function escapeSlow(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string;
    if (c === 92) rep = '\\\\';
    else if (c === 9) rep = '\\t';
    else if (c === 10) rep = '\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 0) {
      throw new UnloadableValue(
        'invalid_text',
        'contains a NUL character (0x00), which PostgreSQL text cannot store',
      );
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid surrogate pair
        continue;
      }
      throw new UnloadableValue('invalid_text', 'contains an unpaired UTF-16 surrogate (not valid Unicode)');
    } else continue;
    out += s.slice(from, i) + rep;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new UnloadableValue('invalid_number', `${n} is not a finite number`);
  return String(n);
}

/** Fallback for a value whose JS type does not match the column (should not happen; stays exact). */
function anyText(v: NormalizedValue): string {
  if (v === null) return COPY_NULL;
  switch (typeof v) {
    case 'string':
      return escapeCopyText(v);
    case 'number':
      return numberText(v);
    case 'boolean':
      return v ? 't' : 'f';
    default:
      return escapeCopyText(v instanceof JsonText ? v.text : JSON.stringify(v));
  }
}

const writeString: FieldWriter = (v) => (typeof v === 'string' ? escapeCopyText(v) : anyText(v));
const writeNumber: FieldWriter = (v) => (typeof v === 'number' ? numberText(v) : anyText(v));
const writeBoolean: FieldWriter = (v) => (v === true ? 't' : v === false ? 'f' : anyText(v));
const writeJson: FieldWriter = (v) =>
  v === null ? COPY_NULL : escapeCopyText(v instanceof JsonText ? v.text : JSON.stringify(v));

/**
 * The field writer for a column type, chosen once per column. jsonb values are JSON texts (a
 * JSON string value becomes `"…"`; a `JsonText` is sent exactly as read); booleans are `t`/`f`; numbers use JS's shortest round-trip
 * form (the normalizer passes integers beyond 2^53 and decimals as exact strings).
 */
export function fieldWriterFor(type: ColumnType): FieldWriter {
  switch (type) {
    case 'integer':
    case 'bigint':
    case 'numeric':
      return writeNumber;
    case 'boolean':
      return writeBoolean;
    case 'jsonb':
      return writeJson;
    default:
      return writeString;
  }
}

/** The problem found while serialising a row: which column and why. */
export interface UnloadableCell {
  readonly index: number;
  readonly problem: UnloadableValue;
}

/**
 * Serialises rows for one COPY statement. `write` returns the row's line (with a leading
 * ordinal field when `withOrdinal`) or the first unloadable cell.
 */
export class CopyRowWriter {
  private readonly writers: FieldWriter[];

  constructor(types: readonly ColumnType[]) {
    this.writers = types.map(fieldWriterFor);
  }

  /** One COPY line (ending in `\n`) for `values`; `ordinal` becomes the first field when given. */
  write(values: readonly NormalizedValue[], ordinal?: number): string | UnloadableCell {
    const writers = this.writers;
    let line = ordinal === undefined ? '' : `${ordinal}\t`;
    let i = 0;
    try {
      for (; i < writers.length; i++) {
        const v = values[i];
        const field = v === null || v === undefined ? COPY_NULL : writers[i]!(v);
        line += i === 0 ? field : `\t${field}`;
      }
    } catch (error) {
      if (error instanceof UnloadableValue) return { index: i, problem: error };
      throw error;
    }
    return `${line}\n`;
  }
}

import { type ColumnType, JsonText, type NormalizedValue, type ReasonCode } from '../../common/types.ts';
import { CopyBytes } from './copy-bytes.ts';
import { type FractionLimit, roundsAtScale, secondsFractionDigits } from './fraction-limit.ts';

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

const BACKSLASH = 92;
const TAB = 9;
const NEWLINE = 10;
/** `\N` as bytes. */
const NULL_0 = 92;
const NULL_1 = 78;

/** Unpaired surrogate or NUL found while encoding: the same errors `escapeCopyText` throws. */
function nulError(): UnloadableValue {
  return new UnloadableValue(
    'invalid_text',
    'contains a NUL character (0x00), which PostgreSQL text cannot store',
  );
}
function surrogateError(): UnloadableValue {
  return new UnloadableValue('invalid_text', 'contains an unpaired UTF-16 surrogate (not valid Unicode)');
}

/**
 * Writes `s` as an escaped COPY text field in UTF-8 (what `Buffer.from(escapeCopyText(s))` gives,
 * without making the intermediate strings). Printable ASCII, the common case, is one store a character.
 */
function putText(out: CopyBytes, s: string): void {
  const n = s.length;
  const buf = out.room(n * 3); // UTF-8 needs at most 3 bytes per UTF-16 unit; an escape takes 2
  let o = out.used;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 32 && c !== BACKSLASH) buf[o++] = c;
      else if (c === BACKSLASH) {
        buf[o++] = BACKSLASH;
        buf[o++] = BACKSLASH;
      } else if (c === TAB) {
        buf[o++] = BACKSLASH;
        buf[o++] = 116; // t
      } else if (c === NEWLINE) {
        buf[o++] = BACKSLASH;
        buf[o++] = 110; // n
      } else if (c === 13) {
        buf[o++] = BACKSLASH;
        buf[o++] = 114; // r
      } else if (c === 0) throw nulError();
      else buf[o++] = c;
    } else if (c < 0x800) {
      buf[o++] = 0xc0 | (c >> 6);
      buf[o++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[o++] = 0xe0 | (c >> 12);
      buf[o++] = 0x80 | ((c >> 6) & 0x3f);
      buf[o++] = 0x80 | (c & 0x3f);
    } else {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw surrogateError();
      const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      buf[o++] = 0xf0 | (cp >> 18);
      buf[o++] = 0x80 | ((cp >> 12) & 0x3f);
      buf[o++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[o++] = 0x80 | (cp & 0x3f);
      i++;
    }
  }
  out.used = o;
}

/** Writes a number in JS's shortest round-trip form; small integers digit by digit, without a string. */
export function putNumber(out: CopyBytes, n: number): void {
  if (n === (n | 0)) {
    const buf = out.room(11);
    let o = out.used;
    let v = n;
    if (v < 0) {
      buf[o++] = 45; // -
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    o += digits;
    for (let i = 1; i <= digits; i++) {
      buf[o - i] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    out.used = o;
    return;
  }
  putText(out, numberText(n));
}

/** The value as text before escaping, for a value whose JS type does not match its column. */
function plainText(v: Exclude<NormalizedValue, null>): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return numberText(v);
    case 'boolean':
      return v ? 't' : 'f';
    default:
      return v instanceof JsonText ? v.text : JSON.stringify(v);
  }
}

/** Throws `too_many_decimals` when `limit`'s column would round `v`. */
function checkFraction(v: Exclude<NormalizedValue, null>, limit: FractionLimit): void {
  const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
  if (text === null) return;
  if (limit.kind === 'decimal') {
    if (!roundsAtScale(text, limit.digits)) return;
    const keeps =
      limit.digits >= 0
        ? `more decimal places than ${limit.display} keeps (${limit.digits})`
        : `digits below ${10 ** -limit.digits}, which ${limit.display} does not keep`;
    throw new UnloadableValue(
      'too_many_decimals',
      `would be rounded: ${text} has ${keeps}; widen the column or round the value in the source`,
    );
  }
  if (secondsFractionDigits(text) <= limit.digits) return;
  throw new UnloadableValue(
    'too_many_decimals',
    `would be rounded: ${text} has more fractional-second digits than ${limit.display} keeps (${limit.digits}); widen the column or round the value in the source`,
  );
}

/** How a column's values are written. */
const TEXT_FIELD = 0;
const NUMBER_FIELD = 1;
const BOOLEAN_FIELD = 2;
const JSON_FIELD = 3;
const HEX_BYTES_FIELD = 4;
type FieldKind =
  | typeof TEXT_FIELD
  | typeof NUMBER_FIELD
  | typeof BOOLEAN_FIELD
  | typeof JSON_FIELD
  | typeof HEX_BYTES_FIELD;

function kindOf(type: ColumnType): FieldKind {
  switch (type) {
    case 'integer':
    case 'bigint':
    case 'numeric':
      return NUMBER_FIELD;
    case 'boolean':
      return BOOLEAN_FIELD;
    case 'jsonb':
      return JSON_FIELD;
    default:
      return TEXT_FIELD;
  }
}

/**
 * Serialises rows for one COPY statement, in PostgreSQL's text format (see `fieldWriterFor` for
 * what each type becomes).
 */
export class CopyRowWriter {
  private readonly kinds: FieldKind[];
  /** Per column, what the target rounds (null: nothing anywhere, the common case). */
  private readonly limits: readonly (FractionLimit | null)[] | null;
  private scratch: CopyBytes | null = null;

  /**
   * `hexBytes`: per column, a text of hex digits (a PostgreSQL source's bytea, `LoadColumn.nativeType`)
   * going into a bytea column: written as bytea's hex input, `\x` and the digits.
   */
  constructor(
    types: readonly ColumnType[],
    limits: readonly (FractionLimit | null)[] = [],
    hexBytes: readonly boolean[] = [],
  ) {
    this.kinds = types.map((type, i) => (hexBytes[i] ? HEX_BYTES_FIELD : kindOf(type)));
    this.limits = limits.some((l) => l !== null) ? limits : null;
  }

  /**
   * Appends one COPY line (ending in `\n`) for `values` to `out`; `ordinal` becomes the first field
   * when given. Returns null, or the first unloadable cell (and then `out` is as it was).
   */
  encode(values: readonly NormalizedValue[], out: CopyBytes, ordinal?: number): UnloadableCell | null {
    const kinds = this.kinds;
    const start = out.used;
    let i = 0;
    try {
      if (ordinal !== undefined) {
        putNumber(out, ordinal);
        out.room(1)[out.used++] = TAB;
      }
      for (; i < kinds.length; i++) {
        if (i > 0) out.room(1)[out.used++] = TAB;
        const v = values[i];
        if (v === null || v === undefined) {
          const buf = out.room(2);
          buf[out.used++] = NULL_0;
          buf[out.used++] = NULL_1;
          continue;
        }
        if (this.limits !== null) {
          const limit = this.limits[i];
          if (limit) checkFraction(v, limit);
        }
        switch (kinds[i]) {
          case TEXT_FIELD:
            putText(out, typeof v === 'string' ? v : plainText(v));
            break;
          case HEX_BYTES_FIELD: {
            // '\x' (its backslash escaped in COPY text), then the hex digits as they are.
            const buf = out.room(3);
            buf[out.used++] = 92;
            buf[out.used++] = 92;
            buf[out.used++] = 120;
            putText(out, typeof v === 'string' ? v : plainText(v));
            break;
          }
          case NUMBER_FIELD:
            if (typeof v === 'number') putNumber(out, v);
            else putText(out, plainText(v));
            break;
          case BOOLEAN_FIELD:
            if (typeof v === 'boolean')
              out.room(1)[out.used++] = v ? 116 : 102; // t / f
            else putText(out, plainText(v));
            break;
          default:
            putText(out, v instanceof JsonText ? v.text : JSON.stringify(v));
        }
      }
      out.room(1)[out.used++] = NEWLINE;
    } catch (error) {
      out.used = start;
      if (error instanceof UnloadableValue) return { index: i, problem: error };
      throw error;
    }
    return null;
  }

  /** One COPY line (ending in `\n`) as a string, or the first unloadable cell. */
  write(values: readonly NormalizedValue[], ordinal?: number): string | UnloadableCell {
    const out = (this.scratch ??= new CopyBytes(4096));
    out.used = 0;
    const problem = this.encode(values, out, ordinal);
    return problem ?? out.buf.toString('utf8', 0, out.used);
  }
}

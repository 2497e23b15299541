import type { ColumnPlan } from '../../common/normalize/column-plan.ts';
import { jsonbEscapeProblem } from '../../common/normalize/json-text.ts';
import { isTrimSpace, makeNullCheck, trimCell } from '../../common/normalize/nulls.ts';
import type { ColumnType } from '../../common/types.ts';
import type { VerbatimTarget } from '../load/types.ts';
import {
  type CopyTextKind,
  type CopyTextSource,
  type FieldCheck,
  significantDecimals,
  significantFraction,
  type VerbatimColumn,
} from '../sources/verbatim-rows.ts';

// Rows that go into the target as the source wrote them. A PostgreSQL source reads through
// `COPY … TO STDOUT`, whose text is already COPY text (SQLite and MySQL sources write the COPY text of
// the rows whose values they checked, see database/copy-rows.ts): when every field of a row is, value for
// value, what normalizing and encoding it would write, the row's text is sent on as it is, and the
// parse → normalize → encode of its cells is skipped (on the bench's 1M orders rows that was most of
// the CLI's CPU time, the load's limit). A field that does not pass its check (a text with spaces
// at an end, a null token, 'NaN', 'infinity', a BC date…) sends its row the usual way,
// so what is loaded is the same either way.

/** The load type a kind's values have, and the target base types its text means the same value in. */
const KINDS: Record<Exclude<CopyTextKind, 'jsonValue'>, { type: ColumnType; bases: readonly string[] }> = {
  // PostgreSQL's output of these types. A wider target reads the same text as the same value (an
  // integer into numeric or float8, a decimal into a float, which rounds it as the usual path's text
  // would be); a UTC time ('…+00') into a timestamp is its UTC wall time, as the usual path loads it.
  // A narrower integer column (a bigint into int4, an integer into int2) reads the same digits as the
  // same value, or refuses the row as out of range, as it refuses the usual path's same text.
  int4: { type: 'integer', bases: ['int2', 'int4', 'int8', 'numeric', 'float8'] },
  int8: { type: 'bigint', bases: ['int2', 'int4', 'int8', 'numeric'] },
  numeric: { type: 'numeric', bases: ['numeric', 'float4', 'float8'] },
  // A real or double precision, loaded as numeric: its shortest exact decimal, as written.
  float: { type: 'numeric', bases: ['numeric', 'float4', 'float8'] },
  date: { type: 'date', bases: ['date'] },
  timestamptz: { type: 'timestamptz', bases: ['timestamptz', 'timestamp'] },
  // A naive time, offered for a UTC job only: the same instant in a timestamptz, wall time in a timestamp.
  naiveTimestamp: { type: 'timestamptz', bases: ['timestamptz', 'timestamp'] },
  boolean: { type: 'boolean', bases: ['bool'] },
  uuid: { type: 'uuid', bases: ['uuid'] },
  jsonb: { type: 'jsonb', bases: ['jsonb'] },
  // A json value's text as stored (valid JSON), which the usual path also sends as it is.
  json: { type: 'jsonb', bases: ['jsonb', 'json'] },
  text: { type: 'text', bases: ['text', 'varchar', 'bpchar'] },
  // A bytea's '\x' + hex, loaded as text: its hex (the reader drops the prefix from the line).
  bytea: { type: 'text', bases: ['text', 'varchar', 'bpchar'] },
  // Values a source checks itself (SQLite's and MySQL's readers, see database/copy-rows.ts).
  integerValue: { type: 'bigint', bases: ['int2', 'int4', 'int8', 'numeric'] },
  int4Value: { type: 'integer', bases: ['int2', 'int4', 'int8', 'numeric', 'float8'] },
  decimalValue: { type: 'numeric', bases: ['numeric', 'float4', 'float8'] },
  bitValue: { type: 'boolean', bases: ['bool'] },
  isoDateValue: { type: 'date', bases: ['date'] },
  // Offered for a UTC job only: a naive UTC time, the same wall time in a timestamp.
  naiveTimestampValue: { type: 'timestamptz', bases: ['timestamptz', 'timestamp'] },
  // A UTC time (MySQL's TIMESTAMP): the same instant in any job's zone.
  utcTimestampValue: { type: 'timestamptz', bases: ['timestamptz', 'timestamp'] },
  // Bytes as the text '\x' + hex (MySQL's BLOB and BINARY columns), loaded as text.
  hexBytesValue: { type: 'text', bases: ['text', 'varchar', 'bpchar'] },
  // A database's JSON text (MySQL's JSON), which the usual path also sends as it is.
  jsonTextValue: { type: 'jsonb', bases: ['jsonb'] },
};

/**
 * For `jsonValue` (checked by the JSON reader against the plan's type, json/json-copy-rows.ts): the
 * target base types each plan type's values mean the same value in.
 */
const JSON_BASES: Partial<Record<ColumnType, readonly string[]>> = {
  integer: ['int2', 'int4', 'int8', 'numeric', 'float8'],
  bigint: ['int2', 'int4', 'int8', 'numeric'],
  numeric: ['numeric', 'float4', 'float8'],
  boolean: ['bool'],
  date: ['date'],
  // Into a timestamp only a UTC time goes as it is (`VerbatimColumn.naiveTarget`).
  timestamptz: ['timestamptz', 'timestamp'],
  text: ['text', 'varchar', 'bpchar'],
  // An object or array as written: jsonb keeps its value, not its text (a json column would keep the text).
  jsonb: ['jsonb'],
};

const ANY: FieldCheck = () => true;

/** `checkFor` of a kind whose values the source checks itself. */
const VALUE_CHECKED = Symbol('value checked');

const isDigit = (code: number) => code >= 48 && code <= 57;

/** A number as numeric's output writes it (not NaN / Infinity, which the normalizer reads its own way). */
const NUMERIC: FieldCheck = (text, start) => {
  const c = text.charCodeAt(start);
  return isDigit(c) || (c === 45 && isDigit(text.charCodeAt(start + 1)));
};

/**
 * A real or double precision as PostgreSQL writes it, without exponent (`1e+20`, `1.5e-07`), `-0`,
 * `NaN` or `Infinity`: each of those goes the usual way.
 */
const FLOAT: FieldCheck = (text, start, end) => {
  if (!NUMERIC(text, start, end)) return false;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 101) return false;
  return !(end - start === 2 && text.charCodeAt(start) === 45 && text.charCodeAt(start + 1) === 48);
};

/**
 * A json value, unless it holds what jsonb refuses (`\u0000`, an unpaired surrogate: the usual path
 * rejects it with its reason). Checked unescaped: JSON's own backslashes are escaped in COPY text.
 */
const JSON_TEXT: FieldCheck = Object.assign(
  (text: string, start: number, end: number) => {
    const u = text.indexOf('\\u', start);
    return u === -1 || u >= end || jsonbEscapeProblem(text.slice(start, end)) === undefined;
  },
  { escapes: true },
);

/** '\x' and an even number of lowercase hex digits, as bytea's output writes them. */
function isHexBytes(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== 92 || text.charCodeAt(start + 1) !== 120 || (end - start) % 2 !== 0)
    return false;
  for (let i = start + 2; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c) && (c < 97 || c > 102)) return false;
  }
  return true;
}

/** 'YYYY-MM-DD' (not 'infinity', a BC date or a five-digit year). */
const DATE: FieldCheck = (_text, start, end) => end - start === 10;

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]+00' as a UTC session writes it (not 'infinity', BC or year 10000+). */
const TIMESTAMPTZ: FieldCheck = (text, start, end) =>
  end - start >= 22 &&
  text.charCodeAt(start + 4) === 45 &&
  text.charCodeAt(end - 3) === 43 &&
  text.charCodeAt(end - 2) === 48 &&
  text.charCodeAt(end - 1) === 48;

/**
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' as PostgreSQL writes a `timestamp` (not 'infinity', a BC time
 * (' BC' after it) or a five-digit year).
 */
const NAIVE_TIMESTAMP: FieldCheck = (text, start, end) => {
  const length = end - start;
  return (
    (length === 19 || (length >= 21 && length <= 26 && text.charCodeAt(start + 19) === 46)) &&
    text.charCodeAt(start + 4) === 45 &&
    isDigit(text.charCodeAt(end - 1))
  );
};

/**
 * The check of one column, or null when its rows always go the usual way: the source kind must be
 * the plan's type as the source declared it (a text column: loaded as text), and the target must
 * take the text as that same value without rounding it. `VALUE_CHECKED`: the source checks the
 * values of this kind itself.
 */
function checkFor(
  plan: ColumnPlan,
  kind: CopyTextKind | null,
  target: VerbatimTarget,
): FieldCheck | typeof VALUE_CHECKED | null {
  if (kind === null) return null;
  // A target that rounds takes a value's text unchanged only as a numeric(p,s) (s ≥ 0) does a number
  // with at most s significant decimals: such a column's values are checked for that one by one.
  const decimals = target.rounds ? target.decimals : undefined;
  // Likewise a timestamp(p) (p < 6) takes a time with at most p significant fraction digits.
  const seconds = target.rounds ? target.secondsDigits : undefined;
  if (
    target.rounds &&
    !(decimals !== undefined && plan.type === 'numeric') &&
    !(seconds !== undefined && plan.type === 'timestamptz')
  ) {
    return null;
  }
  if (kind === 'jsonValue') {
    // Numbers are read with '.' whatever the column's mark; the reader checks each value itself.
    const jsonBases = JSON_BASES[plan.type];
    if (!jsonBases || (target.base !== null && !jsonBases.includes(target.base))) return null;
    return VALUE_CHECKED;
  }
  const { type, bases } = KINDS[kind];
  if (plan.type !== type) return null;
  if (target.base !== null && !bases.includes(target.base)) return null;
  if (kind === 'text' || kind === 'bytea') {
    // A text as it is: nothing the normalizer would trim, and not one of the column's null tokens.
    const isNull = makeNullCheck(plan.format.nullTokens);
    const longest = Math.max(0, ...plan.format.nullTokens.map((t) => trimCell(t).length));
    // Escapes (a newline or tab inside the text) are checked unescaped: the target reads the same text.
    const check: FieldCheck = plan.format.keepText
      ? (text, start, end) => end - start > longest || !isNull(text.slice(start, end))
      : (text, start, end) =>
          end > start &&
          !isTrimSpace(text.charCodeAt(start)) &&
          !isTrimSpace(text.charCodeAt(end - 1)) &&
          (end - start > longest || !isNull(text.slice(start, end)));
    if (kind === 'text') return Object.assign(check, { escapes: true });
    // A bytea's field, unescaped: '\x' and hex digits, the hex a text as above.
    return Object.assign(
      (text: string, start: number, end: number) =>
        isHexBytes(text, start, end) && check(text, start + 2, end),
      {
        escapes: true,
      },
    );
  }
  if (plan.sourceType !== type) return null;
  switch (kind) {
    case 'integerValue':
    case 'int4Value':
    case 'bitValue':
    case 'isoDateValue':
    case 'utcTimestampValue':
    case 'hexBytesValue':
    case 'jsonTextValue':
      return VALUE_CHECKED;
    case 'decimalValue':
      // A decimal's text is read with the column's mark: the same number only with '.'.
      return plan.format.decimalSeparator === '.' ? VALUE_CHECKED : null;
    case 'naiveTimestampValue':
      // A naive time in the load's UTC session is read in UTC: the same instant only for a UTC job.
      return plan.format.timeZone === 'UTC' ? VALUE_CHECKED : null;
    case 'numeric':
      if (plan.format.decimalSeparator !== '.') return null;
      return decimals === undefined
        ? NUMERIC
        : (text, start, end) =>
            NUMERIC(text, start, end) && significantDecimals(text, start, end) <= decimals;
    case 'float':
      if (plan.format.decimalSeparator !== '.') return null;
      return decimals === undefined
        ? FLOAT
        : (text, start, end) => FLOAT(text, start, end) && significantDecimals(text, start, end) <= decimals;
    case 'json':
      return JSON_TEXT;
    case 'date':
      return DATE;
    case 'naiveTimestamp':
      // Read in UTC by the load's session: the job's instant only when the job's zone is UTC.
      if (plan.format.timeZone !== 'UTC') return null;
      return seconds === undefined
        ? NAIVE_TIMESTAMP
        : (text, start, end) =>
            NAIVE_TIMESTAMP(text, start, end) && significantFraction(text, start, end) <= seconds;
    case 'timestamptz':
      return seconds === undefined
        ? TIMESTAMPTZ
        : (text, start, end) =>
            TIMESTAMPTZ(text, start, end) && significantFraction(text, start, end) <= seconds;
    default:
      return ANY;
  }
}

/**
 * Turns on sending rows as their COPY text when the source can and every column allows it: the load
 * columns are the source columns in order, all of them or (for a source that `skips`) those the
 * load does not leave out, and each has a check. True when it did.
 */
export function offerVerbatim(
  source: { readonly columns: readonly string[]; readonly copyText?: CopyTextSource | undefined },
  plans: readonly ColumnPlan[],
  targets: readonly VerbatimTarget[],
): boolean {
  const copyText = source.copyText;
  if (!copyText) return false;
  const active = plans.filter((p) => !p.skip);
  const n = source.columns.length;
  if (active.length === 0 || copyText.kinds.length !== n || targets.length !== active.length) return false;
  if (active.length !== n && (!copyText.skips || plans.length !== n)) return false;
  const columns: VerbatimColumn[] = [];
  let loaded = 0;
  for (let i = 0; i < n; i++) {
    const plan = (active.length === n ? active : plans)[i]!;
    if (plan.index !== i) return false;
    const kind = copyText.kinds[i] ?? null;
    if (plan.skip) {
      columns.push({
        // A column left out is not written: whatever its type (a bytea, an array), its kind is not read.
        kind: kind ?? 'text',
        check: null,
        nullTokens: [],
        type: plan.type,
        timeZone: plan.format.timeZone,
        skip: true,
      });
      continue;
    }
    if (kind === null) return false;
    const target = targets[loaded++]!;
    const check = checkFor(plan, kind, target);
    if (check === null) return false;
    const own = check === VALUE_CHECKED ? null : check;
    columns.push({
      kind,
      // The watermark's NULL is refused by the usual path: its check does not pass `\N`.
      check:
        own && target.notNull
          ? Object.assign((t: string, s: number, e: number) => own(t, s, e), {
              escapes: own.escapes,
              notNull: true,
            })
          : own,
      nullTokens: plan.format.nullTokens.map(trimCell),
      type: plan.type,
      ...(plan.format.keepText ? { keepText: true } : {}),
      timeZone: plan.format.timeZone,
      ...(target.rounds && target.decimals !== undefined ? { maxDecimals: target.decimals } : {}),
      ...(target.rounds && target.secondsDigits !== undefined ? { maxFraction: target.secondsDigits } : {}),
      ...(target.base === 'timestamp' ? { naiveTarget: true } : {}),
      ...(target.notNull ? { notNull: true } : {}),
    });
  }
  copyText.verbatim(columns);
  return true;
}

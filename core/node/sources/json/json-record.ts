import { JsonNumber, JsonText, type RawValue, type ReasonCode } from '../../../common/types.ts';
import type { SourceRow } from '../types.ts';

/**
 * Deepest nesting of arrays and objects accepted in a record (the record is level 1). Deeper
 * values cannot be serialized again (JSON.stringify recurses) nor loaded into jsonb.
 */
export const MAX_NESTING = 1_000;

/** A JSON object record: its top-level fields in file order (a repeated key: the last one wins). */
export class RecordItem {
  readonly kind = 'record';
  constructor(
    /** Record number (JSON array) or physical line (NDJSON). */
    readonly line: number,
    readonly keys: string[],
    readonly values: RawValue[],
  ) {}
}

/** Something that is not a readable object record (bad line, non-object element): a row problem. */
export class ProblemItem {
  readonly kind = 'problem';
  constructor(
    readonly line: number,
    readonly reason: ReasonCode,
    readonly message: string,
    /** The element or line as text, so the report can show and re-load it (none when too long to keep). */
    readonly rawText: string | undefined,
  ) {}
}

/** What a JSON or NDJSON parser hands to the record source. */
export type ParsedItem = RecordItem | ProblemItem;

/** Source column names taken from record keys in first-seen order. */
export class ColumnIndex {
  readonly names: string[] = [];
  private readonly positions = new Map<string, number>();

  /** Adds the keys of a record that are not columns yet. */
  learn(keys: readonly string[]): void {
    for (const key of keys) {
      if (!this.positions.has(key)) {
        this.positions.set(key, this.names.length);
        this.names.push(key);
      }
    }
  }

  /** Column position of `key`, or undefined when it is not a column. */
  position(key: string): number | undefined {
    return this.positions.get(key);
  }
}

/** A parser's output: items during the read-ahead, rows already aligned once the columns are fixed. */
export type ParsedOutput = ParsedItem | SourceRow;

/**
 * Turns a parsed item into a row aligned with the columns: absent keys are null; keys that are
 * not columns make the row an `unknown_field` problem carrying the whole record as JSON text.
 * `what` names the position in messages ("record" for JSON arrays, "line" for NDJSON).
 */
export function toSourceRow(item: ParsedOutput, columns: ColumnIndex, what: string): SourceRow {
  if (item instanceof RecordItem) {
    return alignFields(item.line, item.keys, item.values, item.keys.length, columns, what);
  }
  if (item instanceof ProblemItem) {
    return {
      line: item.line,
      values: new Array<RawValue>(columns.names.length).fill(null),
      problem: { reason: item.reason, message: item.message },
      ...(item.rawText === undefined ? {} : { rawText: item.rawText }),
    };
  }
  return item;
}

/**
 * Aligns the first `count` fields of a record (parallel key/value lists, which may be scratch
 * lists reused by the caller) with the columns. See `toSourceRow`.
 */
export function alignFields(
  line: number,
  keys: readonly string[],
  fields: readonly RawValue[],
  count: number,
  columns: ColumnIndex,
  what: string,
): SourceRow {
  const values = new Array<RawValue>(columns.names.length).fill(null);
  // A Set, not a list search: a record may bring thousands of new keys.
  let unknown: Set<string> | undefined;
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    const at = columns.position(key);
    if (at === undefined) {
      (unknown ??= new Set()).add(key);
    } else {
      values[at] = fields[i]!;
    }
  }
  if (!unknown) return { line, values };
  const names = namesOf([...unknown]);
  const one = unknown.size === 1;
  return {
    line,
    values,
    problem: {
      reason: 'unknown_field',
      message:
        `${what} ${line}: ${one ? 'field' : 'fields'} ${names} ${one ? 'is' : 'are'} not among the columns ` +
        '(taken from the keys of the first 10,000 records)',
    },
    rawText: stringifyRecord(keys, fields, count),
  };
}

/** Keys for a message: all of a few, the first ten and a count of many. */
function namesOf(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => JSON.stringify(k));
  if (keys.length > 10) shown.push(`and ${(keys.length - 10).toLocaleString('en-US')} more`);
  return shown.join(', ');
}

/** JSON text of a raw value, keeping the exact source text of a `JsonNumber`. */
export function stringifyRaw(value: RawValue): string {
  if (value instanceof JsonNumber || value instanceof JsonText) return value.text;
  // Nested values hold plain JSON values only (see RawValue), so JSON.stringify is exact for them.
  return JSON.stringify(value) ?? 'null';
}

/** JSON text of a record given as parallel key/value lists, numbers kept exactly. */
export function stringifyRecord(
  keys: readonly string[],
  values: readonly RawValue[],
  count = keys.length,
): string {
  let text = '{';
  for (let i = 0; i < count; i++) {
    if (i > 0) text += ',';
    text += `${JSON.stringify(keys[i])}:${stringifyRaw(values[i] ?? null)}`;
  }
  return `${text}}`;
}

/** A short description of a JSON value's type for messages ("an array", "a string"…). */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumber) return 'a number';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return 'an object';
  }
}

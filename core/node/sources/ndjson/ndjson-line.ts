import { JsonNumber, JsonText, type RawValue } from '../../../common/types.ts';
import { compactJson, holdsInexactNumber } from '../json/exact-json.ts';
import {
  alignFields,
  type ColumnIndex,
  describeJsonType,
  MAX_NESTING,
  type ParsedOutput,
  ProblemItem,
  RecordItem,
} from '../json/json-record.ts';

/**
 * Parses NDJSON lines into records. `JSON.parse` validates and builds the value (it is native
 * and fast); it rounds numbers, so when a field is a number or a nested value, the line is scanned
 * once more: top-level numbers get their exact text (`JsonNumber`), and a nested object or array
 * holding a number JS would change (a 20-digit id, `1.10`) is kept as its exact text (`JsonText`).
 * Other nested values stay as `JSON.parse` made them.
 */
export class NdjsonLineParser {
  private columns: ColumnIndex | undefined;
  // Scratch field lists, reused between lines once the columns are fixed.
  private readonly keys: string[] = [];
  private readonly values: RawValue[] = [];

  /** `what` names the position in messages: "line" (NDJSON) or "record" (a JSON array's element). */
  constructor(private readonly what = 'line') {}

  /** From now on, return rows aligned with `columns` instead of records. */
  fixColumns(columns: ColumnIndex): void {
    this.columns = columns;
  }

  /** Parses one line (no line break) found at physical line `line`. */
  parse(text: string, line: number): ParsedOutput {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return new ProblemItem(line, 'invalid_json_line', `line ${line}: invalid JSON: ${reason}`, text);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return new ProblemItem(
        line,
        'not_an_object',
        `line ${line}: expected a JSON object, found ${describeJsonType(parsed)}`,
        text,
      );
    }
    const record = parsed as Record<string, RawValue>;
    const columns = this.columns;
    const keys = columns ? this.keys : [];
    const values = columns ? this.values : [];
    let count = 0;
    let numbers = false;
    let nested = false;
    for (const key in record) {
      const value = record[key]!;
      if (typeof value === 'number') numbers = true;
      else if (typeof value === 'object' && value !== null) nested = true;
      keys[count] = key;
      values[count++] = value;
    }
    if (numbers || nested) {
      const found = scanLine(text);
      indexScanned(found);
      if (deepest > MAX_NESTING) {
        return new ProblemItem(
          line,
          'invalid_json_line',
          `line ${line}: arrays and objects nest deeper than ${MAX_NESTING} levels, which cannot be loaded`,
          text,
        );
      }
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (typeof v === 'number') values[i] = new JsonNumber(numberText(keys[i]!, found));
        else if (inexactNested > 0 && typeof v === 'object' && v !== null) {
          const exact = nestedText(keys[i]!);
          if (exact !== undefined) values[i] = new JsonText(exact);
        }
      }
    }
    return columns
      ? alignFields(line, keys, values, count, columns, this.what)
      : new RecordItem(line, keys, values);
  }
}

// Reused between lines: the scan is synchronous, and a line has few number fields.
const scannedKeys: string[] = [];
const scannedTexts: string[] = [];
/** Deepest nesting seen by the last scan (the record itself is level 1). */
let deepest = 0;
// Top-level nested values holding an inexact number, from the last scan: key and exact text.
const nestedKeys: string[] = [];
const nestedTexts: string[] = [];
let inexactNested = 0;

/**
 * Above this many scanned fields, lookups by key go through a Map built once per line: searching
 * the lists for every key costs the square of the field count (a line of 100,000 numeric keys took
 * 45 s). Below it, a search of a few entries is cheaper than building a Map.
 */
const MAP_ABOVE = 16;
let numberIndex: Map<string, number> | undefined;
let nestedIndex: Map<string, number> | undefined;

/** Builds the key indexes of the last scan when it found many fields (the last occurrence wins). */
function indexScanned(count: number): void {
  numberIndex = undefined;
  nestedIndex = undefined;
  if (count > MAP_ABOVE) {
    numberIndex = new Map();
    for (let i = 0; i < count; i++) numberIndex.set(scannedKeys[i]!, i);
  }
  if (inexactNested > MAP_ABOVE) {
    nestedIndex = new Map();
    for (let i = 0; i < inexactNested; i++) nestedIndex.set(nestedKeys[i]!, i);
  }
}

/** Exact text of the nested value stored under `key` when it holds an inexact number (the last occurrence). */
function nestedText(key: string): string | undefined {
  if (nestedIndex) {
    const i = nestedIndex.get(key);
    return i === undefined ? undefined : nestedTexts[i];
  }
  for (let i = inexactNested - 1; i >= 0; i--) if (nestedKeys[i] === key) return nestedTexts[i];
  return undefined;
}

/** Exact text of the number stored under `key` (the last occurrence, as JSON.parse keeps). */
function numberText(key: string, count: number): string {
  if (numberIndex) {
    const i = numberIndex.get(key);
    if (i !== undefined) return scannedTexts[i]!;
  } else {
    for (let i = count - 1; i >= 0; i--) if (scannedKeys[i] === key) return scannedTexts[i]!;
  }
  // Unreachable for text that JSON.parse accepted; keep the value rather than lose it.
  return 'null';
}

/**
 * Collects the top-level `key: number` pairs of a JSON object text into the scratch lists,
 * returns how many it found, and measures the nesting depth. Only called on text JSON.parse has
 * accepted, so it checks nothing.
 */
function scanLine(text: string): number {
  let count = 0;
  deepest = 1;
  inexactNested = 0;
  let i = skipSpace(text, 0) + 1; // past '{'
  const end = text.length;
  while (i < end) {
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== 0x22) break; // '}' of an empty object
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i + 1, keyEnd - 1);
    i = skipSpace(text, keyEnd) + 1; // past ':'
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < end && isNumberChar(text.charCodeAt(i))) i++;
      scannedKeys[count] = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
      scannedTexts[count] = text.slice(start, i);
      count++;
    } else {
      const start = i;
      i = skipValue(text, i);
      if ((c === 0x7b || c === 0x5b) && holdsInexactNumber(text, start, i)) {
        nestedKeys[inexactNested] = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
        nestedTexts[inexactNested++] = compactJson(text.slice(start, i));
      }
    }
    i = skipSpace(text, i) + 1; // past ',' or '}'
  }
  return count;
}

function isNumberChar(c: number): boolean {
  // digits . - + e E
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else return i;
  }
}

/** Index just past the string starting at `i` (a quote). */
function skipString(text: string, i: number): number {
  // Jump from quote to quote: the quote ends the string unless an odd run of backslashes precedes it.
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length;
    let k = q - 1;
    while (k >= from && text.charCodeAt(k) === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the value starting at `i` (not a number). */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c !== 0x7b && c !== 0x5b) {
    while (i < text.length && text.charCodeAt(i) >= 0x61 && text.charCodeAt(i) <= 0x7a) i++; // true/false/null
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x22) {
      i = skipString(text, i);
      continue;
    }
    if (d === 0x7b || d === 0x5b) {
      depth++;
      if (depth + 1 > deepest) deepest = depth + 1;
    } else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

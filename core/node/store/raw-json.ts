import { numberIsExact } from '../../common/json-numbers.ts';
import { JsonNumber, JsonText, type RawValue } from '../../common/types.ts';
import { holdsInexactNumber } from '../sources/json/exact-json.ts';

/** JSON's number grammar: the text of a JsonNumber is spliced verbatim only when it matches. */
const JSON_NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Serialises a raw record to compact JSON, keeping each `JsonNumber`'s source text verbatim
 * (`12.50` stays `12.50`, a 20-digit id is not rounded). `exact` tells whether the text holds a
 * number that `JSON.parse` would not give back identically; readers then use `parseRaw(…, true)`.
 * Records without JsonNumbers (every delimited-text record) take the native `JSON.stringify` path.
 */
export function stringifyRaw(raw: Readonly<Record<string, RawValue>>): { json: string; exact: boolean } {
  let hasJsonNumber = false;
  for (const key in raw) {
    if (raw[key] instanceof JsonNumber || raw[key] instanceof JsonText) {
      hasJsonNumber = true;
      break;
    }
  }
  if (!hasJsonNumber) return { json: JSON.stringify(raw), exact: false };

  let exact = false;
  let json = '{';
  let first = true;
  for (const key in raw) {
    const value = raw[key];
    let text: string;
    if (value instanceof JsonNumber) {
      if (JSON_NUMBER_RE.test(value.text)) {
        text = value.text;
        if (!numberIsExact(value.text)) exact = true;
      } else {
        text = JSON.stringify(value.text);
      }
    } else if (value instanceof JsonText) {
      text = value.text; // nested JSON holding numbers JSON.parse would change
      exact = true;
    } else {
      text = value === undefined ? 'null' : JSON.stringify(value);
    }
    json += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return { json: `${json}}`, exact };
}

/**
 * Reads a raw record back. With `exact`, top-level numbers come back as `JsonNumber` with their
 * stored text, and nested values holding a number `JSON.parse` would change as `JsonText`;
 * otherwise `JSON.parse` is exact already.
 */
export function parseRaw(json: string, exact: boolean): Record<string, RawValue> {
  if (!exact) return JSON.parse(json) as Record<string, RawValue>;
  const out: Record<string, RawValue> = {};
  for (const [key, text] of splitTopLevel(json)) {
    out[key] = isNumberToken(text)
      ? new JsonNumber(text)
      : isContainer(text) && holdsInexactNumber(text, 0, text.length)
        ? new JsonText(text)
        : (JSON.parse(text) as RawValue);
  }
  return out;
}

/**
 * The text a spreadsheet cell should hold for each field: strings as they are, numbers in their
 * source text, `null` as empty, booleans as `true`/`false`, nested JSON as compact JSON.
 */
export function rawCellTexts(json: string, exact: boolean): Map<string, string> {
  const cells = new Map<string, string>();
  if (exact) {
    for (const [key, text] of splitTopLevel(json)) {
      cells.set(key, text.startsWith('"') ? (JSON.parse(text) as string) : text === 'null' ? '' : text);
    }
    return cells;
  }
  const raw = JSON.parse(json) as Record<string, unknown>;
  for (const key in raw) cells.set(key, cellText(raw[key]));
  return cells;
}

function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function isContainer(text: string): boolean {
  return text.startsWith('{') || text.startsWith('[');
}

function isNumberToken(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 45 /* - */ || (c >= 48 && c <= 57);
}

/**
 * Splits a JSON object's text into [key, value text] pairs without parsing the values, so number
 * tokens keep their exact text. Only used on text this module wrote (valid JSON).
 */
export function splitTopLevel(json: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = skipWs(json, 0);
  if (json[i] !== '{') throw new SyntaxError('raw record is not a JSON object');
  i = skipWs(json, i + 1);
  if (json[i] === '}') return pairs;
  for (;;) {
    const keyEnd = endOfString(json, i);
    const key = JSON.parse(json.slice(i, keyEnd)) as string;
    i = skipWs(json, keyEnd);
    if (json[i] !== ':') throw new SyntaxError(`expected ':' at ${i} in raw record`);
    i = skipWs(json, i + 1);
    const valueEnd = endOfValue(json, i);
    pairs.push([key, json.slice(i, valueEnd).trimEnd()]);
    i = skipWs(json, valueEnd);
    if (json[i] === ',') {
      i = skipWs(json, i + 1);
      continue;
    }
    if (json[i] === '}') return pairs;
    throw new SyntaxError(`expected ',' or '}' at ${i} in raw record`);
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++;
  return i;
}

/** `i` is at an opening quote; returns the index just past the closing one. */
function endOfString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  throw new SyntaxError('unterminated string in raw record');
}

function endOfValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return endOfString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') j = endOfString(s, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if ((d === '}' || d === ']') && --depth === 0) return j + 1;
    }
    throw new SyntaxError('unterminated value in raw record');
  }
  let j = i;
  while (j < s.length && s[j] !== ',' && s[j] !== '}') j++;
  return j;
}

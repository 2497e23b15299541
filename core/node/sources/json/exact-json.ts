import { numberIsExact, someJsonNumber } from '../../../common/json-numbers.ts';
import { JsonNumber, type JsonValue } from '../../../common/types.ts';

/**
 * Whether the JSON text `text[from, to)` (valid JSON) holds a number a JS number would change.
 * Strings are skipped, so digits inside them do not count.
 */
export function holdsInexactNumber(text: string, from: number, to: number): boolean {
  return someJsonNumber(text, from, to, (start, end) => !numberIsExact(text.slice(start, end)));
}

/**
 * Compact JSON text of a value whose inexact numbers are `JsonNumber`s (spliced as their source
 * text); everything else as `JSON.stringify` writes it, keys in their order.
 */
export function stringifyExact(value: JsonValue | JsonNumber): string {
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => stringifyExact(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    let out = '{';
    let first = true;
    for (const key of Object.keys(value)) {
      out += `${first ? '' : ','}${JSON.stringify(key)}:${stringifyExact(value[key]!)}`;
      first = false;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

/** Valid JSON text without the blanks between tokens (as `JSON.stringify` writes it), strings untouched. */
export function compactJson(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

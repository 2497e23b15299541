import { JsonNumber, type JsonValue } from '../../../common/types.ts';

/** Whether a JSON number's text survives a JS number unchanged (`12` yes; `1.10`, 20-digit ids no). */
export function numberIsExact(text: string): boolean {
  return String(Number(text)) === text;
}

/**
 * Whether the JSON text `text[from, to)` (valid JSON) holds a number a JS number would change.
 * Strings are skipped, so digits inside them do not count.
 */
export function holdsInexactNumber(text: string, from: number, to: number): boolean {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < to; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < to && isNumberChar(text.charCodeAt(i))) i++;
      if (!numberIsExact(text.slice(start, i))) return true;
    } else i++;
  }
  return false;
}

function isNumberChar(c: number): boolean {
  // digits . - + e E
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
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

import { JsonText } from '../types.ts';
import { type CellRule, Rejection } from './cell.ts';
import { quoteValue } from './defaults.ts';

/** An exponent long enough to be worth a careful look (PostgreSQL numeric has limits). */
const LONG_EXPONENT = /\d[eE][+-]?\d{5,}/;

/** PostgreSQL numeric: at most 131072 digits before the point and 16383 after. */
const MAX_EXPONENT = 131072;
const MIN_EXPONENT = -16383;

function hex4(text: string, at: number): number {
  const value = Number.parseInt(text.slice(at, at + 4), 16);
  return Number.isNaN(value) ? -1 : value;
}

/**
 * What PostgreSQL jsonb refuses in JSON text that JSON.parse accepts: the `\u0000` escape and
 * unpaired surrogate escapes. `text` must already be valid JSON, so every backslash is an escape.
 */
export function jsonbEscapeProblem(text: string): string | undefined {
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i)) {
    if (text.charCodeAt(i + 1) !== 0x75) {
      i += 2;
      continue;
    }
    const unit = hex4(text, i + 2);
    i += 6;
    if (unit === 0) return 'it holds \\u0000 (NUL)';
    if (unit >= 0xdc00 && unit <= 0xdfff) return `it holds an unpaired surrogate \\u${unit.toString(16)}`;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i) === 0x5c && text.charCodeAt(i + 1) === 0x75 ? hex4(text, i + 2) : -1;
      if (next < 0xdc00 || next > 0xdfff) return `it holds an unpaired surrogate \\u${unit.toString(16)}`;
      i += 6;
    }
  }
  return undefined;
}

/** Finds a number whose exponent PostgreSQL numeric cannot hold, skipping strings. */
function exponentProblem(text: string): string | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if ((code === 0x65 || code === 0x45) && i > 0) {
      let j = i + 1;
      const negative = text.charCodeAt(j) === 0x2d;
      if (negative || text.charCodeAt(j) === 0x2b) j++;
      let exponent = 0;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) {
        exponent = Math.min(exponent * 10 + text.charCodeAt(j) - 48, 1e9);
        j++;
      }
      if (negative ? -exponent < MIN_EXPONENT : exponent > MAX_EXPONENT) {
        return `the exponent ${text.slice(i, j)} is beyond the range of numeric`;
      }
      i = j - 1;
    }
  }
  return undefined;
}

/**
 * What PostgreSQL jsonb refuses in valid JSON text: `\u0000`, an unpaired surrogate escape, or a
 * number whose exponent numeric cannot hold (`1e500000`). Undefined when jsonb takes it.
 */
export function jsonbProblem(text: string): string | undefined {
  return (
    (text.includes('\\u') ? jsonbEscapeProblem(text) : undefined) ??
    (LONG_EXPONENT.test(text) ? exponentProblem(text) : undefined)
  );
}

function reject(text: string, why: string): Rejection {
  return new Rejection('invalid_json', `${quoteValue(text)} is not valid JSON: ${why}`);
}

/**
 * The `jsonb` rule for text: any JSON text that JSON.parse and PostgreSQL jsonb both accept
 * becomes a {@link JsonText} holding the text exactly, so big and scaled numbers keep their digits.
 * Otherwise invalid_json with the parser's own message (which gives the position).
 */
export const jsonTextRule: CellRule<JsonText> = (text) => {
  try {
    JSON.parse(text);
  } catch (error) {
    return reject(text, error instanceof Error ? error.message : String(error));
  }
  const problem = jsonbProblem(text);
  return problem === undefined
    ? new JsonText(text)
    : new Rejection(
        'invalid_json',
        `${quoteValue(text)} is valid JSON but PostgreSQL jsonb cannot store it: ${problem}`,
      );
};

/** True when JSON text is an object or array (what inference counts as JSON). */
export function looksLikeJsonContainer(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return (first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d);
}

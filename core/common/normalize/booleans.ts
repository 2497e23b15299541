import { type CellRule, Rejection } from './cell.ts';
import { quoteValue } from './defaults.ts';

/** ASCII lower case of one char code (other codes unchanged). */
function lower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** Whether `text` (of the word's length) equals a lower-case ASCII `word`, ignoring case. */
function sameWord(text: string, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (lower(text.charCodeAt(i)) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Reads a boolean word in any case: true/false, t/f, yes/no, y/n, 1/0, on/off (`TRUE`, `Yes`,
 * `n`, `Off`…), or undefined when the text is not one. Compares char codes, so no lower-cased
 * copy is made per cell.
 */
export function parseBoolean(text: string): boolean | undefined {
  switch (text.length) {
    case 1: {
      const code = lower(text.charCodeAt(0));
      if (code === 116 || code === 121 || code === 49) return true; // t y 1
      if (code === 102 || code === 110 || code === 48) return false; // f n 0
      return undefined;
    }
    case 2:
      return sameWord(text, 'on') ? true : sameWord(text, 'no') ? false : undefined;
    case 3:
      return sameWord(text, 'yes') ? true : sameWord(text, 'off') ? false : undefined;
    case 4:
      return sameWord(text, 'true') ? true : undefined;
    case 5:
      return sameWord(text, 'false') ? false : undefined;
    default:
      return undefined;
  }
}

/** True when the text is a boolean word other than `1`/`0` (inference needs a word to pick boolean). */
export function isBooleanWord(text: string): boolean {
  return text !== '1' && text !== '0' && parseBoolean(text) !== undefined;
}

/** The `boolean` rule. */
export const booleanRule: CellRule<boolean> = (text) => {
  const value = parseBoolean(text);
  if (value !== undefined) return value;
  return new Rejection(
    'invalid_boolean',
    `${quoteValue(text)} is not a boolean (expected true/false, t/f, yes/no, y/n, 1/0 or on/off)`,
  );
};

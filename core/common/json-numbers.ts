/**
 * Number tokens in JSON text, for keeping numbers exactly (browser-safe, no Node imports).
 */

/** Whether a JSON number's text survives a JS number unchanged (`12` yes; `1.10`, 20-digit ids no). */
export function numberIsExact(text: string): boolean {
  return String(Number(text)) === text;
}

/**
 * Calls `visit(start, end)` for each number token of the valid JSON text `text[from, to)`, strings
 * skipped (digits inside them do not count); stops and returns true as soon as `visit` does.
 */
export function someJsonNumber(
  text: string,
  from: number,
  to: number,
  visit: (start: number, end: number) => boolean,
): boolean {
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
      if (visit(start, i)) return true;
    } else i++;
  }
  return false;
}

function isNumberChar(c: number): boolean {
  // digits . - + e E
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
}

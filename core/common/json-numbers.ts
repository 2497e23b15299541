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

/**
 * JSON text laid out on lines with `indent` spaces per level, every token as written: numbers keep
 * their digits (`12.50`, a 20-digit id), which parsing and `JSON.stringify` would not. Blanks
 * between tokens are dropped and strings are left untouched. Meant for showing a valid JSON text;
 * any other text comes out re-spaced, never refused.
 */
export function prettyJson(text: string, indent = 2): string {
  let out = '';
  let depth = 0;
  const newline = () => `\n${' '.repeat(depth * indent)}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text[i];
        if (d === '\\') i++;
        else if (d === '"') break;
      }
      out += text.slice(start, i + 1);
    } else if (c === '{' || c === '[') {
      // An empty object or array stays on its line.
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === (c === '{' ? '}' : ']')) {
        out += c === '{' ? '{}' : '[]';
        i = j;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth = Math.max(0, depth - 1);
      out += newline() + c;
    } else if (c === ',') {
      out += `,${newline()}`;
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

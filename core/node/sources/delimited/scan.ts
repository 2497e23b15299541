/** Small scans over a buffer of delimited text, shared by the tokenizer's paths. */

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/**
 * True when buf[from, to) holds only spaces and tabs (and is not empty). Called on the text
 * of an unquoted field before its first quote, which holds neither the delimiter nor the
 * quote, so a tab (or space) delimiter needs no special case here.
 */
export function isBlank(buf: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = buf.charCodeAt(i);
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

/**
 * Start of the field whose opening quote is at `open`: before it stand only the blanks that
 * were skipped, then the delimiter or the record start. Used on error paths only, to keep a
 * bad field exactly as written, so the fast path tracks no field start.
 */
export function fieldStart(buf: string, open: number, recStart: number, b1: number, b2: number): number {
  let i = open;
  while (i > recStart) {
    const c = buf.charCodeAt(i - 1);
    if (c !== b1 && c !== b2) break;
    i--;
  }
  return i;
}

/** The first line break (LF or CR) after `open`, or `len`. */
export function eolAfter(buf: string, open: number, len: number): number {
  return Math.min(find(buf, '\n', open + 1, len), find(buf, '\r', open + 1, len));
}

export function find(buf: string, ch: string, from: number, len: number): number {
  const i = buf.indexOf(ch, from);
  return i === -1 ? len : i;
}

/** Line breaks (LF, CRLF, lone CR) in buf[from, to); only called when there is at least one. */
export function countBreaks(buf: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = buf.charCodeAt(i);
    if (c === LF || (c === CR && buf.charCodeAt(i + 1) !== LF)) n++;
  }
  return n;
}

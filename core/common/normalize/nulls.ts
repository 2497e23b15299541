import { DEFAULT_NULL_TOKENS } from './defaults.ts';

/**
 * True for the characters trimmed from both ends of a cell: ASCII whitespace (space, tab, LF,
 * VT, FF, CR), no-break spaces (U+00A0, U+2007, U+202F) and a stray byte-order mark (U+FEFF).
 */
export function isTrimSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  return code === 0xa0 || code === 0x202f || code === 0x2007 || code === 0xfeff;
}

/**
 * Trims {@link isTrimSpace} characters from both ends. Returns the same string (no copy) when
 * neither end is a space, which is the common case.
 */
export function trimCell(text: string): string {
  const last = text.length - 1;
  if (last < 0) return text;
  const first = text.charCodeAt(0);
  const final = text.charCodeAt(last);
  // Characters above U+FEFF and printable ASCII are never spaces: skip the calls in the hot path.
  if (first > 32 && first < 0xa0 && final > 32 && final < 0xa0) return text;
  if (!isTrimSpace(first) && !isTrimSpace(final)) return text;
  let start = 0;
  let end = last + 1;
  while (start < end && isTrimSpace(text.charCodeAt(start))) start++;
  while (end > start && isTrimSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Tells whether a trimmed cell is a null token. */
export type NullCheck = (trimmed: string) => boolean;

/**
 * Builds the null check of one column, once: a Set lookup guarded by the longest token's
 * length, so long values (most of them) never hash. Tokens are trimmed like cells are, since
 * they are compared with trimmed cells.
 */
export function makeNullCheck(tokens: readonly string[] = DEFAULT_NULL_TOKENS): NullCheck {
  const set = new Set(tokens.map(trimCell));
  if (set.size === 0) return () => false;
  let longest = 0;
  for (const token of set) longest = Math.max(longest, token.length);
  if (set.size === 1 && longest === 0) return (text) => text.length === 0;
  return (text) => text.length <= longest && set.has(text);
}

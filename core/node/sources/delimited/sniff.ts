import type { SourceRow } from '../types.ts';
import { DelimitedTokenizer } from './tokenizer.ts';

/** Delimiters tried when none is given, in tie-break order. */
export const CANDIDATE_DELIMITERS = [',', '\t', ';', '|'] as const;

/** Records of the head looked at for the delimiter and the header. */
export const SNIFF_RECORDS = 50;

/** Delimiter, quote, and the first records parsed with them. */
export interface Dialect {
  delimiter: string;
  quote: string;
  /** Up to SNIFF_RECORDS records of the head, parsed with this dialect. */
  records: SourceRow[];
  /** The most common field count among `records` (0 when there are none). */
  fieldCount: number;
}

/** Settings the spec (or the file extension) gives. */
export interface DialectHints {
  delimiter?: string;
  quote?: string;
  /** Delimiter suggested by the file name (`.tsv`, `.psv`): wins ties. */
  preferredDelimiter?: string;
  /** The line bound the rows will be read with: a longer record is never taken as the header. */
  maxLineChars?: number;
}

/**
 * Picks delimiter and quote for a delimited text file from its first records.
 * Delimiter: among `,` TAB `;` `|`, the one giving the most consistent field count above 1
 * (share of records with the most common count), ties in that order (a file-name hint first).
 * Quote: `"`, unless the head has no `"`-quoted field but has `'`-quoted fields that contain
 * the delimiter. Spec values win.
 * @param text the decoded head
 * @param complete whether `text` is the whole file (else its cut-off last record is ignored)
 */
export function sniffDialect(text: string, complete: boolean, hints: DialectHints = {}): Dialect {
  const quote = hints.quote ?? (hints.delimiter === '"' ? '' : '"');
  let best: Dialect | undefined;
  if (hints.delimiter !== undefined)
    best = parseHead(text, complete, hints.delimiter, quote, hints.maxLineChars);
  else {
    const order = hints.preferredDelimiter
      ? [hints.preferredDelimiter, ...CANDIDATE_DELIMITERS.filter((d) => d !== hints.preferredDelimiter)]
      : CANDIDATE_DELIMITERS;
    let bestScore = -1;
    for (const delimiter of order) {
      if (delimiter === quote) continue;
      const dialect = parseHead(text, complete, delimiter, quote, hints.maxLineChars);
      const score = consistency(dialect);
      if (score > bestScore) {
        best = dialect;
        bestScore = score;
      }
    }
    if (bestScore <= 0) best = parseHead(text, complete, order[0] ?? ',', quote, hints.maxLineChars);
  }
  if (!best) best = parseHead(text, complete, ',', quote, hints.maxLineChars);
  if (hints.quote === undefined && best.delimiter !== "'" && prefersSingleQuote(text, best.delimiter)) {
    const single = parseHead(text, complete, best.delimiter, "'", hints.maxLineChars);
    if (consistency(single) >= consistency(best)) return single;
  }
  return best;
}

/** Title lines a header may follow (`Report of 2024-01-02` above the real header). */
export const MAX_PREAMBLE_RECORDS = 5;

/**
 * Index of the record that could be the header: the first one with the common field count
 * when only a few shorter records (title lines) come before it, else 0. The records before it
 * stay rows (rejected as too short), so a title line is shown, never dropped.
 */
export function headerCandidate(records: readonly SourceRow[], fieldCount: number): number {
  for (let i = 0; i < records.length && i <= MAX_PREAMBLE_RECORDS; i++) {
    const n = records[i]!.values.length;
    if (n === fieldCount) return i;
    if (n > fieldCount) return 0;
  }
  return 0;
}

function parseHead(
  text: string,
  complete: boolean,
  delimiter: string,
  quote: string,
  maxLineChars: number | undefined,
): Dialect {
  const tokenizer = new DelimitedTokenizer({ delimiter, quote, maxLineChars });
  const records: SourceRow[] = [];
  tokenizer.push(text, records);
  if (complete) tokenizer.finish(records);
  records.length = Math.min(records.length, SNIFF_RECORDS);
  return { delimiter, quote, records, fieldCount: modalCount(records).count };
}

/** Share of records having the most common field count, or 0 when that count is 1 or less. */
function consistency(dialect: Dialect): number {
  const { count, share } = modalCount(dialect.records);
  return count > 1 ? share : 0;
}

function modalCount(records: readonly SourceRow[]): { count: number; share: number } {
  const freq = new Map<number, number>();
  for (const r of records) freq.set(r.values.length, (freq.get(r.values.length) ?? 0) + 1);
  let count = 0;
  let n = 0;
  for (const [c, f] of freq) {
    if (f > n || (f === n && c > count)) {
      count = c;
      n = f;
    }
  }
  return { count, share: records.length === 0 ? 0 : n / records.length };
}

/**
 * Whether the head uses `'` quoting: no `"` opens a field, and some field is `'`-quoted and holds
 * the delimiter (`'a,b'` followed by the delimiter or the line end). One pass with cached next
 * positions: a regular expression here backtracks quadratically on a long line of `'a,a,a,…`.
 */
function prefersSingleQuote(text: string, delimiter: string): boolean {
  const len = text.length;
  const d = delimiter.charCodeAt(0);
  let nextQuote = -1;
  let nextBreak = -1;
  let nextDelimiter = -1;
  let found = false;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const atFieldStart = i === 0 || isFieldEnd(text.charCodeAt(i - 1), d);
    if (!atFieldStart) continue;
    if (c === 0x22) return false; // a `"` opens a field: double-quote quoting
    if (c !== 0x27 || found) continue;
    if (nextQuote <= i) nextQuote = indexOr(text, "'", i + 1, len);
    if (nextBreak <= i)
      nextBreak = Math.min(indexOr(text, '\n', i + 1, len), indexOr(text, '\r', i + 1, len));
    if (nextDelimiter <= i) nextDelimiter = indexOr(text, delimiter, i + 1, len);
    const close = nextQuote;
    if (close < len && nextBreak > close && nextDelimiter < close) {
      found = close + 1 === len || isFieldEnd(text.charCodeAt(close + 1), d);
    }
  }
  return found;
}

/** A delimiter, CR or LF: what ends a field (and so starts the next one). */
function isFieldEnd(c: number, delimiter: number): boolean {
  return c === delimiter || c === 0x0a || c === 0x0d;
}

function indexOr(text: string, ch: string, from: number, none: number): number {
  const i = text.indexOf(ch, from);
  return i < 0 ? none : i;
}

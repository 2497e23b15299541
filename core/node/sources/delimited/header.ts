/** What a cell looks like, for header detection only (not the normalizer's rules). */
export type CellKind = 'empty' | 'number' | 'date' | 'boolean' | 'text';

const NUMBER = /^[-+(]?[$€£¥]?\s?(?:\d[\d,.' \u00a0]*)?\.?\d(?:[eE][-+]?\d+)?\s?[%€]?\)?$/;
const DATE =
  /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:[T ]\d{1,2}:\d{2}.*)?$|^\d{1,2}:\d{2}(?::\d{2})?$/;
const BOOLEAN = /^(?:true|false|yes|no|t|f|y|n)$/i;

/** The kind of a cell's text, for header detection (shared with the XLSX source). */
export function kindOf(value: string): CellKind {
  const v = value.trim();
  if (v === '') return 'empty';
  if (DATE.test(v)) return 'date';
  if (NUMBER.test(v)) return 'number';
  if (BOOLEAN.test(v)) return 'boolean';
  return 'text';
}

/**
 * Guesses whether the first record is a header, like Python's `csv.Sniffer.has_header`:
 * each column votes. A column whose values below are all numbers (or dates, or booleans)
 * votes "header" when the first value is not of that kind, "no header" when it is; a text
 * column whose values below all have the same length votes by whether the first value's
 * length differs. On a tie, the first record is a header when its values are distinct,
 * non-empty text that does not reappear below in its column (most files have a header).
 * @param records the first records of the file (values as strings)
 */
export function detectHeader(records: readonly (readonly string[])[]): boolean {
  const first = records[0];
  if (!first || first.length === 0) return false;
  const rest = records.slice(1);
  let votes = 0;
  for (let i = 0; i < first.length; i++) {
    const head = first[i] ?? '';
    const below: string[] = [];
    for (const r of rest) {
      const v = r[i];
      if (v !== undefined && v.trim() !== '') below.push(v);
    }
    if (below.length === 0) continue;
    const kinds = new Set(below.map(kindOf));
    const [kind] = kinds;
    if (kinds.size === 1 && kind !== 'text') {
      votes += kindOf(head) === kind ? -1 : 1;
    } else if (kinds.size === 1 && below.length > 1) {
      const length = below[0]?.length;
      if (below.every((v) => v.length === length)) votes += head.length === length ? -1 : 1;
    }
  }
  if (votes !== 0) return votes > 0;
  return looksLikeNames(first, rest);
}

function looksLikeNames(first: readonly string[], rest: readonly (readonly string[])[]): boolean {
  if (new Set(first).size !== first.length) return false;
  return first.every((name, i) => kindOf(name) === 'text' && rest.every((r) => r[i] !== name));
}

/** Column names from a header record: empty names become `column_N`, duplicates are kept. */
export function headerNames(values: readonly string[]): string[] {
  return values.map((v, i) => (v === '' ? `column_${i + 1}` : v));
}

/** `column_1` … `column_n`, for files without a header. */
export function generatedNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `column_${i + 1}`);
}

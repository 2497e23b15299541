import type { RowProblem } from '../../../common/types.ts';
import { REPLACEMENT_CHAR } from '../encoding/chunk-decoder.ts';
import type { SourceRow } from '../types.ts';

/**
 * Aligns a tokenized record with the columns and adds the row problems only the source
 * can see: a field count other than the header's (ragged rows are rejected, not padded:
 * `values` is filled with null so it stays aligned, extra fields go to `extra`) and
 * undecodable bytes. A problem found by the tokenizer (quotes) stays the row's problem; a
 * ragged count is then added to its message, since a bad quote usually explains it.
 */
export class RowChecker {
  private readonly n: number;

  constructor(private readonly columns: readonly string[]) {
    this.n = columns.length;
  }

  /**
   * Checks one record in place.
   * @param checkEncoding flag fields holding U+FFFD as `invalid_encoding` (UTF-8 files that
   *   turned out to contain invalid bytes)
   */
  check(row: SourceRow, checkEncoding: boolean): void {
    const values = row.values;
    const got = values.length;
    if (row.problem?.reason === 'line_too_long') {
      // Not read at all: its field count says nothing.
      for (let i = got; i < this.n; i++) values.push(null);
      return;
    }
    if (got !== this.n) this.ragged(row, got);
    if (checkEncoding && !row.problem) this.encoding(row);
  }

  private ragged(row: SourceRow, got: number): void {
    const n = this.n;
    let problem: RowProblem;
    if (got < n) {
      const missing = this.columns.slice(got).map((c) => `'${c}'`);
      const shown = missing.length > 3 ? `${missing.slice(0, 3).join(', ')}, …` : missing.join(', ');
      problem = {
        reason: 'too_few_fields',
        message: `line ${row.line}: ${got} field${got === 1 ? '' : 's'}, expected ${n} (no value for ${shown})`,
      };
      for (let i = got; i < n; i++) row.values.push(null);
    } else {
      const extra = got - n;
      problem = {
        reason: 'too_many_fields',
        message: `line ${row.line}: ${got} fields, expected ${n} (${extra} extra field${extra === 1 ? '' : 's'})`,
      };
      row.extra = row.values.slice(n);
      row.values.length = n;
    }
    row.problem = row.problem
      ? {
          reason: row.problem.reason,
          message: `${row.problem.message}; ${problem.message.replace(/^line \d+: /, '')}`,
        }
      : problem;
  }

  private encoding(row: SourceRow): void {
    const values = row.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'string' && v.includes(REPLACEMENT_CHAR)) {
        const message = `line ${row.line}: bytes that are not valid UTF-8 in column '${this.columns[i]}' (shown as ${REPLACEMENT_CHAR}); the file is probably Windows-1252 or Latin-1: read it with encoding 'windows-1252'`;
        // The report names the column, as it does a value the normalizer rejects.
        row.problem = { reason: 'invalid_encoding', message, cells: [{ column: i, value: v, message }] };
        return;
      }
    }
    for (const v of row.extra ?? []) {
      if (typeof v === 'string' && v.includes(REPLACEMENT_CHAR)) {
        row.problem = {
          reason: 'invalid_encoding',
          message: `line ${row.line}: bytes that are not valid UTF-8 in an extra field; read the file with encoding 'windows-1252'`,
        };
        return;
      }
    }
  }
}

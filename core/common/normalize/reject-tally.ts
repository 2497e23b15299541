import type { CellError, RowProblem } from '../types.ts';
import { formatCount } from './defaults.ts';

/**
 * How many rows of a set would be rejected, counted once, so that everything that shows it (the
 * preview's badge, its column headers and warnings, a plan) says the same numbers.
 */
export interface RejectCounts {
  /** Rows counted. */
  rows: number;
  /** Rows that would be rejected: the unreadable ones plus those with a value that cannot be loaded. */
  rejected: number;
  /** Rows the reader could not split (ragged, stray quote, broken JSON line, Excel error cell). */
  unreadable: number;
  /** Unreadable rows by reason code. */
  unreadableByReason: Record<string, number>;
  /**
   * Rows with a rejected value, by target column. A row with two bad values counts in both
   * columns and once in `rejected`; an unreadable row counts in no column.
   */
  columns: Record<string, number>;
}

/** An unreadable row, kept as the example of its reason. */
export interface UnreadableExample {
  line: number;
  reason: string;
  message: string;
}

/**
 * Counts rows as the load would treat them: a row the reader could not split is rejected whole,
 * a readable row is rejected when one of its values cannot be loaded. Feed it every row of a set
 * (a preview's sample, the rows shown, a whole file) in order.
 */
export class RejectTally {
  private rows = 0;
  private rejected = 0;
  private unreadable = 0;
  private readonly byReason: Record<string, number> = {};
  private readonly byColumn: Record<string, number> = {};
  private readonly examples = new Map<string, UnreadableExample>();

  /**
   * Counts one row: `problem` when the reader could not split it, else the errors of its values
   * (null or empty when it is clean). Returns whether the row would be rejected.
   */
  add(line: number, problem: RowProblem | undefined, errors: readonly CellError[] | null): boolean {
    this.rows++;
    if (problem) {
      this.rejected++;
      this.unreadable++;
      this.byReason[problem.reason] = (this.byReason[problem.reason] ?? 0) + 1;
      if (!this.examples.has(problem.reason)) {
        this.examples.set(problem.reason, { line, reason: problem.reason, message: problem.message });
      }
      return true;
    }
    if (!errors || errors.length === 0) return false;
    this.rejected++;
    let previous: string | undefined;
    for (const error of errors) {
      // One value per column and row: a column is named once even if it were reported twice.
      if (error.column === previous) continue;
      previous = error.column;
      this.byColumn[error.column] = (this.byColumn[error.column] ?? 0) + 1;
    }
    return true;
  }

  /** The counts so far (a copy). */
  counts(): RejectCounts {
    return {
      rows: this.rows,
      rejected: this.rejected,
      unreadable: this.unreadable,
      unreadableByReason: { ...this.byReason },
      columns: { ...this.byColumn },
    };
  }

  /** The first unreadable row of each reason, in the order the reasons were first seen. */
  unreadableExamples(): UnreadableExample[] {
    return [...this.examples.values()];
  }
}

function rowsWord(n: number): string {
  return n === 1 ? 'row' : 'rows';
}

/**
 * The sentence about rows the reader could not split, or undefined when there are none:
 * "3 of 10,000 sampled rows could not be read and would be rejected: 2 stray_quote, 1
 * too_few_fields (first: line 57: text after the closing quote of field 2 …)".
 */
export function unreadableWarning(
  counts: RejectCounts,
  examples: readonly UnreadableExample[],
  scope: { sampled: boolean },
): string | undefined {
  if (counts.unreadable === 0) return undefined;
  const reasons = Object.entries(counts.unreadableByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${formatCount(n)} ${reason}`)
    .join(', ');
  const first = examples[0];
  const of = `${formatCount(counts.unreadable)} of ${formatCount(counts.rows)}${scope.sampled ? ' sampled' : ''} ${rowsWord(counts.rows)}`;
  const example = first ? ` (first: line ${first.line}: ${withoutLinePrefix(first.message)})` : '';
  return `${of} could not be read and would be rejected: ${reasons}${example}`;
}

/** Sources start row messages with "line N: "; the sentence names the line already. */
function withoutLinePrefix(message: string): string {
  return message.replace(/^line \d+: /, '');
}

/**
 * What a preview's badge says, over what: "3 of 10,000 sampled rows would be rejected; 200 shown,
 * 1 of them rejected". When the sample is the whole file, it says so instead of "sampled".
 */
export function rejectSummary(
  sample: RejectCounts,
  shown: RejectCounts,
  wholeFile: boolean,
  /** The source's kind (`format.kind`): a database's rows are "the whole result", an API's "every record". */
  sourceKind?: string,
): string {
  const whole =
    sourceKind === 'postgres' || sourceKind === 'mysql' || sourceKind === 'sqlite'
      ? 'the whole result'
      : sourceKind === 'http'
        ? 'every record the API returned'
        : 'the whole file';
  const over = wholeFile
    ? `${formatCount(sample.rejected)} of ${formatCount(sample.rows)} ${rowsWord(sample.rows)} (${whole}) would be rejected`
    : `${formatCount(sample.rejected)} of ${formatCount(sample.rows)} sampled ${rowsWord(sample.rows)} would be rejected`;
  if (wholeFile && shown.rows === sample.rows) return over;
  const rejectedShown =
    shown.rejected === 0 ? 'none of them rejected' : `${formatCount(shown.rejected)} of them rejected`;
  return `${over}; ${formatCount(shown.rows)} shown, ${rejectedShown}`;
}

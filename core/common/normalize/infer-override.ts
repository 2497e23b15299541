import type { ColumnSpec, FormatOptions } from '../spec/job-spec.ts';
import type { ColumnType } from '../types.ts';
import type { ResolvedFormat } from './column-plan.ts';
import { formatCount, quoteValue } from './defaults.ts';
import type { FitCount } from './infer-evidence.ts';

/**
 * A format the operator set that the values can contradict: a date order, or a decimal separator
 * (set on the column or for the whole file). A file-wide date order is not one: it only applies
 * where a column's own values leave the order open.
 */
export interface FormatOverride {
  setting: 'dateOrder' | 'decimalSeparator';
  value: string;
  /** Where it was set. */
  by: 'column' | 'file';
  /** The types it is about. */
  types: readonly ColumnType[];
}

const DATE_TYPES: readonly ColumnType[] = ['date', 'timestamptz'];
const NUMBER_TYPES: readonly ColumnType[] = ['integer', 'bigint', 'numeric'];

/** The overrides that apply to a column without a declared type. */
export function formatOverrides(job: FormatOptions, column: ColumnSpec | undefined): FormatOverride[] {
  const found: FormatOverride[] = [];
  if (column?.dateOrder) {
    found.push({ setting: 'dateOrder', value: column.dateOrder, by: 'column', types: DATE_TYPES });
  }
  const decimal = column?.decimalSeparator ?? job.decimalSeparator;
  if (decimal) {
    const by = column?.decimalSeparator ? 'column' : 'file';
    found.push({ setting: 'decimalSeparator', value: decimal, by, types: NUMBER_TYPES });
  }
  return found;
}

/** The job's formats and the column's spec without the overrides, to see what the values say alone. */
export function withoutOverrides(
  job: FormatOptions,
  column: ColumnSpec | undefined,
): { job: FormatOptions; column: ColumnSpec | undefined } {
  const { decimalSeparator: _jobDecimal, ...freeJob } = job;
  if (!column) return { job: freeJob, column };
  const { dateOrder: _order, decimalSeparator: _decimal, ...freeColumn } = column;
  return { job: freeJob, column: freeColumn };
}

/**
 * The override that contradicts the values: inference with it picked a type it is not about (the
 * values stopped reading as dates or numbers), while without it they read as `freeType`, one it is
 * about. Undefined when the overrides and the values agree.
 */
export function contradictedOverride(
  overrides: readonly FormatOverride[],
  chosenType: ColumnType,
  freeType: ColumnType,
): FormatOverride | undefined {
  if (overrides.some((o) => o.types.includes(chosenType))) return undefined;
  return overrides.find((o) => o.types.includes(freeType));
}

/**
 * "these values cannot be read as MDY dates (…): 30 of 50 sampled values would be rejected; for
 * example '25/03/2024' is not a date in MM/DD/YYYY order. Without that setting they read as DMY dates".
 */
export function contradictionWarning(
  override: FormatOverride,
  count: FitCount,
  total: number,
  free: ResolvedFormat,
): string {
  const where = override.by === 'column' ? 'set for this column' : 'set for the file';
  const example = count.exampleMessage ?? quoteValue(count.example ?? '');
  const rejected = `${formatCount(count.rejects)} of ${formatCount(total)} sampled values would be rejected; for example ${example}`;
  if (override.setting === 'dateOrder') {
    return (
      `these values cannot be read as ${override.value} dates (the date order ${where}): ${rejected}. ` +
      `Without that setting they read as ${free.dateOrder} dates`
    );
  }
  return (
    `these values cannot be read as numbers with '${override.value}' as decimal separator (${where}): ` +
    `${rejected}. Without that setting they read with '${free.decimalSeparator}'`
  );
}

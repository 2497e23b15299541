import type { CellError, ColumnType, NormalizedValue, RawValue } from '../types.ts';
import { Rejection } from './cell.ts';
import type { ColumnPlan } from './column-plan.ts';
import { type CellFunction, makeCellFunction, rawText } from './column-rule.ts';

/** A target column of a normalizer. */
export interface NormalizerColumn {
  name: string;
  type: ColumnType;
  /** Index of the source column it reads. */
  sourceIndex: number;
}

/** Normalizes source rows into target rows, one cell function per column chosen up front. */
export interface RowNormalizer {
  /** Target columns, in order (skipped ones excluded). */
  readonly columns: readonly NormalizerColumn[];
  /**
   * Normalizes one source row. `values` is aligned to the non-skipped columns (a rejected cell
   * holds null there, but the row must then be rejected as a whole). `errors` is null when the
   * row is clean.
   */
  normalize(raw: readonly RawValue[]): { values: NormalizedValue[]; errors: CellError[] | null };
}

/**
 * Builds the row normalizer of a set of column plans: for each non-skipped column, one closure
 * (trim → null token check → the type's rule) created here, so the per-cell cost is a function
 * call and a few char-code checks. A cell that cannot be read is never silently nulled: it
 * becomes a CellError naming the target column, the raw value as text, a reason and a message.
 */
export function createRowNormalizer(plans: readonly ColumnPlan[]): RowNormalizer {
  const active = plans.filter((plan) => !plan.skip);
  const columns: NormalizerColumn[] = active.map((plan) => ({
    name: plan.name,
    type: plan.type,
    sourceIndex: plan.index,
  }));
  const functions: CellFunction[] = active.map((plan) =>
    makeCellFunction(plan.type, plan.format, plan.sourceType),
  );
  const sources = active.map((plan) => plan.index);
  const names = active.map((plan) => plan.name);
  const width = functions.length;
  return {
    columns,
    normalize(raw) {
      const values: NormalizedValue[] = [];
      let errors: CellError[] | null = null;
      for (let k = 0; k < width; k++) {
        const cell = raw[sources[k]!];
        const value = functions[k]!(cell);
        if (value instanceof Rejection) {
          (errors ??= []).push({
            column: names[k]!,
            value: rawText(cell),
            reason: value.reason,
            message: value.message,
          });
          values.push(null);
        } else {
          values.push(value);
        }
      }
      return { values, errors };
    },
  };
}

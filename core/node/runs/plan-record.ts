import type { ColumnPlan } from '../../common/normalize/column-plan.ts';
import type { ColumnSpec } from '../../common/spec/job-spec.ts';
import type { SourceDialect } from '../../common/spec/source-dialect.ts';
import type { DetectedFormat } from '../sources/types.ts';

/** The dialect a source was read in, as a run keeps it (for an export for fixing). */
export function sourceDialectOf(format: DetectedFormat): SourceDialect {
  return {
    kind: format.kind,
    encoding: format.encoding,
    compression: format.compression,
    ...(format.delimiter !== undefined ? { delimiter: format.delimiter } : {}),
    ...(format.quote !== undefined ? { quote: format.quote } : {}),
    header: format.header,
    bom: format.bom === true,
  };
}

/**
 * The columns as a run decided them, as job-spec columns: every source column with its target
 * name, type, skip and resolved formats, so that a reload of the run's fixed rows decides nothing
 * anew (a handful of fixed rows would not settle a date order or decimal mark the same way).
 */
export function columnSpecsOf(plans: readonly ColumnPlan[]): ColumnSpec[] {
  return plans.map((p) => ({
    source: p.source,
    name: p.name,
    type: p.type,
    ...(p.skip ? { skip: true } : {}),
    ...(p.format.keepText ? { keepText: true } : {}),
    nullTokens: [...p.format.nullTokens],
    decimalSeparator: p.format.decimalSeparator,
    percent: p.format.percent,
    dateOrder: p.format.dateOrder,
    timeZone: p.format.timeZone,
    twoDigitYearPivot: p.format.twoDigitYearPivot,
    ...(p.format.numericDates ? { numericDates: p.format.numericDates } : {}),
  }));
}

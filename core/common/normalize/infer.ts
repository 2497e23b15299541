import { BUILT_IN_DEFAULTS, type FormatDefaults } from '../spec/format-defaults.ts';
import type { ColumnSpec, FormatOptions, JobSpec } from '../spec/job-spec.ts';
import type { ColumnType, RawValue } from '../types.ts';
import { assignColumnNames, systemNameWarning } from './column-names.ts';
import type { ColumnPlan, ResolvedFormat } from './column-plan.ts';
import { makeCellFunction } from './column-rule.ts';
import { formatCount, quoteValue } from './defaults.ts';
import { type Choice, type ColumnSample, chooseType } from './infer-choose.ts';
import { countFits, nonFittingWarning, numberDecorationWarnings, TYPE_NOUNS } from './infer-evidence.ts';
import {
  baseFormat,
  type FormatNotes,
  settleDateOrder,
  settleDecimalMark,
  specColumns,
} from './infer-format.ts';
import { identifierWarning } from './infer-identifier.ts';
import {
  contradictedOverride,
  contradictionWarning,
  formatOverrides,
  withoutOverrides,
} from './infer-override.ts';
import { makeNullCheck, trimCell } from './nulls.ts';

export type { ColumnPlan, ResolvedFormat } from './column-plan.ts';

/** What inference reads: the source's headers, sampled rows, and the job's formats and column overrides. */
export interface InferInput {
  columns: readonly string[];
  sample: readonly (readonly RawValue[])[];
  spec: Pick<JobSpec, 'format' | 'columns'>;
  /** Date order and time zone where the spec says nothing: saved Settings, else built-in (the default). */
  defaults?: FormatDefaults;
  /**
   * Types the source declares per column (a database column's type), null where it has none.
   * A declared source type is taken instead of inferring one; the spec's type still wins.
   */
  sourceTypes?: readonly (ColumnType | null)[];
  /**
   * The source's strings are data as written (JSON, an HTTP API): a column loaded as text keeps
   * them exactly, as a database's text is kept (`ResolvedFormat.keepText`).
   */
  textIsData?: boolean;
  /**
   * The existing target table's columns, by target name: the type the load normalizes into and the
   * column's type as PostgreSQL shows it. A column the spec does not type, whose source declares no
   * type of its own (or only text), takes the table's type instead of one inferred from the sample:
   * the table decides what its column stores, so a few bad dates in an existing `date` column are
   * rejected cell by cell, and a text column keeps what the source says.
   */
  targetTypes?: ReadonlyMap<string, TargetColumnType>;
}

/**
 * Whether a column takes an existing target column's type (`InferInput.targetTypes`): one the spec
 * does not type, not skipped, whose source declares no type of its own — a file's, JSON's or an API's
 * column, a database's character column (`sourceType` null). The load and the target check
 * (`targets.check`) decide it by this one rule.
 *
 * A database column the source types `text` is another type's text, not character data: a PostgreSQL
 * `bit(8)` '00010010' read as an integer is 10010, a `bytea` '\x0012' is 12, an empty `integer[]` '{}'
 * is the JSON object {}; an SQLite BLOB or untyped column and a MySQL BINARY/BLOB come as hex ('0012'
 * is 12), a MySQL BIT(8) as its bits; enums and MySQL SETs as their labels. Such a column declares
 * its own type and is checked as the source declares it (into a column of exactly its type, or text),
 * as before the table typed columns. (A PostgreSQL column with a `nativeType` is always such a column;
 * the target check also takes the `nativeType` alone, as a client may send it without `sourceType`.)
 */
export function followsTargetType(column: {
  readonly declared: boolean;
  readonly sourceType?: ColumnType | null | undefined;
  readonly nativeType?: string | null | undefined;
  readonly skip?: boolean | undefined;
}): boolean {
  if (column.nativeType !== undefined && column.nativeType !== null) return false;
  return !column.declared && column.skip !== true && (column.sourceType ?? null) === null;
}

/**
 * Whether the sample's own type stands for a column that follows the table (`followsTargetType`):
 * when it is the table's type, or when the column takes it as the very value the sample meant. Dates
 * into a `timestamp`/`timestamptz` column (which map to timestamptz) are such a sample: as dates they
 * load at midnight UTC, as loads did before the table typed columns, where read as timestamptz a date
 * is midnight in the job's time zone — in a zone east of UTC the day before in a `timestamp` column,
 * every value of a daily job moved without a word. The load and the target check decide it by this one
 * rule. `sampled` null (every sampled value null): the table's type.
 */
export function sampleTypeStands(sampled: ColumnType | null, table: ColumnType): boolean {
  return sampled === table || (sampled === 'date' && table === 'timestamptz');
}

/**
 * The table's types as a load takes them (`InferInput.targetTypes`), less an incremental load's
 * watermark column where the table keeps it as text: there the rows are compared with the mark as
 * text, which orders normalized dates and UTC times ('2024-03-25', '2024-03-25T11:00:00Z') but not
 * the source's own writing ('05/04/2024' sorts before '25/03/2024'), so rows newer than the mark
 * would be skipped. That column keeps the sample's type, as loads did before the table typed columns.
 * `watermark`: the incremental load's watermark column, undefined for other modes.
 */
export function targetTypesForLoad(
  types: ReadonlyMap<string, TargetColumnType> | null,
  watermark: string | undefined,
): ReadonlyMap<string, TargetColumnType> | null {
  if (types === null || watermark === undefined || types.get(watermark)?.type !== 'text') return types;
  const kept = new Map(types);
  kept.delete(watermark);
  return kept;
}

/** An existing target column's type, as inference takes it (`InferInput.targetTypes`). */
export interface TargetColumnType {
  readonly type: ColumnType;
  /** As PostgreSQL shows it (`date`, `character varying(20)`). */
  readonly display: string;
}

/** A column's sampled values, trimmed (`kept`: as they are) and without its nulls. */
function sampleColumn(
  index: number,
  rows: InferInput['sample'],
  nullTokens: readonly string[],
  kept = false,
): ColumnSample {
  const isNull = makeNullCheck(nullTokens);
  const values: RawValue[] = [];
  const strings: string[] = [];
  let nullCount = 0;
  for (const row of rows) {
    const raw = row[index];
    if (typeof raw === 'string') {
      const text = kept ? raw : trimCell(raw);
      if (isNull(text)) nullCount++;
      else {
        values.push(text);
        strings.push(text);
      }
    } else if (raw === null || raw === undefined) {
      nullCount++;
    } else {
      values.push(raw);
    }
  }
  return { values, strings, nullCount };
}

/**
 * Decides, for every source column, its target name, type and format from the sampled rows and
 * the spec. Declared types and formats (matched by `source`) win; they are still counted, so the
 * preview shows what would be rejected. A column is never typed so that more than 1% of its
 * non-null sampled values would be rejected: it stays text, and `warnings` says why.
 * @throws LoadstoneError SPEC_INVALID when spec columns name no source column, user names
 *   collide, or a time zone is unknown.
 */
export function inferColumns(input: InferInput): ColumnPlan[] {
  const { columns, sample, spec } = input;
  const defaults = input.defaults ?? BUILT_IN_DEFAULTS;
  const job: FormatOptions = spec.format ?? {};
  const bySource = specColumns(columns, spec);
  const names = assignColumnNames(
    columns,
    columns.map((c) => bySource.get(c)?.column.name),
    columns.map((c) => bySource.get(c)?.column.skip === true),
  );
  return columns.map((source, index) => {
    const column = bySource.get(source)?.column;
    const name = names[index]!;
    const skip = column?.skip ?? false;
    const sourceType = input.sourceTypes?.[index] ?? null;
    let data = sampleColumn(index, sample, baseFormat(job, column, defaults).nullTokens);
    const warnings: string[] = [];
    const renamed = column?.name === undefined ? systemNameWarning(source, name) : null;
    if (renamed) warnings.push(renamed);
    let type: ColumnType;
    let nonFitting: number;
    let format: ResolvedFormat;
    /** Said once the column's values are final (a database's or JSON's text may have some after all). */
    let allNull = false;
    let notes: FormatNotes = {};
    let fromTarget = followsTargetType({ declared: column?.type !== undefined, sourceType, skip })
      ? input.targetTypes?.get(name)
      : undefined;
    /** What the column would have been without the table: the sample's inference (null: all null). */
    let sampled: ColumnType | null = null;
    let inferredFirst: Inferred | undefined;
    if (fromTarget && data.values.length > 0) {
      inferredFirst = inferType(name, data, job, column, defaults);
      sampled = inferredFirst.choice.type;
      // The sample agrees with the table: inference's own format stands (epoch numbers, a date order).
      if (sampleTypeStands(sampled, fromTarget.type)) fromTarget = undefined;
    }
    if (column?.type || fromTarget || sourceType) {
      type = column?.type ?? fromTarget?.type ?? (sourceType as ColumnType);
      ({ format, notes } = settleFormat(
        job,
        column,
        data,
        type === 'date' || type === 'timestamptz',
        defaults,
      ));
      if (sourceType === 'integer' || sourceType === 'bigint' || sourceType === 'numeric') {
        // A database number is written with '.', whatever a file's numbers would suggest.
        format.decimalSeparator = '.';
        notes.decimal = undefined;
      }
      const count = countFits(makeCellFunction(type, format, sourceType ?? undefined), data.values, Infinity);
      nonFitting = count.rejects;
      if (nonFitting > 0 && !skip) warnings.push(nonFittingWarning(type, count, data.values.length));
    } else if (data.values.length === 0) {
      type = 'text';
      nonFitting = 0;
      ({ format, notes } = settleFormat(job, column, data, false, defaults));
      allNull = sample.length > 0;
    } else {
      const inferred = inferredFirst ?? inferType(name, data, job, column, defaults);
      ({ format, notes } = inferred);
      const choice = inferred.choice;
      type = choice.type;
      nonFitting = choice.count.rejects;
      if (choice.numericDates) {
        format.numericDates = choice.numericDates;
        warnings.push(
          `read as Unix epoch ${choice.numericDates === 'epoch_ms' ? 'milliseconds' : 'seconds'} (the name suggests a time and every sampled value is a ${choice.numericDates === 'epoch_ms' ? '13' : '10'}-digit number in 2000–2100) — set type or numericDates to change it`,
        );
      }
      if (inferred.contradiction) {
        if (!skip) warnings.push(inferred.contradiction);
      } else if (nonFitting > 0 && !skip) {
        warnings.push(nonFittingWarning(type, choice.count, data.values.length));
      }
      if (choice.identifier !== undefined) warnings.push(identifierWarning(choice.identifier));
      const miss = choice.nearMiss;
      if (miss) {
        warnings.push(
          `kept as text: ${formatCount(miss.count.rejects)} of ${formatCount(data.values.length)} sampled values are not ${TYPE_NOUNS[miss.type]}; for example ${miss.count.exampleMessage ?? quoteValue(miss.count.example ?? '')}`,
        );
      }
    }
    const typedSource = input.sourceTypes !== undefined || input.textIsData === true;
    const keep = column?.keepText ?? (typedSource && (sourceType === null || sourceType === 'text'));
    if (keep && type === 'text') {
      // A database's text (or a JSON string) loaded as text is kept as written
      // (`ResolvedFormat.keepText`): its counts are of the values as kept.
      format.keepText = true;
      if (column?.nullTokens === undefined && job.nullTokens === undefined) format.nullTokens = [];
      data = sampleColumn(index, sample, format.nullTokens, true);
      nonFitting = countFits(makeCellFunction(type, format), data.values, Infinity).rejects;
    }
    if (allNull && data.values.length === 0) {
      warnings.push(`all ${formatCount(sample.length)} sampled values are null; typed as text`);
    }
    if (type === 'integer' || type === 'bigint' || type === 'numeric') {
      if (notes.decimal) warnings.push(notes.decimal);
      warnings.push(...numberDecorationWarnings(data.strings, format.decimalSeparator, format.percent));
    }
    if (
      (type === 'date' || type === 'timestamptz') &&
      notes.dates &&
      !format.numericDates?.startsWith('epoch')
    ) {
      warnings.push(notes.dates);
    }
    return {
      index,
      source,
      name,
      type,
      declared: column?.type !== undefined,
      ...(sourceType ? { sourceType } : {}),
      ...(fromTarget ? { typedByTarget: { display: fromTarget.display, sampled } } : {}),
      skip,
      format,
      origins: {
        dateOrder: column?.dateOrder
          ? 'column'
          : notes.dateOrderDetected
            ? 'detected'
            : job.dateOrder
              ? 'job'
              : defaults.dateOrder.from,
        timeZone: column?.timeZone ? 'column' : job.timeZone ? 'job' : defaults.timeZone.from,
      },
      sampleSize: data.values.length,
      nullCount: data.nullCount,
      // A skipped column loads nothing, so nothing of it is rejected.
      nonFitting: skip ? 0 : nonFitting,
      warnings,
    };
  });
}

/** A column's format from the spec, with the decimal mark (and the date order, if asked) settled from its values. */
function settleFormat(
  job: FormatOptions,
  column: ColumnSpec | undefined,
  data: ColumnSample,
  dates: boolean,
  defaults: FormatDefaults,
): { format: ResolvedFormat; notes: FormatNotes } {
  const format = baseFormat(job, column, defaults);
  const notes: FormatNotes = {};
  settleDecimalMark(format, job, column, data.strings, notes);
  if (dates) settleDateOrder(format, job, column, data.strings, notes, defaults);
  return { format, notes };
}

/** The type inference picks for a column, with the format it settled on the way. */
interface Inferred {
  choice: Choice;
  format: ResolvedFormat;
  notes: FormatNotes;
  /** Set when a format the operator set contradicts the values (see below). */
  contradiction?: string;
}

function chooseWith(
  name: string,
  data: ColumnSample,
  job: FormatOptions,
  column: ColumnSpec | undefined,
  defaults: FormatDefaults,
): Inferred {
  const { format, notes } = settleFormat(job, column, data, false, defaults);
  let datesSettled = false;
  const settleDates = () => {
    if (!datesSettled) settleDateOrder(format, job, column, data.strings, notes, defaults);
    datesSettled = true;
  };
  return { choice: chooseType(name, data, format, column, settleDates), format, notes };
}

/**
 * Infers a column's type. A date order or decimal separator the operator set never changes the
 * type: when, with it, the values no longer read as dates (or numbers) but without it they do, the
 * column keeps the type its values have, the setting stays applied, and every sampled value it
 * cannot read is counted as rejected and named in a warning — an override that contradicts the
 * data must show what it would reject, not quietly turn the column into text.
 */
function inferType(
  name: string,
  data: ColumnSample,
  job: FormatOptions,
  column: ColumnSpec | undefined,
  defaults: FormatDefaults,
): Inferred {
  const inferred = chooseWith(name, data, job, column, defaults);
  const overrides = formatOverrides(job, column);
  if (overrides.length === 0) return inferred;
  const plain = withoutOverrides(job, column);
  const free = chooseWith(name, data, plain.job, plain.column, defaults);
  const contradicted = contradictedOverride(overrides, inferred.choice.type, free.choice.type);
  if (!contradicted || free.choice.numericDates) return inferred;
  const type = free.choice.type;
  const format = inferred.format;
  const count = countFits(makeCellFunction(type, format), data.values, Infinity);
  const choice: Choice = { type, count };
  return {
    choice,
    format,
    notes: inferred.notes,
    contradiction:
      count.rejects > 0
        ? contradictionWarning(contradicted, count, data.values.length, free.format)
        : undefined,
  };
}

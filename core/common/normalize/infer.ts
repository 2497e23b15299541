import type { ColumnSpec, FormatOptions, JobSpec } from '../spec/job-spec.ts';
import type { ColumnType, RawValue } from '../types.ts';
import { isBooleanWord } from './booleans.ts';
import { Rejection } from './cell.ts';
import { assignColumnNames, systemNameWarning } from './column-names.ts';
import type { ColumnPlan, ResolvedFormat } from './column-plan.ts';
import { makeCellFunction } from './column-rule.ts';
import { MAX_NON_FITTING_RATIO, MIN_SAMPLE_FOR_ONE_STRAY, quoteValue } from './defaults.ts';
import {
  countFits,
  detectEpoch,
  type FitCount,
  nonFittingWarning,
  numberDecorationWarnings,
  TYPE_NOUNS,
} from './infer-evidence.ts';
import {
  baseFormat,
  type FormatNotes,
  settleDateOrder,
  settleDecimalMark,
  specColumns,
} from './infer-format.ts';
import { looksLikeJsonContainer } from './json-text.ts';
import { makeNullCheck, trimCell } from './nulls.ts';
import { hasTimeOfDay } from './timestamps.ts';

export type { ColumnPlan, ResolvedFormat } from './column-plan.ts';

/** What inference reads: the source's headers, sampled rows, and the job's formats and column overrides. */
export interface InferInput {
  columns: readonly string[];
  sample: readonly (readonly RawValue[])[];
  spec: Pick<JobSpec, 'format' | 'columns'>;
}

/** One column's sampled values, split once. */
interface ColumnSample {
  /** Non-null values; strings trimmed. */
  values: RawValue[];
  /** The non-null string values (trimmed). */
  strings: string[];
  nullCount: number;
}

function sampleColumn(
  index: number,
  rows: InferInput['sample'],
  nullTokens: readonly string[],
): ColumnSample {
  const isNull = makeNullCheck(nullTokens);
  const values: RawValue[] = [];
  const strings: string[] = [];
  let nullCount = 0;
  for (const row of rows) {
    const raw = row[index];
    if (typeof raw === 'string') {
      const text = trimCell(raw);
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

interface Choice {
  type: ColumnType;
  count: FitCount;
  numericDates?: 'epoch_s' | 'epoch_ms';
  /** Text only: the type that read most values but rejected too many (fully counted). */
  nearMiss?: Choice;
  /** Text only: a number-like value with leading zeros that kept the column text. */
  zeroPadded?: string;
}

/** Digits with a leading zero (`0101`, `-007`, `00.5`): an identifier more often than a number. */
const ZERO_PADDED = /^[+-]?0\d/;

/** Whether the values would mostly read as numbers (so leading zeros are what kept them text). */
function numberLike(values: readonly RawValue[], format: ResolvedFormat): boolean {
  const rule = makeCellFunction('numeric', format);
  let fits = 0;
  for (const value of values) if (!(rule(value) instanceof Rejection)) fits++;
  return fits > values.length * (1 - MAX_NON_FITTING_RATIO);
}

/**
 * Picks the most specific type whose rule rejects at most 1% of the values (or a single value, among
 * ten or more) and reads at least one: epoch timestamps (see detectEpoch), boolean (only with a word among the values: a pure
 * 0/1 column is integer), integer/bigint, numeric, date, timestamptz (date-like with times),
 * uuid, jsonb (with an object or array among the values), else text. When integer passes with
 * rejects that numeric would read, numeric wins: it loses nothing.
 */
function chooseType(
  name: string,
  sample: ColumnSample,
  format: ResolvedFormat,
  column: ColumnSpec | undefined,
  settleDates: () => void,
): Choice {
  const { values, strings } = sample;
  // One stray value among ten or more never flips a column to text: it is a bad value, to be rejected.
  const allowed = Math.max(
    values.length >= MIN_SAMPLE_FOR_ONE_STRAY ? 1 : 0,
    Math.floor(values.length * MAX_NON_FITTING_RATIO),
  );
  const tried: Choice[] = [];
  const attempt = (type: ColumnType, numericDates?: 'epoch_s' | 'epoch_ms'): Choice | undefined => {
    const f = numericDates ? { ...format, numericDates } : format;
    const count = countFits(makeCellFunction(type, f), values, allowed);
    const choice: Choice = numericDates ? { type, count, numericDates } : { type, count };
    tried.push(choice);
    return count.rejects <= allowed && count.fits > 0 ? choice : undefined;
  };

  // A column's own numericDates puts dates first (Excel serials are read only when asked for).
  if (column?.numericDates) {
    settleDates();
    const hinted = attempt(column.numericDates === 'excel' ? 'date' : 'timestamptz');
    if (hinted) return hinted;
  } else if (!format.numericDates) {
    const epoch = detectEpoch(name, values);
    const choice = epoch && attempt('timestamptz', epoch);
    if (choice) return choice;
  }
  if (values.some((v) => typeof v === 'boolean' || (typeof v === 'string' && isBooleanWord(v)))) {
    const choice = attempt('boolean');
    if (choice) return choice;
  }
  // Codes such as ZIP codes and GEOIDs ('0101') would lose their zeros as numbers: keep them text.
  const zeroPadded = strings.find((s) => ZERO_PADDED.test(s));
  if (zeroPadded === undefined) {
    const integer = attempt('bigint');
    if (integer) {
      const type: ColumnType = integer.count.beyondInt4 ? 'bigint' : 'integer';
      const numeric = integer.count.rejects > 0 ? attempt('numeric') : undefined;
      return numeric && numeric.count.rejects < integer.count.rejects ? numeric : { ...integer, type };
    }
    const numeric = attempt('numeric');
    if (numeric) return numeric;
  }
  if (strings.length > 0) {
    settleDates();
    const date = attempt('date');
    const timestamp = attempt('timestamptz');
    if (date && !strings.some(hasTimeOfDay)) return date;
    if (timestamp) return timestamp;
    if (date) return date;
    const uuid = attempt('uuid');
    if (uuid) return uuid;
  }
  if (values.some((v) => typeof v === 'object' || (typeof v === 'string' && looksLikeJsonContainer(v)))) {
    const json = attempt('jsonb');
    if (json) return json;
  }
  const text: Choice = {
    type: 'text',
    count: { fits: values.length, rejects: 0, examined: values.length, complete: true, beyondInt4: false },
  };
  if (zeroPadded !== undefined && numberLike(values, format)) {
    text.zeroPadded = zeroPadded;
    return text;
  }
  // Say why when some type read most values but rejected too many of them. Ties go to the more
  // specific type (date before timestamp), except that "not numbers" beats "not whole numbers".
  let best: Choice | undefined;
  let bestShare = 0.5;
  for (const choice of tried) {
    const share = choice.count.fits / choice.count.examined;
    const widens = choice.type === 'numeric' && best?.type === 'bigint';
    if (share > bestShare || (share === bestShare && (!best || widens))) {
      best = choice;
      bestShare = share;
    }
  }
  if (best) {
    const f = best.numericDates ? { ...format, numericDates: best.numericDates } : format;
    const count = best.count.complete
      ? best.count
      : countFits(makeCellFunction(best.type, f), values, Infinity);
    text.nearMiss = { ...best, count };
  }
  return text;
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
    const format = baseFormat(job, column);
    const data = sampleColumn(index, sample, format.nullTokens);
    const notes: FormatNotes = {};
    settleDecimalMark(format, job, column, data.strings, notes);
    let datesSettled = false;
    const settleDates = () => {
      if (!datesSettled) settleDateOrder(format, job, column, data.strings, notes);
      datesSettled = true;
    };
    const warnings: string[] = [];
    const renamed = column?.name === undefined ? systemNameWarning(source, name) : null;
    if (renamed) warnings.push(renamed);
    let type: ColumnType;
    let nonFitting: number;
    if (column?.type) {
      type = column.type;
      if (type === 'date' || type === 'timestamptz') settleDates();
      const count = countFits(makeCellFunction(type, format), data.values, Infinity);
      nonFitting = count.rejects;
      if (nonFitting > 0) warnings.push(nonFittingWarning(type, count, data.values.length));
    } else if (data.values.length === 0) {
      type = 'text';
      nonFitting = 0;
      if (sample.length > 0) warnings.push(`all ${sample.length} sampled values are null; typed as text`);
    } else {
      const choice = chooseType(name, data, format, column, settleDates);
      type = choice.type;
      nonFitting = choice.count.rejects;
      if (choice.numericDates) {
        format.numericDates = choice.numericDates;
        warnings.push(
          `read as Unix epoch ${choice.numericDates === 'epoch_ms' ? 'milliseconds' : 'seconds'} (the name suggests a time and every sampled value is a ${choice.numericDates === 'epoch_ms' ? '13' : '10'}-digit number in 2000–2100) — set type or numericDates to change it`,
        );
      }
      if (nonFitting > 0) warnings.push(nonFittingWarning(type, choice.count, data.values.length));
      if (choice.zeroPadded !== undefined) {
        warnings.push(
          `kept as text: values such as ${quoteValue(choice.zeroPadded)} have leading zeros, which a number column would drop — declare a type to load them as numbers`,
        );
      }
      const miss = choice.nearMiss;
      if (miss) {
        warnings.push(
          `kept as text: ${miss.count.rejects} of ${data.values.length} sampled values are not ${TYPE_NOUNS[miss.type]}; for example ${miss.count.exampleMessage ?? quoteValue(miss.count.example ?? '')}`,
        );
      }
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
      skip: column?.skip ?? false,
      format,
      sampleSize: data.values.length,
      nullCount: data.nullCount,
      nonFitting,
      warnings,
    };
  });
}

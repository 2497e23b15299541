import type { ColumnSpec } from '../spec/job-spec.ts';
import { type ColumnType, JsonNumber, type RawValue } from '../types.ts';
import { isBooleanWord } from './booleans.ts';
import type { ResolvedFormat } from './column-plan.ts';
import { makeCellFunction } from './column-rule.ts';
import { MAX_NON_FITTING_RATIO, MIN_SAMPLE_FOR_ONE_STRAY } from './defaults.ts';
import { countFits, detectEpoch, type FitCount } from './infer-evidence.ts';
import { findIdentifierEvidence, type IdentifierEvidence, numberLike } from './infer-identifier.ts';
import { looksLikeJsonContainer } from './json-text.ts';
import { hasTimeOfDay } from './timestamps.ts';

/** One column's sampled values, split once. */
export interface ColumnSample {
  /** Non-null values; strings trimmed. */
  values: RawValue[];
  /** The non-null string values (trimmed). */
  strings: string[];
  nullCount: number;
}

/** The type inference picked for a column, with how its sampled values fared. */
export interface Choice {
  type: ColumnType;
  count: FitCount;
  numericDates?: 'epoch_s' | 'epoch_ms';
  /** Text only: the type that read most values but rejected too many (fully counted). */
  nearMiss?: Choice;
  /** Text only: number-like values that a number column would change (leading zeros, a `+`). */
  identifier?: IdentifierEvidence;
}

/**
 * Picks the most specific type whose rule rejects at most 1% of the values (or a single value, among
 * ten or more) and reads at least one: epoch timestamps (see detectEpoch), boolean (only with a word among the values: a pure
 * 0/1 column is integer), integer/bigint, numeric, date, timestamptz (date-like with times),
 * uuid, jsonb (with an object or array among the values), else text. When integer passes with
 * rejects that numeric would read, numeric wins: it loses nothing. Numbers whose text a number
 * column would change (leading zeros, an explicit `+`: see findIdentifierEvidence) stay text.
 * The returned count is complete (every value looked at).
 */
export function chooseType(
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
  // Codes such as ZIP codes ('0101') or calling codes ('+44') would lose text as numbers: keep them text.
  const identifier = findIdentifierEvidence(strings, format.decimalSeparator);
  if (identifier === undefined) {
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
  // An object or array (a JSON number is a JsonNumber object, but no container).
  const container = (v: RawValue): boolean =>
    typeof v === 'object'
      ? v !== null && !(v instanceof JsonNumber)
      : typeof v === 'string' && looksLikeJsonContainer(v);
  if (values.some(container)) {
    const json = attempt('jsonb');
    if (json) return json;
  }
  // Text reads everything but a NUL character: counted, so the preview's counts match the load's.
  const text: Choice = { type: 'text', count: countFits(makeCellFunction('text', format), values, Infinity) };
  if (identifier !== undefined && numberLike(values, format)) {
    text.identifier = identifier;
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

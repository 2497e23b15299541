import type { RawValue } from '../types.ts';
import { Rejection } from './cell.ts';
import type { ResolvedFormat } from './column-plan.ts';
import { makeCellFunction } from './column-rule.ts';
import { MAX_NON_FITTING_RATIO, quoteValue } from './defaults.ts';
import { type DecimalMark, scanNumber } from './number-scan.ts';

/** Digits with a leading zero (`0101`, `-007`, `00.5`): an identifier more often than a number. */
const ZERO_PADDED = /^[+-]?0\d/;

/** An explicit `+` before the digits (`+44`, `+49 30 1234`, `+2.5%`). */
const PLUS_SIGNED = /^\+\s?\d/;

/** What makes number-looking values an identifier: the text a number column would not keep. */
export interface IdentifierEvidence {
  /** `zeros`: leading zeros (`0101`); `plus`: an explicit `+` sign (`+44`). */
  kind: 'zeros' | 'plus';
  /** The first value showing it. */
  example: string;
}

/** Whether some value reads as a negative number (`-3`, `−3`, `(3)`, `3-`). */
function hasNegative(strings: readonly string[], mark: DecimalMark): boolean {
  for (const text of strings) {
    if (text.indexOf('-') < 0 && text.indexOf('\u2212') < 0 && text.charCodeAt(0) !== 0x28) continue;
    const scan = scanNumber(text, mark, 'invalid_number');
    if (!(scan instanceof Rejection) && scan.negative) return true;
  }
  return false;
}

/**
 * Finds number-looking values whose text a number column would change, so that the column is kept
 * as text unless a number type is declared:
 * - leading zeros (ZIP codes, GEOIDs: `0101` would load as 101);
 * - an explicit `+` (calling codes `+44`, phone numbers `+49 301 234 567`: the `+` would be dropped),
 *   unless some value of the column is negative: then the signs are the point of the column (signed
 *   deltas `+5`, `-3`, `0`) and it reads as numbers.
 */
export function findIdentifierEvidence(
  strings: readonly string[],
  mark: DecimalMark,
): IdentifierEvidence | undefined {
  const zeros = strings.find((s) => ZERO_PADDED.test(s));
  if (zeros !== undefined) return { kind: 'zeros', example: zeros };
  const plus = strings.find((s) => PLUS_SIGNED.test(s));
  if (plus !== undefined && !hasNegative(strings, mark)) return { kind: 'plus', example: plus };
  return undefined;
}

/** Whether the values would mostly read as numbers (so the identifier evidence is what kept them text). */
export function numberLike(values: readonly RawValue[], format: ResolvedFormat): boolean {
  const rule = makeCellFunction('numeric', format);
  let fits = 0;
  for (const value of values) if (!(rule(value) instanceof Rejection)) fits++;
  return fits > values.length * (1 - MAX_NON_FITTING_RATIO);
}

/** The sentence that says why a number-like column stays text. */
export function identifierWarning(evidence: IdentifierEvidence): string {
  const example = quoteValue(evidence.example);
  return evidence.kind === 'zeros'
    ? `kept as text: values such as ${example} have leading zeros, which a number column would drop — declare a type to load them as numbers`
    : `kept as text: values such as ${example} start with an explicit '+' (as phone numbers and calling codes do), which a number column would drop — declare a number type to load them as numbers`;
}

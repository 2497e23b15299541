import { describe, expect, it } from 'vitest';
import type { ColumnType, RawValue } from '../types.ts';
import { inferColumns } from './infer.ts';
import { createRowNormalizer } from './normalizer.ts';

/** Plans for columns a database source declared (`sourceTypes`), with optional spec column types. */
function plan(
  sourceTypes: (ColumnType | null)[],
  sample: RawValue[][],
  columns?: { source: string; type: ColumnType }[],
) {
  return inferColumns({
    columns: sourceTypes.map((_, i) => `c${i}`),
    sample,
    spec: { format: {}, ...(columns ? { columns } : {}) },
    sourceTypes,
  });
}

describe('declared source types', () => {
  it('become the inferred types; a spec type still wins; null columns are inferred from their values', () => {
    const plans = plan(
      ['bigint', 'numeric', 'text', null, 'integer'],
      [[1, '1.000', '2024-01-02', '2024-01-02', 5]],
      [{ source: 'c4', type: 'text' }],
    );
    expect(plans.map((p) => [p.type, p.declared, p.sourceType])).toEqual([
      ['bigint', false, 'bigint'],
      ['numeric', false, 'numeric'],
      ['text', false, 'text'],
      ['date', false, undefined],
      ['text', true, 'integer'],
    ]);
  });

  it('read database numbers with a point, whatever the values would suggest in a file', () => {
    // '1.234' would be ambiguous in a file (a thousands point?); a database numeric has no grouping.
    const [p] = plan(['numeric'], [['1.234'], ['2.500']]);
    expect(p!.format.decimalSeparator).toBe('.');
    const n = createRowNormalizer(plan(['numeric'], [['1.234']]));
    expect(n.normalize(['1.234']).values).toEqual(['1.234']);
  });

  it('pass typed values through and still read (and reject) values of another kind', () => {
    const n = createRowNormalizer(plan(['integer', 'bigint', 'boolean'], [[1, 2, true]]));
    expect(n.normalize([2147483647, 9007199254740991, false])).toEqual({
      values: [2147483647, 9007199254740991, false],
      errors: null,
    });
    // Out of range for integer: read by the rule, which rejects it with its reason.
    expect(n.normalize([2147483648, '9223372036854775807', null]).errors).toMatchObject([
      { column: 'c0', reason: 'out_of_range' },
    ]);
    // SQLite's dynamic typing: a text in an INTEGER column is read as text, and rejected.
    const bad = n.normalize(['eleven', ' 12 ', 'yes']);
    expect(bad.errors).toMatchObject([{ column: 'c0', reason: 'invalid_integer' }]);
    expect(bad.values).toEqual([null, 12, true]);
  });
});

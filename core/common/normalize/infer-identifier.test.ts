import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../spec/job-spec.ts';
import { type ColumnPlan, inferColumns } from './infer.ts';
import { createRowNormalizer } from './normalizer.ts';

function inferOne(values: readonly string[], column?: Omit<ColumnSpec, 'source'>): ColumnPlan {
  const [plan] = inferColumns({
    columns: ['value'],
    sample: values.map((v) => [v]),
    spec: { format: {}, columns: column ? [{ source: 'value', ...column }] : undefined },
  });
  return plan!;
}

const PLUS_WARNING =
  "start with an explicit '+' (as phone numbers and calling codes do), which a number column would drop — declare a number type to load them as numbers";

describe("an explicit '+' keeps a column as text, like leading zeros", () => {
  it('keeps calling codes as text, saying why, and loads them as written', () => {
    const values = ['+1', '+44', '+49', '+33', '+352'];
    const plan = inferOne(values);
    expect(plan.type).toBe('text');
    expect(plan.warnings).toEqual([`kept as text: values such as '+1' ${PLUS_WARNING}`]);
    const normalizer = createRowNormalizer([plan]);
    expect(normalizer.normalize(['+44']).values).toEqual(['+44']);
  });

  it("keeps a column as text when only some values carry the '+' (one is enough, as with zeros)", () => {
    const values = [...Array.from({ length: 50 }, (_, i) => String(i + 1)), '+2'];
    const plan = inferOne(values);
    expect(plan.type).toBe('text');
    expect(plan.warnings[0]).toContain("values such as '+2' start with an explicit '+'");
  });

  it('keeps phone numbers as text, also those whose digit groups would read as one number', () => {
    // '+49 301 234 567' is a valid space-grouped number (49301234567): it must not load as one.
    const grouped = inferOne(['+49 301 234 567', '+33 123 456 789', '+44 207 946 000']);
    expect(grouped.type).toBe('text');
    expect(grouped.warnings[0]).toContain("values such as '+49 301 234 567' start with an explicit '+'");
    // Groups of other lengths never read as numbers: plain text, nothing to explain.
    const plain = inferOne(['+49 30 1234567', '+1 555 0100', '+44 20 7946 0000']);
    expect(plain.type).toBe('text');
    expect(plain.warnings).toEqual([]);
  });

  it('reads signed deltas as numbers: with negative values the + is a sign', () => {
    expect(inferOne(['+5', '-3', '0', '+12']).type).toBe('integer');
    expect(inferOne(['+2.5%', '-1.25%', '0%']).type).toBe('numeric');
    expect(inferOne(['+5', '(3)', '7']).type).toBe('integer');
    expect(inferOne(['+5', '3-', '7']).type).toBe('integer');
    const plan = inferOne(['+5', '-3', '0']);
    expect(plan.warnings).toEqual([]);
    expect(createRowNormalizer([plan]).normalize(['+5']).values).toEqual([5]);
  });

  it("loads '+2' as the number 2 when the operator declares a number type", () => {
    const integer = inferOne(['+2', '+44'], { type: 'integer' });
    expect(integer.type).toBe('integer');
    expect(integer.nonFitting).toBe(0);
    expect(integer.warnings).toEqual([]);
    expect(createRowNormalizer([integer]).normalize(['+2']).values).toEqual([2]);
    const numeric = inferOne(['+2.50'], { type: 'numeric' });
    expect(createRowNormalizer([numeric]).normalize(['+2.50']).values).toEqual(['2.50']);
  });

  it("leaves other uses of '+' alone: exponents, offsets, words", () => {
    expect(inferOne(['1e+5', '2.5E+3', '7']).type).toBe('integer');
    expect(inferOne(['1.25e+1', '7']).type).toBe('numeric');
    expect(inferOne(['2024-03-05T10:00:00+01:00', '2024-03-06T10:00:00+0200']).type).toBe('timestamptz');
    const words = inferOne(['+1 more', 'see notes', 'n/a yet']);
    expect(words.type).toBe('text');
    expect(words.warnings).toEqual([]);
  });
});

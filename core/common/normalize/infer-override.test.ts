import { describe, expect, it } from 'vitest';
import type { ColumnSpec, FormatOptions } from '../spec/job-spec.ts';
import { type ColumnPlan, inferColumns } from './infer.ts';
import { createRowNormalizer } from './normalizer.ts';

function inferOne(
  values: readonly string[],
  options: { format?: FormatOptions; column?: Omit<ColumnSpec, 'source'> } = {},
): ColumnPlan {
  const [plan] = inferColumns({
    columns: ['value'],
    sample: values.map((v) => [v]),
    spec: {
      format: options.format ?? {},
      columns: options.column ? [{ source: 'value', ...options.column }] : undefined,
    },
  });
  return plan!;
}

/** Day-first dates: 6 of 10 have a day above 12 (unreadable month-first), 4 read either way. */
const DAY_FIRST = [
  '25/03/2024',
  '01/02/2024',
  '13/01/2024',
  '14/02/2024',
  '05/06/2024',
  '30/04/2024',
  '15/05/2024',
  '28/02/2024',
  '03/04/2024',
  '11/12/2024',
];

describe('a date order that contradicts the values keeps the column a date column', () => {
  it('without the override the column is day-first dates', () => {
    const plan = inferOne(DAY_FIRST);
    expect(plan).toMatchObject({ type: 'date', declared: false, nonFitting: 0 });
    expect(plan.format.dateOrder).toBe('DMY');
  });

  it('MDY on day-first dates: still a date, MDY applied, the unreadable values counted and named', () => {
    const plan = inferOne(DAY_FIRST, { column: { dateOrder: 'MDY' } });
    expect(plan).toMatchObject({ type: 'date', declared: false, nonFitting: 6 });
    expect(plan.format.dateOrder).toBe('MDY');
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(
      /^these values cannot be read as MDY dates \(the date order set for this column\): 6 of 10 sampled values would be rejected; for example '25\/03\/2024' /,
    );
    expect(plan.warnings[0]).toMatch(/Without that setting they read as DMY dates$/);
    // What the operator asked for is what loads: ambiguous values month-first, the rest rejected.
    const normalizer = createRowNormalizer([plan]);
    expect(normalizer.normalize(['03/04/2024']).values).toEqual(['2024-03-04']);
    expect(normalizer.normalize(['25/03/2024']).errors?.[0]).toMatchObject({
      column: 'value',
      value: '25/03/2024',
      reason: 'impossible_date',
    });
  });

  it('also for timestamps', () => {
    const values = DAY_FIRST.map((d) => `${d} 10:30`);
    const plan = inferOne(values, { column: { dateOrder: 'MDY' } });
    expect(plan).toMatchObject({ type: 'timestamptz', nonFitting: 6 });
    expect(plan.warnings[0]).toContain('cannot be read as MDY dates');
  });

  it('an override the values agree with changes nothing but the order of ambiguous values', () => {
    const plan = inferOne(['05/03/2024', '04/01/2024'], { column: { dateOrder: 'DMY' } });
    expect(plan).toMatchObject({ type: 'date', nonFitting: 0, warnings: [] });
    expect(createRowNormalizer([plan]).normalize(['05/03/2024']).values).toEqual(['2024-03-05']);
  });

  it('a declared type with a contradicting order counts its rejects too', () => {
    const plan = inferOne(DAY_FIRST, { column: { type: 'date', dateOrder: 'MDY' } });
    expect(plan).toMatchObject({ type: 'date', declared: true, nonFitting: 6 });
  });
});

describe('a decimal separator that contradicts the values keeps the column a number column', () => {
  const COMMA_DECIMALS = ['1,5', '2,25', '1.234,50', '7', '0,99'];

  it("'.' on decimal commas, set on the column: numeric kept, the values it cannot read counted", () => {
    const plan = inferOne(COMMA_DECIMALS, { column: { decimalSeparator: '.' } });
    expect(plan).toMatchObject({ type: 'numeric', declared: false });
    expect(plan.format.decimalSeparator).toBe('.');
    // '7' reads either way; '1.234,50' and the three decimal commas do not.
    expect(plan.nonFitting).toBe(4);
    const warning = plan.warnings.find((w) => w.startsWith('these values'));
    expect(warning).toMatch(
      /^these values cannot be read as numbers with '\.' as decimal separator \(set for this column\): 4 of 5 sampled values would be rejected; for example '1,5' /,
    );
    expect(warning).toMatch(/Without that setting they read with ','$/);
  });

  it("',' for the whole file on a column written with '.': the same, naming the file setting", () => {
    const plan = inferOne(['1.5', '2.25', '3.75'], { format: { decimalSeparator: ',' } });
    expect(plan).toMatchObject({ type: 'numeric', nonFitting: 3 });
    expect(plan.format.decimalSeparator).toBe(',');
    expect(plan.warnings[0]).toContain("with ',' as decimal separator (set for the file): 3 of 3");
  });

  it('a whole-number column stays integer', () => {
    const plan = inferOne(['1.234.567', '2.000.000', '15'], { column: { decimalSeparator: '.' } });
    expect(plan).toMatchObject({ type: 'integer', nonFitting: 2 });
  });

  it("an override the values agree with may still widen integers to numeric (',' makes '1,234' 1.234)", () => {
    const plan = inferOne(['1,234', '12,500', '3,000'], { column: { decimalSeparator: ',' } });
    expect(plan).toMatchObject({ type: 'numeric', nonFitting: 0 });
  });

  it('does not touch columns the setting is not about', () => {
    expect(inferOne(['alpha', 'beta'], { format: { decimalSeparator: ',' } }).type).toBe('text');
    expect(inferOne(['05.03.2024', '25.12.2024'], { format: { decimalSeparator: ',' } }).type).toBe('date');
    expect(inferOne(['10.0.0.1', '192.168.1.1'], { format: { decimalSeparator: ',' } }).type).toBe('text');
  });
});

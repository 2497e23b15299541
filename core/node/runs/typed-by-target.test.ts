import { describe, expect, it } from 'vitest';
import { inferColumns } from '../../common/normalize/infer.ts';
import { COLUMN_WARNINGS_KEPT, columnWarnings, typedByTargetMessage } from './run-record.ts';

// The run's `typed_by_target` event (and the CLI summary line) says why a column loads as the table's
// type: what the sample read.

describe('typedByTargetMessage', () => {
  const plans = (sourceTypes?: ('text' | null)[]) =>
    inferColumns({
      columns: ['status', 'day'],
      sample: [
        ['1', '2024-03-05'],
        ['0', 'soon'],
      ],
      spec: { format: {} },
      ...(sourceTypes ? { sourceTypes } : {}),
      targetTypes: new Map([
        ['status', { type: 'boolean', display: 'boolean' }],
        ['day', { type: 'date', display: 'date' }],
      ]),
    });

  it('names what the sample read', () => {
    expect(typedByTargetMessage(plans(), 'orders')?.message).toBe(
      'typed by the existing table orders: status as boolean (its column is boolean; the sample alone read integer), ' +
        'day as date (its column is date; the sample alone read text); values that are not booleans or dates are rejected cell by cell',
    );
  });

  it('leaves out a database column the source types text (an enum, a bytea as hex): it declares its own type', () => {
    expect(typedByTargetMessage(plans(['text', null]), 'orders')?.message).toBe(
      'typed by the existing table orders: day as date (its column is date; the sample alone read text); ' +
        'values that are not dates are rejected cell by cell',
    );
  });
});

describe('columnWarnings', () => {
  it('keeps each column warning as an event, at most COLUMN_WARNINGS_KEPT, then how many more', () => {
    const names = Array.from({ length: 60 }, (_, i) => `d${i}`);
    // Every column's values leave the day/month order open: one warning each.
    const plans = inferColumns({
      columns: names,
      sample: [names.map(() => '03/04/2024')],
      spec: { format: {} },
    });
    const events = columnWarnings(plans);
    expect(events).toHaveLength(COLUMN_WARNINGS_KEPT + 1);
    expect(events[0]).toEqual({
      kind: 'column_warning',
      message: expect.stringMatching(/^column d0: no value settles the day\/month order/),
      data: { column: 'd0' },
    });
    expect(events.at(-1)!.message).toBe('… and 10 more column warnings (see the preview)');
    expect(columnWarnings(plans.map((p) => ({ ...p, skip: true })))).toEqual([]);
  });
});

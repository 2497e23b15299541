import { describe, expect, it } from 'vitest';
import { inferColumns } from '../../common/normalize/infer.ts';
import { typedByTargetMessage } from './run-record.ts';

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

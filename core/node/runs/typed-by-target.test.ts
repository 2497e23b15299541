import { describe, expect, it } from 'vitest';
import { inferColumns } from '../../common/normalize/infer.ts';
import { typedByTargetMessage } from './run-record.ts';

// The run's `typed_by_target` event (and the CLI summary line) says why a column loads as the table's
// type: what the sample read, or that the source gives the column as text.

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

  it('says a database column of text (an enum, a domain over varchar) was the source’s text, not the sample’s reading', () => {
    expect(typedByTargetMessage(plans(['text', null]), 'orders')?.message).toBe(
      'typed by the existing table orders: status as boolean (its column is boolean; the source gives text), ' +
        'day as date (its column is date; the sample alone read text); values that are not booleans or dates are rejected cell by cell',
    );
  });
});

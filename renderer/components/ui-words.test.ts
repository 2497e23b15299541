import { describe, expect, it } from 'vitest';
import { uiPath, uiWording } from './ui-words.ts';

describe('UI messages name controls, not spec fields', () => {
  it('maps the engine’s words to the labels of the controls', () => {
    expect(
      uiWording(
        "day/month order is ambiguous (e.g. '05/03/2024'); using MDY (the built-in default date order) — set dateOrder to change it",
      ),
    ).toBe(
      "day/month order is ambiguous (e.g. '05/03/2024'); using MDY (the built-in default date order) — set Date order to change it",
    );
    expect(uiWording('missing column: fresh (text) (set addMissingColumns to add them)')).toBe(
      'missing column: fresh (text) (set “Add columns missing from an existing table” to add them)',
    );
    expect(uiWording("the values read as DMY, not as the job's dateOrder MDY")).toContain(
      "the job's Date order MDY",
    );
    expect(
      uiWording('a load needs a target table: give --table (or target.table in the job spec)'),
    ).toContain('(or Table in the job spec)');
    expect(uiWording('set decimalSeparator or numericDates')).toBe('set Decimal separator or Numeric dates');
  });

  it('leaves values and other words alone', () => {
    expect(uiWording("'dateOrder' is a value here")).toBe("'dateOrder' is a value here");
    expect(uiWording('the orders table')).toBe('the orders table');
  });

  it('maps issue paths', () => {
    expect(uiPath('target.table')).toBe('Table');
    expect(uiPath('columns.2.type')).toBe('Column 3 › Type');
    expect(uiPath('columns.0.dateOrder')).toBe('Column 1 › Date order');
    expect(uiPath('format.timeZone')).toBe('Source defaults › Time zone');
    expect(uiPath('timeZone')).toBe('Time zone');
    expect(uiPath('something.else')).toBe('something.else');
  });
});

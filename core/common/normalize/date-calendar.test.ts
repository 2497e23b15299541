import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civil,
  civilFromDays,
  daysFromCivil,
  END_DAY,
  formatFraction,
  formatInstant,
  MIN_DAY,
  weekdayOfDays,
} from './date-calendar.ts';

describe('calendar arithmetic', () => {
  it('matches Date for every day number of years 1–9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_DAY, max: END_DAY - 1 }), (days) => {
        const reference = new Date(days * 86_400_000);
        civilFromDays(days);
        expect([civil.year, civil.month, civil.day]).toEqual([
          reference.getUTCFullYear(),
          reference.getUTCMonth() + 1,
          reference.getUTCDate(),
        ]);
        expect(daysFromCivil(civil.year, civil.month, civil.day)).toBe(days);
        expect(weekdayOfDays(days) % 7).toBe(reference.getUTCDay());
      }),
    );
  });

  it('knows the ends of the supported range', () => {
    expect(daysFromCivil(1, 1, 1)).toBe(MIN_DAY);
    expect(daysFromCivil(10_000, 1, 1)).toBe(END_DAY);
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
  });
});

describe('formatting', () => {
  it('writes fractions with trailing zeros trimmed', () => {
    expect([0, 1, 10, 120_000, 500_000, 999_999].map(formatFraction)).toEqual([
      '',
      '.000001',
      '.00001',
      '.12',
      '.5',
      '.999999',
    ]);
  });

  it('writes instants as ISO 8601 UTC with four-digit years', () => {
    expect(formatInstant(0, 0)).toBe('1970-01-01T00:00:00Z');
    expect(formatInstant(-1, 500_000)).toBe('1969-12-31T23:59:59.5Z');
    expect(formatInstant(MIN_DAY * 86_400, 0)).toBe('0001-01-01T00:00:00Z');
    expect(formatInstant(END_DAY * 86_400 - 1, 999_999)).toBe('9999-12-31T23:59:59.999999Z');
  });
});

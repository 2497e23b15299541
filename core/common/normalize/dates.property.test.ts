import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DateOrder } from '../spec/job-spec.ts';
import { Rejection } from './cell.ts';
import { makeDateRule } from './dates.ts';

/*
 * Property tests against a reference built on the JavaScript `Date` (setUTCFullYear takes years 1–99
 * literally, unlike Date.UTC), which the rules themselves never use.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function referenceDate(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d;
}

function daysInMonth(year: number, month: number): number {
  return referenceDate(year, month + 1, 0).getUTCDate();
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A real calendar date, years 1–9999. */
const realDate = fc
  .record({ year: fc.integer({ min: 1, max: 9999 }), month: fc.integer({ min: 1, max: 12 }), day: fc.nat() })
  .map(({ year, month, day }) => ({ year, month, day: 1 + (day % daysInMonth(year, month)) }));

type Ymd = { year: number; month: number; day: number };

/** Each supported pattern, with the order it needs. */
const PATTERNS: Array<[string, DateOrder, (d: Ymd) => string]> = [
  ['ISO', 'MDY', (d) => `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`],
  ['YYYY/M/D', 'DMY', (d) => `${pad(d.year, 4)}/${d.month}/${d.day}`],
  ['YYYY.MM.DD', 'DMY', (d) => `${pad(d.year, 4)}.${pad(d.month)}.${pad(d.day)}`],
  ['YYYYMMDD', 'MDY', (d) => `${pad(d.year, 4)}${pad(d.month)}${pad(d.day)}`],
  ['DD/MM/YYYY', 'DMY', (d) => `${pad(d.day)}/${pad(d.month)}/${pad(d.year, 4)}`],
  ['D.M.YYYY', 'DMY', (d) => `${d.day}.${d.month}.${pad(d.year, 4)}`],
  ['DD-MM-YYYY', 'DMY', (d) => `${pad(d.day)}-${pad(d.month)}-${pad(d.year, 4)}`],
  ['MM/DD/YYYY', 'MDY', (d) => `${pad(d.month)}/${pad(d.day)}/${pad(d.year, 4)}`],
  ['M-D-YYYY', 'MDY', (d) => `${d.month}-${d.day}-${pad(d.year, 4)}`],
  ['Mon D, YYYY', 'MDY', (d) => `${MONTHS[d.month - 1]!.slice(0, 3)} ${d.day}, ${pad(d.year, 4)}`],
  ['Month D YYYY', 'DMY', (d) => `${MONTHS[d.month - 1]} ${d.day} ${pad(d.year, 4)}`],
  ['D Month YYYY', 'MDY', (d) => `${d.day} ${MONTHS[d.month - 1]} ${pad(d.year, 4)}`],
  [
    'DD-MON-YYYY',
    'MDY',
    (d) => `${pad(d.day)}-${MONTHS[d.month - 1]!.slice(0, 3).toUpperCase()}-${pad(d.year, 4)}`,
  ],
  ['YYYY-Mon-DD', 'MDY', (d) => `${pad(d.year, 4)}-${MONTHS[d.month - 1]!.slice(0, 3)}-${pad(d.day)}`],
  [
    'Wkd, D Mon YYYY',
    'MDY',
    (d) =>
      `${WEEKDAYS[referenceDate(d.year, d.month, d.day).getUTCDay()]}, ${d.day} ${MONTHS[d.month - 1]!.slice(0, 3)} ${pad(d.year, 4)}`,
  ],
  ['ISO midnight', 'MDY', (d) => `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}T00:00:00`],
];

describe('makeDateRule properties', () => {
  for (const [name, order, format] of PATTERNS) {
    it(`reads any real date written as ${name} back to the same date`, () => {
      const rule = makeDateRule({ order, twoDigitYearPivot: 70 });
      fc.assert(
        fc.property(realDate, (d) => {
          expect(rule(format(d))).toBe(`${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`);
        }),
      );
    });
  }

  it('reads two-digit years into the pivot window', () => {
    fc.assert(
      fc.property(realDate, fc.integer({ min: 0, max: 100 }), (d, pivot) => {
        const yy = d.year % 100;
        const year = yy < pivot ? 2000 + yy : 1900 + yy;
        const day = Math.min(d.day, daysInMonth(year, d.month));
        const rule = makeDateRule({ order: 'DMY', twoDigitYearPivot: pivot });
        expect(rule(`${pad(day)}/${pad(d.month)}/${pad(yy)}`)).toBe(`${year}-${pad(d.month)}-${pad(day)}`);
      }),
    );
  });

  it('rejects every day past the end of its month as impossible, in every shape', () => {
    const rule = makeDateRule({ order: 'DMY', twoDigitYearPivot: 70 });
    const overflow = fc
      .record({
        year: fc.integer({ min: 1, max: 9999 }),
        month: fc.integer({ min: 1, max: 12 }),
        extra: fc.nat(3),
      })
      .map(({ year, month, extra }) => ({
        year,
        month,
        day: Math.min(daysInMonth(year, month) + 1 + extra, 99),
      }));
    fc.assert(
      fc.property(overflow, (d) => {
        for (const text of [
          `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`,
          `${pad(d.day)}/${pad(d.month)}/${pad(d.year, 4)}`,
          `${MONTHS[d.month - 1]} ${d.day}, ${pad(d.year, 4)}`,
        ]) {
          const out = rule(text);
          expect(out).toBeInstanceOf(Rejection);
          expect((out as Rejection).reason).toBe('impossible_date');
        }
      }),
    );
  });

  it('reads Excel serials like Excel (1900 system, serials after 60 shifted by its fictitious leap day)', () => {
    const rule = makeDateRule({ order: 'MDY', twoDigitYearPivot: 70, numericDates: 'excel' });
    fc.assert(
      fc.property(fc.integer({ min: 61, max: 2_958_465 }), (serial) => {
        const expected = new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000).toISOString().slice(0, 10);
        expect(rule(String(serial))).toBe(expected);
      }),
    );
  });

  it('never throws, whatever the text', () => {
    const rules = (['DMY', 'MDY', 'YMD'] as const).map((order) =>
      makeDateRule({ order, twoDigitYearPivot: 70 }),
    );
    const pieces = fc.constantFrom(
      '2024',
      '03',
      '5',
      '-',
      '/',
      '.',
      ' ',
      ':',
      'T',
      'Mar',
      'pm',
      'Z',
      '+01',
      ',',
      'th',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 12 }).map((a) => a.join('')),
        ),
        (text) => {
          for (const rule of rules) {
            const out = rule(text);
            if (typeof out === 'string') expect(out).toMatch(/^\d{4}-\d\d-\d\d$/);
            else expect(out.message.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});

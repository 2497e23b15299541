import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../errors.ts';
import type { DateOrder } from '../spec/job-spec.ts';
import { isRejection, Rejection } from './cell.ts';
import { type DateRuleOptions, detectDateOrder, makeDateRule } from './dates.ts';
import { makeTimestampRule } from './timestamps.ts';

const rule = (order: DateOrder = 'MDY', extra: Partial<DateRuleOptions> = {}) =>
  makeDateRule({ order, twoDigitYearPivot: 70, ...extra });

/** The rule's output for each input, rejections as `reason: message`. */
function read(r: ReturnType<typeof rule>, ...inputs: string[]): string[] {
  return inputs.map((input) => {
    const out = r(input);
    return out instanceof Rejection ? `${out.reason}: ${out.message}` : out;
  });
}

describe('makeDateRule: shapes', () => {
  const dmy = rule('DMY');
  const mdy = rule('MDY');

  it('reads ISO and year-first forms', () => {
    expect(read(mdy, '2024-03-05', '2024/03/05', '2024.03.05', '2024 03 05', '20240305', '2024-3-5')).toEqual(
      Array(6).fill('2024-03-05'),
    );
  });

  it('returns canonical ISO input unchanged', () => {
    const text = '2024-03-05';
    expect(mdy(text)).toBe(text);
  });

  it('reads numeric day/month dates in the order it is given', () => {
    expect(read(dmy, '05/03/2024', '5/3/2024', '05-03-2024', '05.03.2024', '05 03 2024')).toEqual(
      Array(5).fill('2024-03-05'),
    );
    expect(read(mdy, '03/05/2024', '3/5/2024', '03-05-2024', '03.05.2024', '03 05 2024')).toEqual(
      Array(5).fill('2024-03-05'),
    );
    expect(read(rule('YMD'), '24/03/05', '24-3-5')).toEqual(['2024-03-05', '2024-03-05']);
  });

  it('reads English month names, full and abbreviated, in any case', () => {
    const inputs = [
      'Mar 5, 2024',
      'March 5, 2024',
      'march 5 2024',
      'MAR 5 2024',
      '5 March 2024',
      '5 Mar 2024',
      '05-Mar-2024',
      '05-MAR-24',
      '5/Mar/2024',
      '5.Mar.2024',
      'Mar-05-2024',
      'Mar.5.2024',
      'Mar. 5, 2024',
      '2024-Mar-05',
      '2024 Mar 5',
      '05MAR2024',
      '5th March 2024',
      'March 5th, 2024',
      '5th of March 2024',
      'Tue, 5 Mar 2024',
      'Tuesday, March 5, 2024',
      'Tue Mar 5 2024',
      "Mar 5, '24",
    ];
    expect(read(mdy, ...inputs)).toEqual(Array(inputs.length).fill('2024-03-05'));
    expect(read(mdy, 'Sept 5 2024', 'Sep 5 2024', 'September 5 2024', 'Sept. 5, 2024')).toEqual(
      Array(4).fill('2024-09-05'),
    );
    expect(
      read(dmy, '1st May 2003', '2nd May 2003', '3rd May 2003', '11th May 2003', '22nd May 2003'),
    ).toEqual(['2003-05-01', '2003-05-02', '2003-05-03', '2003-05-11', '2003-05-22']);
  });

  it('reads several unambiguous shapes mixed in one column', () => {
    expect(read(dmy, '2024-03-05', '25/12/2023', 'Jan 2, 2022', '7 July 1999', '20010911')).toEqual([
      '2024-03-05',
      '2023-12-25',
      '2022-01-02',
      '1999-07-07',
      '2001-09-11',
    ]);
  });

  it('reads two-digit years with the pivot', () => {
    expect(read(dmy, '05/03/24', '05/03/00', '05/03/69', '05/03/70', '05/03/99')).toEqual([
      '2024-03-05',
      '2000-03-05',
      '2069-03-05',
      '1970-03-05',
      '1999-03-05',
    ]);
    expect(read(rule('DMY', { twoDigitYearPivot: 30 }), '01/01/29', '01/01/30')).toEqual([
      '2029-01-01',
      '1930-01-01',
    ]);
    expect(read(rule('DMY', { twoDigitYearPivot: 0 }), '01/01/00')).toEqual(['1900-01-01']);
    expect(read(rule('DMY', { twoDigitYearPivot: 100 }), '01/01/99')).toEqual(['2099-01-01']);
  });

  it('accepts a time of exactly midnight (any offset: the written date is kept), nothing else', () => {
    expect(
      read(
        mdy,
        '2024-03-05T00:00:00',
        '2024-03-05 00:00',
        '2024-03-05T00:00:00.000Z',
        '2024-03-05T00:00:00+05:30',
      ),
    ).toEqual(Array(4).fill('2024-03-05'));
    expect(read(mdy, '03/05/2024 12:00 AM')).toEqual(['2024-03-05']);
    expect(read(mdy, '2024-03-05T14:30:00')).toEqual([
      "invalid_date: '2024-03-05T14:30:00' has a time of day (14:30:00), but the column holds dates only; load it as timestamptz to keep the time",
    ]);
    expect(read(mdy, '2024-03-05T00:00:00.5', '2024-03-04T24:00:00').map((s) => s.split(':')[0])).toEqual([
      'invalid_date',
      'invalid_date',
    ]);
  });

  it('keeps years 1 to 9999', () => {
    expect(read(mdy, '0001-01-01', '9999-12-31', '0031-01-01')).toEqual([
      '0001-01-01',
      '9999-12-31',
      '0031-01-01',
    ]);
  });
});

describe('makeDateRule: rejections', () => {
  const dmy = rule('DMY');
  const mdy = rule('MDY');

  it('never rolls impossible dates over', () => {
    expect(
      read(mdy, '2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '2024-01-00'),
    ).toEqual([
      "impossible_date: '2024-02-30' is not a real date (February 2024 has 29 days)",
      "impossible_date: '2023-02-29' is not a real date (February 2023 has 28 days: 2023 is not a leap year)",
      "impossible_date: '2024-04-31' is not a real date (April has 30 days)",
      "impossible_date: '2024-13-01' is not a real date (month 13 does not exist)",
      "impossible_date: '2024-00-10' is not a real date (month 0 does not exist)",
      "impossible_date: '2024-01-00' is not a real date (day 0 does not exist)",
    ]);
    expect(read(mdy, 'Feb 29, 1900', 'Feb 29, 2000', '0000-06-20')).toEqual([
      "impossible_date: 'Feb 29, 1900' is not a real date (February 1900 has 28 days: 1900 is not a leap year)",
      '2000-02-29',
      "impossible_date: '0000-06-20' is not a real date (year 0 does not exist; years run from 0001 to 9999)",
    ]);
  });

  it('names the order it used when a numeric date does not fit it', () => {
    expect(read(dmy, '13/13/2024', '03/25/2024')).toEqual([
      "impossible_date: '13/13/2024' is not a date in DD/MM/YYYY order (month 13 does not exist)",
      "impossible_date: '03/25/2024' is not a date in DD/MM/YYYY order (month 25 does not exist)",
    ]);
    expect(read(mdy, '25.03.24')).toEqual([
      "impossible_date: '25.03.24' is not a date in MM.DD.YY order (month 25 does not exist)",
    ]);
    expect(read(rule('YMD'), '05/03/2024')[0]).toMatch(/^invalid_date: '05\/03\/2024' has the year last/);
  });

  it('rejects a weekday that contradicts the date', () => {
    expect(read(mdy, 'Mon, 5 Mar 2024')).toEqual([
      "invalid_date: 'Mon, 5 Mar 2024' says Monday, but 2024-03-05 is a Tuesday",
    ]);
  });

  it('rejects unreadable text with what is wrong', () => {
    expect(read(mdy, 'shouldfail', 'Nan', '2024', '45356', '12/2024', 'March 2024', '05/03-2024')).toEqual([
      "invalid_date: 'shouldfail' is not a date Loadstone can read (unknown word 'shouldfail')",
      "invalid_date: 'Nan' is not a date Loadstone can read (unknown word 'Nan')",
      "invalid_date: '2024' is a number, not a date; to read numbers as dates, set numericDates to 'excel', 'epoch_s' or 'epoch_ms'",
      "invalid_date: '45356' is a number, not a date; to read numbers as dates, set numericDates to 'excel', 'epoch_s' or 'epoch_ms'",
      "invalid_date: '12/2024' is not a date Loadstone can read",
      "invalid_date: 'March 2024' has no day after the month name",
      "invalid_date: '05/03-2024' mixes date separators",
    ]);
    expect(read(mdy, '2013-366', '22th May 2003', '2024-03-05 and more', '5 Mar 2024 ½')).toEqual([
      "invalid_date: '2013-366' is an ordinal date (YYYY-DDD), which Loadstone does not read",
      "invalid_date: '22th May 2003' has '22th', which is not an English ordinal",
      "invalid_date: '2024-03-05 and more' has unexpected 'and more' after the date",
      "invalid_date: '5 Mar 2024 ½' contains '½', which no supported date or time shape has",
    ]);
  });

  it('cuts very long values short in messages', () => {
    const out = mdy(`x${'y'.repeat(500)}`);
    expect(isRejection(out) && out.message.length < 160).toBe(true);
  });
});

describe('makeDateRule: declared numeric dates', () => {
  const excel = rule('MDY', { numericDates: 'excel' });

  it('reads Excel 1900-system serials, with the fictitious 1900-02-29 rejected', () => {
    expect(read(excel, '1', '59', '61', '45356', '45356.0', '2958465')).toEqual([
      '1900-01-01',
      '1900-02-28',
      '1900-03-01',
      '2024-03-05',
      '2024-03-05',
      '9999-12-31',
    ]);
    expect(read(excel, '60', '0', '-1', '2958466', '45356.5')).toEqual([
      "impossible_date: '60' is Excel serial 60, Excel's fictitious 1900-02-29 (1900 was not a leap year)",
      "impossible_date: '0' is Excel serial 0, which Excel shows as 1900-01-00: not a real date",
      "invalid_date: '-1' is a negative Excel serial; the 1900 date system starts at 1 (1900-01-01)",
      "invalid_date: '2958466' is out of range as Excel serial (years 0001–9999 only)",
      "invalid_date: '45356.5' has a time of day (12:00:00), but the column holds dates only; load it as timestamptz to keep the time",
    ]);
  });

  it('takes the UTC date part of epoch seconds and milliseconds', () => {
    expect(read(rule('MDY', { numericDates: 'epoch_s' }), '0', '1709649000', '1709596799.999', '-1')).toEqual(
      ['1970-01-01', '2024-03-05', '2024-03-04', '1969-12-31'],
    );
    expect(read(rule('MDY', { numericDates: 'epoch_ms' }), '1709649000000', '-86400000')).toEqual([
      '2024-03-05',
      '1969-12-31',
    ]);
  });

  it('still reads text dates in a column with numeric dates declared', () => {
    expect(read(excel, '2024-03-05', 'Mar 5, 2024')).toEqual(['2024-03-05', '2024-03-05']);
  });
});

describe('makeDateRule: options', () => {
  it('throws SPEC_INVALID for bad options', () => {
    const bad = [
      { order: 'XYZ' as DateOrder, twoDigitYearPivot: 70 },
      { order: 'DMY' as const, twoDigitYearPivot: 101 },
      { order: 'DMY' as const, twoDigitYearPivot: 70, numericDates: 'julian' as 'excel' },
    ];
    for (const options of bad) {
      expect(() => makeDateRule(options)).toThrow(LoadstoneError);
      try {
        makeDateRule(options);
      } catch (error) {
        expect((error as LoadstoneError).code).toBe('SPEC_INVALID');
      }
    }
  });
});

describe('detectDateOrder', () => {
  it('is settled by a first part above 12 (DMY) or a second part above 12 (MDY)', () => {
    expect(detectDateOrder(['05/03/2024', '25/03/2024', '2024-01-01'])).toEqual({
      order: 'DMY',
      ambiguous: false,
      message: "'25/03/2024' has a day above 12 first (DMY)",
    });
    expect(detectDateOrder(['03/05/2024 10:00', '3-25-24'])).toEqual({
      order: 'MDY',
      ambiguous: false,
      message: "'3-25-24' has a day above 12 second (MDY)",
    });
  });

  it('reports ambiguity and conflicts without an order', () => {
    expect(detectDateOrder(['05/03/2024', '01/02/2024'])).toEqual({
      order: null,
      ambiguous: true,
      message: "no value settles the day/month order: '05/03/2024' reads both ways",
    });
    const conflict = detectDateOrder(['25/03/2024', '03/25/2024']);
    expect(conflict.order).toBeNull();
    expect(conflict.ambiguous).toBe(true);
    expect(conflict.message).toContain('conflicts');
  });

  it('says nothing about values that read the same either way or are not numeric dates', () => {
    expect(detectDateOrder(['05/05/2024', '2024-03-05', 'Mar 5, 2024', 'hello', '45/45/2024', ''])).toEqual({
      order: null,
      ambiguous: false,
    });
  });

  it('settles ambiguous dotted dates as day-first by convention', () => {
    const dotted = detectDateOrder(['05.03.2024', '01.02.2024']);
    expect(dotted.order).toBe('DMY');
    expect(dotted.ambiguous).toBe(false);
    expect(detectDateOrder(['05.03.2024', '01/02/2024']).order).toBeNull();
    expect(detectDateOrder(['05.03.2024', '03.25.2024']).order).toBe('MDY');
  });
});

describe('MySQL zero dates', () => {
  it('are rejected as zero_date, in a date or a timestamp column, never NULL', () => {
    const date = makeDateRule({ order: 'MDY', twoDigitYearPivot: 70 });
    const r0 = date('0000-00-00');
    expect(r0).toBeInstanceOf(Rejection);
    expect((r0 as Rejection).reason).toBe('zero_date');
    // Only the all-zero date: a zero month or day alone is an impossible date, as before.
    expect((date('2024-00-15') as Rejection).reason).toBe('impossible_date');
    const ts = makeTimestampRule({ order: 'MDY', twoDigitYearPivot: 70, timeZone: 'UTC' });
    const r = ts('0000-00-00T00:00:00.000000');
    expect((r as Rejection).reason).toBe('zero_date');
    expect((r as Rejection).message).toMatch(/MySQL zero date/);
    expect((ts('2024-13-01 00:00:00') as Rejection).reason).not.toBe('zero_date');
  });
});

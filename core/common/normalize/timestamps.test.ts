import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../errors.ts';
import { Rejection } from './cell.ts';
import { hasTimeOfDay, isValidTimeZone, makeTimestampRule, type TimestampRuleOptions } from './timestamps.ts';

const rule = (timeZone = 'UTC', extra: Partial<TimestampRuleOptions> = {}) =>
  makeTimestampRule({ order: 'DMY', twoDigitYearPivot: 70, timeZone, ...extra });

/** `Date#toISOString` with the fraction's trailing zeros trimmed: the rule's output format. */
function isoTrimmed(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

function read(r: ReturnType<typeof rule>, ...inputs: string[]): string[] {
  return inputs.map((input) => {
    const out = r(input);
    return out instanceof Rejection ? `${out.reason}: ${out.message}` : out;
  });
}

describe('makeTimestampRule: ISO 8601', () => {
  const utc = rule();

  it('reads offsets in every ISO form and returns the UTC instant', () => {
    expect(
      read(
        utc,
        '2024-03-05T14:30:00Z',
        '2024-03-05t14:30:00z',
        '2024-03-05T15:30:00+01:00',
        '2024-03-05T15:30:00+0100',
        '2024-03-05T15:30:00+01',
        '2024-03-05T09:00:00-05:30',
        '2024-03-05 15:30+01:00',
        '20240305T153000+0100',
        '20240305T1530+01',
      ),
    ).toEqual(Array(9).fill('2024-03-05T14:30:00Z'));
  });

  it('returns canonical UTC input unchanged and trims fractions', () => {
    const text = '2024-03-05T14:30:00.123Z';
    expect(utc(text)).toBe(text);
    expect(
      read(utc, '2024-03-05T14:30:00.000Z', '2024-03-05T14:30:00.120Z', '2024-03-05T14:30:00,5Z'),
    ).toEqual(['2024-03-05T14:30:00Z', '2024-03-05T14:30:00.12Z', '2024-03-05T14:30:00.5Z']);
  });

  it('reads minutes-only, hour-only after T, and compact forms', () => {
    expect(
      read(utc, '2024-03-05 14:30', '2024-03-05T14', '20240305T14', '20240305T1430', '20240305143000'),
    ).toEqual([
      '2024-03-05T14:30:00Z',
      '2024-03-05T14:00:00Z',
      '2024-03-05T14:00:00Z',
      '2024-03-05T14:30:00Z',
      '2024-03-05T14:30:00Z',
    ]);
  });

  it('keeps microseconds and rounds further digits half to even, as PostgreSQL does', () => {
    expect(
      read(
        utc,
        '2024-03-05 14:30:00.123456',
        '2024-03-05 14:30:00.1234565',
        '2024-03-05 14:30:00.1234575',
        '2024-03-05 14:30:00.12345650001',
        '2024-03-05 14:30:00.123456789',
        '2024-03-05 23:59:59.9999996',
      ),
    ).toEqual([
      '2024-03-05T14:30:00.123456Z',
      '2024-03-05T14:30:00.123456Z',
      '2024-03-05T14:30:00.123458Z',
      '2024-03-05T14:30:00.123457Z',
      '2024-03-05T14:30:00.123457Z',
      '2024-03-06T00:00:00Z',
    ]);
  });

  it('reads 24:00:00 exactly as midnight at the end of the day, and nothing past it', () => {
    expect(read(utc, '2024-03-05T24:00:00', '2024-12-31T24:00', '2024-03-05T24:00:01')).toEqual([
      '2024-03-06T00:00:00Z',
      '2025-01-01T00:00:00Z',
      "invalid_timestamp: '2024-03-05T24:00:01' has an impossible time (hour 24; hours run 00–23, or 24:00:00 exactly)",
    ]);
  });

  it('rejects impossible times and offsets with the field at fault', () => {
    expect(
      read(
        utc,
        '2014-02-28 22:64',
        '2014-02-28 22:14:64',
        '2024-03-05 23:59:60',
        '2024-03-05 25:00',
        '2024-03-05T10:00+16:00',
        '2024-03-05T10:00+00:60',
      ),
    ).toEqual([
      "invalid_timestamp: '2014-02-28 22:64' has an impossible time (minute 64; minutes run 00–59)",
      "invalid_timestamp: '2014-02-28 22:14:64' has an impossible time (second 64; seconds run 00–59)",
      "invalid_timestamp: '2024-03-05 23:59:60' has a leap second (:60), which Loadstone does not read",
      "invalid_timestamp: '2024-03-05 25:00' has an impossible time (hour 25; hours run 00–23, or 24:00:00 exactly)",
      "invalid_timestamp: '2024-03-05T10:00+16:00' has an impossible UTC offset (+16:00; at most ±15:59)",
      // Not 'at most ±15:59', which +00:60 is not above.
      "invalid_timestamp: '2024-03-05T10:00+00:60' has an impossible UTC offset (+00:60; its minutes run 00–59)",
    ]);
    expect(read(utc, '2024-02-30T10:00:00Z')).toEqual([
      "impossible_date: '2024-02-30T10:00:00Z' is not a real date (February 2024 has 29 days)",
    ]);
  });
});

describe('makeTimestampRule: other shapes', () => {
  const utc = rule();

  it('reads numeric and named dates with times, AM/PM included', () => {
    expect(
      read(
        utc,
        '05/03/2024 14:30',
        '5/3/2024 2:30 PM',
        '5 March 2024 2:30 PM',
        '5 March 2024 2:30pm',
        'March 5, 2024, 2:30 PM',
        'Tue, 05 Mar 2024 14:30:00 GMT',
        'Tue, 05 Mar 2024 15:30:00 +0100',
        'Tue Mar 5 14:30:00 2024',
        '2024-03-05 2:30 PM',
        '5 March 2024 2 PM',
      ),
    ).toEqual([...Array(9).fill('2024-03-05T14:30:00Z'), '2024-03-05T14:00:00Z']);
  });

  it('refuses to guess zone abbreviations, and says what to write instead', () => {
    expect(read(utc, 'Tue Mar 5 14:30:00 EST 2024')).toEqual([
      "invalid_timestamp: 'Tue Mar 5 14:30:00 EST 2024' has the time zone abbreviation 'EST', which Loadstone does not guess (abbreviations are ambiguous); write a UTC offset such as -05:00, or set the time zone of the column",
    ]);
    expect(
      read(utc, 'Tue Mar 5 14:30:00 UTC 2024', '2024-03-05 15:30:00 +01:00', '2024-03-05 14:30 Z'),
    ).toEqual(Array(3).fill('2024-03-05T14:30:00Z'));
  });

  it('validates the 12-hour clock', () => {
    expect(
      read(utc, '5 Mar 2024 12:00 AM', '5 Mar 2024 12:00 PM', '5 Mar 2024 0:30 AM', '5 Mar 2024 0:30 PM'),
    ).toEqual([
      '2024-03-05T00:00:00Z',
      '2024-03-05T12:00:00Z',
      '2024-03-05T00:30:00Z',
      '2024-03-05T12:30:00Z',
    ]);
    expect(read(utc, '5 Mar 2024 13:44 AM', '13:44 AM', 'Jan 20, 2015 PM')).toEqual([
      "invalid_timestamp: '5 Mar 2024 13:44 AM' has an impossible time (hour 13 on a 12-hour clock with AM/PM)",
      "invalid_timestamp: '13:44 AM' has a time where the date should be",
      "invalid_timestamp: 'Jan 20, 2015 PM' has AM/PM but no time",
    ]);
  });

  it('reads a date alone as midnight in the time zone', () => {
    expect(read(utc, '2024-03-05', '05/03/2024')).toEqual(['2024-03-05T00:00:00Z', '2024-03-05T00:00:00Z']);
    expect(read(rule('Europe/Paris'), '2024-03-05', '2024-07-05')).toEqual([
      '2024-03-04T23:00:00Z',
      '2024-07-04T22:00:00Z',
    ]);
  });

  it('keeps an instant outside years 1–9999 in UTC out', () => {
    expect(read(rule('Asia/Tokyo'), '0001-01-01 00:00')[0]).toMatch(
      /^invalid_timestamp: .* falls outside years/,
    );
    expect(read(utc, '9999-12-31T23:59:59.999999Z', '9999-12-31T23:00:00-01:00')).toEqual([
      '9999-12-31T23:59:59.999999Z',
      "invalid_timestamp: '9999-12-31T23:00:00-01:00' falls outside years 0001–9999 in UTC",
    ]);
  });
});

describe('makeTimestampRule: naive values in a time zone', () => {
  it('applies the zone offset of that day (standard and summer time)', () => {
    expect(read(rule('Europe/Paris'), '2024-01-15 12:00', '2024-07-15 12:00')).toEqual([
      '2024-01-15T11:00:00Z',
      '2024-07-15T10:00:00Z',
    ]);
  });

  it('shifts a wall time inside a spring-forward gap forward, as PostgreSQL does', () => {
    // Paris 2024-03-31: 02:00 CET → 03:00 CEST; 02:30 does not exist and reads with the offset before (+01).
    expect(read(rule('Europe/Paris'), '2024-03-31 01:59', '2024-03-31 02:30', '2024-03-31 03:00')).toEqual([
      '2024-03-31T00:59:00Z',
      '2024-03-31T01:30:00Z',
      '2024-03-31T01:00:00Z',
    ]);
    expect(read(rule('America/New_York'), '2018-03-11 02:30')).toEqual(['2018-03-11T07:30:00Z']);
  });

  it('reads a wall time repeated by a fall-back overlap with the offset after it (standard time), as PostgreSQL does', () => {
    expect(read(rule('Europe/Paris'), '2024-10-27 02:30', '2024-10-27 01:59', '2024-10-27 03:00')).toEqual([
      '2024-10-27T01:30:00Z',
      '2024-10-26T23:59:00Z',
      '2024-10-27T02:00:00Z',
    ]);
    expect(read(rule('America/New_York'), '2018-11-04 01:30')).toEqual(['2018-11-04T06:30:00Z']);
  });

  it('leaves values with an offset alone', () => {
    expect(read(rule('Europe/Paris'), '2024-07-15T12:00:00Z', '2024-07-15T12:00:00+05:00')).toEqual([
      '2024-07-15T12:00:00Z',
      '2024-07-15T07:00:00Z',
    ]);
  });

  it('round-trips any instant written as its Paris wall-clock time', () => {
    const paris = rule('Europe/Paris');
    const wall = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }),
        (seconds) => {
          const local = wall.format(seconds * 1000);
          const out = paris(local);
          expect(typeof out).toBe('string');
          // Wall times in a fall-back overlap read as the later instant; all others give back the instant.
          expect(wall.format(Date.parse(out as string))).toBe(local);
        },
      ),
    );
  });
});

describe('makeTimestampRule: declared numbers', () => {
  it('reads epoch seconds and milliseconds, fractions included', () => {
    expect(
      read(rule('Europe/Paris', { numericDates: 'epoch_s' }), '1709649000', '1709649000.25', '-0.5', '0'),
    ).toEqual([
      '2024-03-05T14:30:00Z',
      '2024-03-05T14:30:00.25Z',
      '1969-12-31T23:59:59.5Z',
      '1970-01-01T00:00:00Z',
    ]);
    expect(
      read(rule('UTC', { numericDates: 'epoch_ms' }), '1709649000123', '1709649000123.4567', '-1'),
    ).toEqual(['2024-03-05T14:30:00.123Z', '2024-03-05T14:30:00.123457Z', '1969-12-31T23:59:59.999Z']);
    expect(read(rule('UTC', { numericDates: 'epoch_s' }), '1e9', '99999999999999')).toEqual([
      "invalid_timestamp: '1e9' is not a date Loadstone can read (unknown word 'e')",
      "invalid_timestamp: '99999999999999' is out of range as epoch seconds (years 0001–9999 only)",
    ]);
  });

  it('reads Excel serials as wall-clock time in the zone, to the millisecond', () => {
    expect(
      read(rule('Europe/Paris', { numericDates: 'excel' }), '45356.6041666667', '45356', '45356.5'),
    ).toEqual(['2024-03-05T13:30:00Z', '2024-03-04T23:00:00Z', '2024-03-05T11:00:00Z']);
  });

  it('reads any epoch instant like Date does', () => {
    const seconds = rule('UTC', { numericDates: 'epoch_ms' });
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        expect(seconds(String(ms))).toBe(isoTrimmed(ms));
      }),
    );
  });
});

describe('makeTimestampRule: properties', () => {
  it('reads any instant written as ISO 8601 with any offset back to the same UTC instant', () => {
    const utc = rule();
    const instant = fc.integer({ min: Date.UTC(1000, 0, 2), max: Date.UTC(9998, 11, 30) });
    const offset = fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 });
    fc.assert(
      fc.property(instant, offset, fc.constantFrom('T', ' '), fc.boolean(), (ms, minutes, sep, colon) => {
        const wall = new Date(ms + minutes * 60_000).toISOString().slice(0, 23);
        const sign = minutes < 0 ? '-' : '+';
        const abs = Math.abs(minutes);
        const hh = String(Math.floor(abs / 60)).padStart(2, '0');
        const mm = String(abs % 60).padStart(2, '0');
        const text = `${wall.slice(0, 10)}${sep}${wall.slice(11)}${sign}${hh}${colon ? ':' : ''}${mm}`;
        expect(utc(text)).toBe(isoTrimmed(ms));
      }),
    );
  });
});

describe('makeTimestampRule: options', () => {
  it('throws SPEC_INVALID for an unknown time zone', () => {
    expect(() => rule('Mars/Olympus_Mons')).toThrow(LoadstoneError);
    try {
      rule('Europe/Pariss');
    } catch (error) {
      expect((error as LoadstoneError).code).toBe('SPEC_INVALID');
      expect((error as LoadstoneError).message).toContain("'Europe/Pariss' is not a known IANA time zone");
    }
  });

  it('validates zone names without throwing', () => {
    expect(['Europe/Paris', 'UTC', 'America/New_York', 'Asia/Kathmandu'].map(isValidTimeZone)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['Europe/Pariss', '', 'Not a zone'].map(isValidTimeZone)).toEqual([false, false, false]);
  });
});

describe('hasTimeOfDay', () => {
  it('is true for a written time other than midnight', () => {
    const yes = [
      '2024-03-05 14:30',
      '2024-03-05T14:30:00Z',
      '2024-03-05T00:00:01',
      '2024-03-05T00:00:00.5',
      '05/03/2024 9:15',
      '5 March 2024 2 PM',
      '5 March 2024 2:30pm',
      '20240305T1430',
      '20240305143000',
      'Tue Mar 5 14:30:00 2024',
    ];
    expect(yes.filter((t) => !hasTimeOfDay(t))).toEqual([]);
  });

  it('is false for dates, midnight-only values and numbers', () => {
    const no = [
      '2024-03-05',
      '05/03/2024',
      'Mar 5, 2024',
      '2024-03-05 00:00:00',
      '2024-03-05T00:00:00.000Z',
      '2024-03-05T00:00:00+05:30',
      '20240305000000',
      '45356.5',
      'Amsterdam 5',
      '',
    ];
    expect(no.filter((t) => hasTimeOfDay(t))).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getTimeZone, isValidTimeZone, localToUtc, offsetAt, type TimeZone } from './time-zone.ts';

function zone(name: string): TimeZone {
  const z = getTimeZone(name);
  if (z === null) throw new Error(`test zone ${name} unknown`);
  return z;
}

/** Offset straight from Intl, without any cache: the reference for the cached lookups. */
function referenceOffset(name: string, utcSeconds: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(utcSeconds * 1000);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall / 1000 - utcSeconds;
}

const utcSeconds = (iso: string) => Date.parse(iso) / 1000;

describe('offsetAt', () => {
  it('gives standard and summer offsets, and local mean time before standard zones', () => {
    const paris = zone('Europe/Paris');
    expect(offsetAt(paris, utcSeconds('2024-01-15T12:00:00Z'))).toBe(3600);
    expect(offsetAt(paris, utcSeconds('2024-07-15T12:00:00Z'))).toBe(7200);
    // Paris mean time was +00:09:21 until 1911, as in PostgreSQL's tz data.
    expect(offsetAt(paris, utcSeconds('1890-01-01T00:00:00Z'))).toBe(9 * 60 + 21);
    expect(offsetAt(zone('Asia/Kathmandu'), utcSeconds('2024-01-01T00:00:00Z'))).toBe(5 * 3600 + 45 * 60);
    expect(offsetAt(zone('UTC'), 1e9)).toBe(0);
  });

  it('agrees with Intl at every minute around transitions, including half-hour and odd-second ones', () => {
    const cases: Array<[string, string]> = [
      ['Europe/Paris', '2024-03-31T01:00:00Z'],
      ['Europe/Paris', '2024-10-27T01:00:00Z'],
      ['Australia/Lord_Howe', '2023-09-30T15:30:00Z'],
      ['Asia/Kathmandu', '1985-12-31T18:30:00Z'],
      ['America/New_York', '1883-11-18T17:00:00Z'],
    ];
    for (const [name, iso] of cases) {
      const z = zone(name);
      const center = utcSeconds(iso);
      for (let t = center - 3 * 3600; t <= center + 3 * 3600; t += 60) {
        expect(offsetAt(z, t)).toBe(referenceOffset(name, t));
      }
    }
  });

  it('agrees with Intl at random instants over five centuries', () => {
    const names = [
      'Europe/Paris',
      'America/Sao_Paulo',
      'Australia/Lord_Howe',
      'Pacific/Apia',
      'Europe/Moscow',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.integer({ min: -13e9, max: 4e9 }), (name, t) => {
        expect(offsetAt(zone(name), t)).toBe(referenceOffset(name, t));
      }),
    );
  });
});

describe('localToUtc', () => {
  const local = (iso: string) => Date.parse(`${iso}Z`) / 1000;
  const asIso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

  it('converts ordinary wall times', () => {
    expect(asIso(localToUtc(zone('Europe/Paris'), local('2024-01-15T12:00:00')))).toBe(
      '2024-01-15T11:00:00Z',
    );
    expect(asIso(localToUtc(zone('America/New_York'), local('2024-07-04T12:00:00')))).toBe(
      '2024-07-04T16:00:00Z',
    );
  });

  it('reads wall times in gaps with the offset before the transition (PostgreSQL)', () => {
    expect(asIso(localToUtc(zone('Europe/Paris'), local('2024-03-31T02:30:00')))).toBe(
      '2024-03-31T01:30:00Z',
    );
    expect(asIso(localToUtc(zone('Australia/Lord_Howe'), local('2023-10-01T02:15:00')))).toBe(
      '2023-09-30T15:45:00Z',
    );
    expect(asIso(localToUtc(zone('Asia/Kathmandu'), local('1986-01-01T00:10:00')))).toBe(
      '1985-12-31T18:40:00Z',
    );
    // Samoa skipped 2011-12-30 entirely.
    expect(asIso(localToUtc(zone('Pacific/Apia'), local('2011-12-30T12:00:00')))).toBe(
      '2011-12-30T22:00:00Z',
    );
  });

  it('reads wall times in overlaps with the offset after the transition (PostgreSQL)', () => {
    expect(asIso(localToUtc(zone('Europe/Paris'), local('2024-10-27T02:30:00')))).toBe(
      '2024-10-27T01:30:00Z',
    );
    expect(asIso(localToUtc(zone('America/New_York'), local('2018-11-04T01:30:00')))).toBe(
      '2018-11-04T06:30:00Z',
    );
    expect(asIso(localToUtc(zone('Australia/Lord_Howe'), local('2023-04-02T01:45:00')))).toBe(
      '2023-04-01T15:15:00Z',
    );
    // Moscow moved from +04 to +03 in 2014 (both standard time): still the later offset.
    expect(asIso(localToUtc(zone('Europe/Moscow'), local('2014-10-26T01:30:00')))).toBe(
      '2014-10-25T22:30:00Z',
    );
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA names and refuses the rest without throwing', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Etc/UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(undefined as unknown as string)).toBe(false);
  });

  it('treats UTC aliases as UTC', () => {
    for (const name of ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Zulu']) expect(zone(name).isUtc).toBe(true);
    expect(zone('Europe/London').isUtc).toBe(false);
  });
});

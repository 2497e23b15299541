import { DAY_SECONDS, daysFromCivil } from './date-calendar.ts';

/**
 * IANA time zones through `Intl.DateTimeFormat` (full ICU: the same tz database PostgreSQL ships).
 * One formatter per zone, and UTC offsets cached per zone and UTC day (per hour on transition days), so a
 * million naive timestamps in Europe/Paris cost a few thousand `formatToParts` calls, not a million.
 */
export interface TimeZone {
  /** The name as given. */
  readonly name: string;
  /** True for zones that are UTC at every instant (no lookups needed). */
  readonly isUtc: boolean;
  /** Offset (seconds east of UTC) per UTC day number; TRANSITION marks days in which it changes. */
  readonly dayOffsets: Map<number, number>;
  /** The same per UTC hour, for the hours of transition days only. */
  readonly hourOffsets: Map<number, number>;
  readonly format: Intl.DateTimeFormat;
}

const UTC_NAMES = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/UCT',
  'UCT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'GMT',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'GMT0',
  'GMT+0',
  'GMT-0',
  'Etc/Greenwich',
  'Greenwich',
]);

/** Marks a bucket with an offset change inside it. */
const TRANSITION = Number.NaN;
/** Bound on cached buckets per map (a million days is all of years 1–9999): past it the map starts over. */
const MAX_CACHED_BUCKETS = 1_000_000;

const zones = new Map<string, TimeZone | null>();

/** The zone for an IANA name (cached), or null when `Intl` does not know the name. */
export function getTimeZone(name: string): TimeZone | null {
  let zone = zones.get(name);
  if (zone !== undefined) return zone;
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const resolved = format.resolvedOptions().timeZone;
    zone = { name, isUtc: UTC_NAMES.has(resolved), dayOffsets: new Map(), hourOffsets: new Map(), format };
  } catch {
    zone = null;
  }
  zones.set(name, zone);
  return zone;
}

/** True when `name` is a time zone `Intl` knows (IANA names such as `Europe/Paris`, `UTC`). Never throws. */
export function isValidTimeZone(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && getTimeZone(name) !== null;
}

/**
 * UTC offset (seconds east) of `zone` at the instant `utcSeconds` (seconds since 1970-01-01T00:00Z).
 * Cached per UTC day; a day whose first and last second disagree holds a transition, and only its hours
 * are cached separately (an hour with a transition inside, e.g. LMT changes at odd seconds, is computed
 * per instant). This assumes no zone changes offset twice within one day and returns to the first.
 */
export function offsetAt(zone: TimeZone, utcSeconds: number): number {
  if (zone.isUtc) return 0;
  const day = Math.floor(utcSeconds / DAY_SECONDS);
  let offset = zone.dayOffsets.get(day);
  if (offset === undefined) {
    offset = bucketOffset(zone, day * DAY_SECONDS, DAY_SECONDS);
    if (zone.dayOffsets.size >= MAX_CACHED_BUCKETS) zone.dayOffsets.clear();
    zone.dayOffsets.set(day, offset);
  }
  if (!Number.isNaN(offset)) return offset;
  const hour = Math.floor(utcSeconds / 3600);
  offset = zone.hourOffsets.get(hour);
  if (offset === undefined) {
    offset = bucketOffset(zone, hour * 3600, 3600);
    if (zone.hourOffsets.size >= MAX_CACHED_BUCKETS) zone.hourOffsets.clear();
    zone.hourOffsets.set(hour, offset);
  }
  return Number.isNaN(offset) ? computeOffset(zone, utcSeconds) : offset;
}

/** The offset over [start, start + size), or TRANSITION when it changes inside. */
function bucketOffset(zone: TimeZone, start: number, size: number): number {
  const first = computeOffset(zone, start);
  return computeOffset(zone, start + size - 1) === first ? first : TRANSITION;
}

/** The zone's wall clock at an instant, minus the instant: its offset, to the second (LMT included). */
function computeOffset(zone: TimeZone, utcSeconds: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of zone.format.formatToParts(utcSeconds * 1000)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value === 'BC' || part.value === 'B';
        break;
    }
  }
  if (bc) year = 1 - year;
  const local = daysFromCivil(year, month, day) * DAY_SECONDS + hour * 3600 + minute * 60 + second;
  return local - utcSeconds;
}

/**
 * The instant at which `zone`'s wall clock shows `localSeconds` (wall-clock seconds counted as if UTC).
 * As PostgreSQL does: a wall time skipped by a spring-forward gap takes the offset from before the
 * transition (02:30 on a Paris spring-forward day becomes 03:30 CEST); a wall time repeated by a fall-back
 * overlap takes the offset from after it (01:30 on the New York fall-back day is 01:30 EST).
 */
export function localToUtc(zone: TimeZone, localSeconds: number): number {
  if (zone.isUtc) return localSeconds;
  // Offsets a day before and after bracket any transition near this wall time.
  const before = offsetAt(zone, localSeconds - DAY_SECONDS);
  const after = offsetAt(zone, localSeconds + DAY_SECONDS);
  const early = localSeconds - before;
  if (before === after && offsetAt(zone, early) === before) return early;
  // Overlap (both readings fit): the later offset. Gap (neither fits): the earlier offset.
  const late = localSeconds - after;
  return offsetAt(zone, late) === after ? late : early;
}

import { DEFAULT_DATE_ORDER, DEFAULT_TIME_ZONE } from '../normalize/defaults.ts';
import type { DateOrder, JobSpec } from './job-spec.ts';

/**
 * Where a format setting a column uses came from, most specific first: the column's own setting,
 * the column's values (`detected`: a day-first value settles DMY), the job's file-wide setting, the
 * operator's saved Settings, or Loadstone's built-in default.
 */
export const FORMAT_ORIGINS = ['column', 'detected', 'job', 'settings', 'built-in'] as const;
export type FormatOrigin = (typeof FORMAT_ORIGINS)[number];

/** A default below the job spec: the operator's saved Settings, else the built-in one. */
export interface FormatDefault<T> {
  readonly value: T;
  readonly from: 'settings' | 'built-in';
}

/** The defaults a job falls back to where its spec says nothing. */
export interface FormatDefaults {
  readonly dateOrder: FormatDefault<DateOrder>;
  readonly timeZone: FormatDefault<string>;
}

/** What the Settings screen saved; null where the operator saved nothing. */
export interface SavedFormatSettings {
  readonly dateOrder: DateOrder | null;
  readonly timeZone: string | null;
}

/** The built-in defaults: MDY and UTC, what a job without Settings has always used. */
export const BUILT_IN_DEFAULTS: FormatDefaults = {
  dateOrder: { value: DEFAULT_DATE_ORDER, from: 'built-in' },
  timeZone: { value: DEFAULT_TIME_ZONE, from: 'built-in' },
};

/**
 * The defaults a job falls back to: each setting the operator saved, else the built-in one. Only
 * explicitly saved settings count, so a machine's own time zone never changes what a load does.
 */
export function formatDefaults(saved: SavedFormatSettings | null | undefined): FormatDefaults {
  return {
    dateOrder:
      saved?.dateOrder != null ? { value: saved.dateOrder, from: 'settings' } : BUILT_IN_DEFAULTS.dateOrder,
    timeZone:
      saved?.timeZone != null ? { value: saved.timeZone, from: 'settings' } : BUILT_IN_DEFAULTS.timeZone,
  };
}

/**
 * The job spec with the defaults written into its file-wide format where it says nothing (its own
 * value always wins): what a run records, so that it can be repeated as it ran whatever the
 * Settings say later.
 */
export function withFormatDefaults(spec: JobSpec, defaults: FormatDefaults): JobSpec {
  const format = spec.format;
  if (format.dateOrder !== undefined && format.timeZone !== undefined) return spec;
  return {
    ...spec,
    format: {
      ...format,
      dateOrder: format.dateOrder ?? defaults.dateOrder.value,
      timeZone: format.timeZone ?? defaults.timeZone.value,
    },
  };
}

/** "the default date order in Settings" / "the built-in default": where a default came from, in words. */
export function defaultOriginText(from: FormatDefault<unknown>['from'], what: string): string {
  return from === 'settings' ? `the default ${what} in Settings` : `the built-in default ${what}`;
}

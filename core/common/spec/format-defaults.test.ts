import { describe, expect, it } from 'vitest';
import { inferColumns } from '../normalize/infer.ts';
import { BUILT_IN_DEFAULTS, formatDefaults, withFormatDefaults } from './format-defaults.ts';
import { type FormatOptions, parseJobSpec } from './job-spec.ts';

const SETTINGS = formatDefaults({ dateOrder: 'DMY', timeZone: 'Europe/Berlin' });

/** One column of values, inferred with the given job format and defaults. */
function plan(values: string[], format: FormatOptions = {}, defaults = SETTINGS, column = {}) {
  return inferColumns({
    columns: ['when'],
    sample: values.map((v) => [v]),
    spec: { format, columns: Object.keys(column).length > 0 ? [{ source: 'when', ...column }] : undefined },
    defaults,
  })[0]!;
}

describe('format defaults: saved Settings below the job spec', () => {
  it('only what was saved counts; the rest is built in (never the machine zone)', () => {
    expect(formatDefaults(null)).toEqual(BUILT_IN_DEFAULTS);
    expect(formatDefaults({ dateOrder: null, timeZone: null })).toEqual({
      dateOrder: { value: 'MDY', from: 'built-in' },
      timeZone: { value: 'UTC', from: 'built-in' },
    });
    expect(formatDefaults({ dateOrder: 'DMY', timeZone: null })).toEqual({
      dateOrder: { value: 'DMY', from: 'settings' },
      timeZone: { value: 'UTC', from: 'built-in' },
    });
  });

  it('an ambiguous date column reads by the Settings date order, and the warning says so', () => {
    const p = plan(['03/04/2024', '05/06/2024']);
    expect(p.type).toBe('date');
    expect(p.format.dateOrder).toBe('DMY');
    expect(p.origins.dateOrder).toBe('settings');
    expect(p.warnings).toEqual([
      expect.stringContaining('using DMY (the default date order in Settings) — set dateOrder to change it'),
    ]);
  });

  it('the column values, the column and the job each win over Settings, and say so', () => {
    expect(plan(['03/04/2024', '12/25/2024']).origins.dateOrder).toBe('detected');
    expect(plan(['12/25/2024']).format.dateOrder).toBe('MDY');
    const job = plan(['03/04/2024'], { dateOrder: 'MDY' });
    expect(job.format.dateOrder).toBe('MDY');
    expect(job.origins.dateOrder).toBe('job');
    expect(job.warnings).toEqual([]);
    const column = plan(['03/04/2024'], {}, SETTINGS, { dateOrder: 'YMD' });
    expect(column.origins.dateOrder).toBe('column');
  });

  it('naive timestamps take the Settings time zone unless the job or the column names one', () => {
    const p = plan(['2024-01-15 10:00:00', '2024-07-15 10:00:00']);
    expect(p.type).toBe('timestamptz');
    expect(p.format.timeZone).toBe('Europe/Berlin');
    expect(p.origins.timeZone).toBe('settings');
    expect(plan(['2024-01-15 10:00:00'], { timeZone: 'UTC' }).origins.timeZone).toBe('job');
    expect(plan(['2024-01-15 10:00:00'], {}, BUILT_IN_DEFAULTS).origins.timeZone).toBe('built-in');
    expect(plan(['2024-01-15 10:00:00'], {}, SETTINGS, { timeZone: 'Asia/Tokyo' }).origins.timeZone).toBe(
      'column',
    );
  });

  it('a run records the spec with the defaults written in, the spec’s own values first', () => {
    const spec = parseJobSpec({ source: { path: 'x.csv' }, format: { timeZone: 'UTC' } });
    expect(withFormatDefaults(spec, SETTINGS).format).toEqual({ timeZone: 'UTC', dateOrder: 'DMY' });
    const full = parseJobSpec({ source: { path: 'x.csv' }, format: { timeZone: 'UTC', dateOrder: 'YMD' } });
    expect(withFormatDefaults(full, SETTINGS)).toBe(full);
  });
});

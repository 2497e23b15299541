import { LoadstoneError } from '../../../common/errors.ts';
import type { INCREMENTAL_FORMATS } from '../../../common/spec/http-source.ts';

/**
 * The stored watermark (the target's normalized value as text) in the format the API's parameter
 * takes: an ISO 8601 timestamp, a date, epoch seconds or milliseconds, or the text as stored.
 * @throws LoadstoneError SPEC_INVALID when the watermark is no time but a time format is asked for.
 */
export function incrementalValue(after: string, format: (typeof INCREMENTAL_FORMATS)[number]): string {
  if (format === 'raw') return after;
  const ms = timeOf(after);
  if (ms === undefined) {
    throw new LoadstoneError(
      'SPEC_INVALID',
      `source.incremental.format '${format}' needs a date or timestamp watermark, but the stored one is '${after}'`,
    );
  }
  switch (format) {
    case 'iso':
      return new Date(ms).toISOString();
    case 'date':
      return new Date(ms).toISOString().slice(0, 10);
    case 'epoch_s':
      return String(Math.floor(ms / 1000));
    default:
      return String(ms);
  }
}

/** Milliseconds of a stored date/timestamp watermark ('2024-05-01', '2024-05-01 10:00:00+00', ISO…). */
function timeOf(text: string): number | undefined {
  let t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t = `${t}T00:00:00Z`;
  t = t.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t)) return undefined;
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) t = `${t}Z`;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

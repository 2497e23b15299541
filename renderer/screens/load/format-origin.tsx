import type { PreviewColumnDto, PreviewResultDto } from '../../../core/common/contract/index.ts';

type Origin = NonNullable<PreviewColumnDto['origins']>['dateOrder'];

/** Where a format setting came from, in the operator's words. */
export const ORIGIN_TEXT: Record<Origin, string> = {
  column: 'set for this column',
  detected: 'detected from its values',
  job: 'from Source defaults',
  settings: 'from Settings',
  'built-in': 'built-in default',
};

/** The file-wide defaults of the preview and where each came from (Settings, built-in, this job). */
export function DefaultsOrigin(props: { defaults: PreviewResultDto['defaults'] }) {
  const d = props.defaults;
  if (!d) return null;
  return (
    <p className="hint" data-testid="defaults-origin">
      Used where a column says nothing: date order{' '}
      <strong data-testid="default-date-order-used" data-from={d.dateOrder.from}>
        {d.dateOrder.value}
      </strong>{' '}
      ({ORIGIN_TEXT[d.dateOrder.from]}), time zone{' '}
      <strong data-testid="default-time-zone-used" data-from={d.timeZone.from}>
        {d.timeZone.value}
      </strong>{' '}
      ({ORIGIN_TEXT[d.timeZone.from]}).
    </p>
  );
}

/** "Inherit" wording for a file default control: what applies when it is left empty. */
export function inheritText(d: { value: string; from: string } | undefined, fallback: string): string {
  if (!d || d.from === 'job') return fallback;
  return d.from === 'settings' ? `Settings default (${d.value})` : `Built-in default (${d.value})`;
}

/** A date or timestamp column's date order and time zone, and where each came from. */
export function ColumnFormatOrigin(props: { column: PreviewColumnDto }) {
  const c = props.column;
  if (!c.origins || (c.type !== 'date' && c.type !== 'timestamptz')) return null;
  return (
    <>
      <dt>Dates</dt>
      <dd data-testid="column-date-origin" data-from={c.origins.dateOrder}>
        {c.format.dateOrder}, {ORIGIN_TEXT[c.origins.dateOrder]}
      </dd>
      {c.type === 'timestamptz' ? (
        <>
          <dt>Time zone</dt>
          <dd data-testid="column-zone-origin" data-from={c.origins.timeZone}>
            {c.format.timeZone}, {ORIGIN_TEXT[c.origins.timeZone]}
          </dd>
        </>
      ) : null}
    </>
  );
}

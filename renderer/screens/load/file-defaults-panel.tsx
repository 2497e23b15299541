import { useId, useState } from 'react';
import { DATE_ORDERS, type FormatOptions } from '../../../core/common/spec/job-spec.ts';
import { formatNullTokens, parseNullTokens } from './wizard-state.ts';

/** Job-wide format defaults, shown when no column is selected. */
export function FileDefaultsPanel(props: {
  format: FormatOptions;
  onChange: (patch: Partial<FormatOptions>) => void;
}) {
  const { format, onChange } = props;
  const id = useId();
  const [nullText, setNullText] = useState(format.nullTokens ? formatNullTokens(format.nullTokens) : '');
  return (
    <aside className="column-panel" aria-labelledby={`${id}-title`} data-testid="file-defaults">
      <div className="panel-head">
        <h3 id={`${id}-title`} className="panel-title">
          File defaults
        </h3>
      </div>
      <p className="hint">
        Apply to every column unless a column says otherwise. Select a column header to edit it.
      </p>
      <div className="field">
        <label htmlFor={`${id}-order`}>Date order</label>
        <select
          id={`${id}-order`}
          className="input"
          value={format.dateOrder ?? ''}
          onChange={(e) =>
            onChange({ dateOrder: (e.target.value || undefined) as FormatOptions['dateOrder'] })
          }
          data-testid="default-date-order"
        >
          <option value="">Settings default</option>
          {DATE_ORDERS.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-dec`}>Decimal separator</label>
        <select
          id={`${id}-dec`}
          className="input"
          value={format.decimalSeparator ?? ''}
          onChange={(e) =>
            onChange({ decimalSeparator: (e.target.value || undefined) as FormatOptions['decimalSeparator'] })
          }
          data-testid="default-decimal"
        >
          <option value="">Decide per column</option>
          <option value=".">Point</option>
          <option value=",">Comma</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-pct`}>Percent values</label>
        <select
          id={`${id}-pct`}
          className="input"
          value={format.percent ?? ''}
          onChange={(e) => onChange({ percent: (e.target.value || undefined) as FormatOptions['percent'] })}
          data-testid="default-percent"
        >
          <option value="">Engine default</option>
          <option value="keep">Keep: 12.5% → 12.5</option>
          <option value="fraction">Fraction: 12.5% → 0.125</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-tz`}>Time zone (IANA)</label>
        <input
          id={`${id}-tz`}
          className="input mono"
          value={format.timeZone ?? ''}
          placeholder="Settings default"
          onChange={(e) => onChange({ timeZone: e.target.value.trim() || undefined })}
          data-testid="default-time-zone"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-null`}>Null tokens (comma-separated; "" = empty)</label>
        <input
          id={`${id}-null`}
          className="input mono"
          value={nullText}
          placeholder='"", NULL, N/A'
          onChange={(e) => {
            setNullText(e.target.value);
            onChange({ nullTokens: e.target.value.trim() ? parseNullTokens(e.target.value) : undefined });
          }}
          data-testid="default-null-tokens"
        />
      </div>
    </aside>
  );
}

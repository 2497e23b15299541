import { useId } from 'react';
import type { FormatOptions } from '../../../core/common/spec/job-spec.ts';
import {
  DateOrderField,
  DecimalSeparatorField,
  NullTokensField,
  PercentField,
  TimeZoneField,
} from './format-fields.tsx';

/** Job-wide format defaults, shown when no column is selected. */
export function FileDefaultsPanel(props: {
  format: FormatOptions;
  onChange: (patch: Partial<FormatOptions>) => void;
}) {
  const { format, onChange } = props;
  const id = useId();
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
      <DateOrderField
        id={id}
        value={format.dateOrder}
        onChange={onChange}
        inherit="Settings default"
        testId="default-date-order"
      />
      <DecimalSeparatorField
        id={id}
        value={format.decimalSeparator}
        onChange={onChange}
        inherit="Decide per column"
        testId="default-decimal"
      />
      <PercentField
        id={id}
        value={format.percent}
        onChange={onChange}
        inherit="Engine default (keep)"
        testId="default-percent"
      />
      <TimeZoneField
        id={id}
        label="Time zone (IANA)"
        value={format.timeZone}
        onChange={onChange}
        inherit="Settings default"
        testId="default-time-zone"
      />
      <NullTokensField
        id={id}
        value={format.nullTokens}
        onChange={onChange}
        inherit='"", NULL, N/A'
        testId="default-null-tokens"
      />
    </aside>
  );
}

import { useId } from 'react';
import type { PreviewResultDto } from '../../../core/common/contract/index.ts';
import type { FormatOptions } from '../../../core/common/spec/job-spec.ts';
import {
  DateOrderField,
  DecimalSeparatorField,
  NullTokensField,
  PercentField,
  TimeZoneField,
} from './format-fields.tsx';
import { DefaultsOrigin, inheritText } from './format-origin.tsx';

/** Job-wide format defaults, shown when no column is selected, with what applies when left empty. */
export function FileDefaultsPanel(props: {
  format: FormatOptions;
  onChange: (patch: Partial<FormatOptions>) => void;
  /** The preview's defaults: what an empty control falls back to, and from where. */
  defaults?: PreviewResultDto['defaults'];
  /** Folds the panel to a rail beside the grid (narrow windows keep their columns). */
  onCollapse: () => void;
}) {
  const { format, onChange, defaults } = props;
  const id = useId();
  return (
    <aside className="column-panel" aria-labelledby={`${id}-title`} data-testid="file-defaults">
      <div className="panel-head">
        <h3 id={`${id}-title`} className="panel-title">
          Source defaults
        </h3>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={props.onCollapse}
          aria-label="Fold the panel"
          title="Fold the panel"
          data-testid="panel-collapse"
        >
          ›
        </button>
      </div>
      <p className="hint">
        Apply to every column unless a column says otherwise. Select a column header to edit it.
      </p>
      <DefaultsOrigin defaults={defaults} />
      <DateOrderField
        id={id}
        value={format.dateOrder}
        onChange={onChange}
        inherit={inheritText(defaults?.dateOrder, 'Settings default')}
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
        inherit={inheritText(defaults?.timeZone, 'Settings default')}
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

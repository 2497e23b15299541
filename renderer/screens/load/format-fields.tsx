import { useState } from 'react';
import { DATE_ORDERS, type FormatOptions } from '../../../core/common/spec/job-spec.ts';
import { formatNullTokens, parseNullTokens } from './wizard-state.ts';

/**
 * The format controls shared by the column panel and the source defaults: each is labelled, its
 * empty choice means "inherit" (the text of that choice says from where), and it reports a patch.
 */
interface FieldProps<K extends keyof FormatOptions> {
  /** Prefix for element ids (from `useId`). */
  id: string;
  value: FormatOptions[K];
  onChange: (patch: Partial<FormatOptions>) => void;
  /** What the empty choice or placeholder says (where the value comes from when unset). */
  inherit: string;
  testId: string;
}

const DATE_ORDER_TEXT: Record<(typeof DATE_ORDERS)[number], string> = {
  DMY: 'DMY — day first',
  MDY: 'MDY — month first',
  YMD: 'YMD — year first',
};

export function DateOrderField(props: FieldProps<'dateOrder'>) {
  return (
    <div className="field">
      <label htmlFor={`${props.id}-order`}>Date order</label>
      <select
        id={`${props.id}-order`}
        className="input"
        value={props.value ?? ''}
        onChange={(e) =>
          props.onChange({ dateOrder: (e.target.value || undefined) as FormatOptions['dateOrder'] })
        }
        data-testid={props.testId}
      >
        <option value="">{props.inherit}</option>
        {DATE_ORDERS.map((o) => (
          <option key={o} value={o}>
            {DATE_ORDER_TEXT[o]}
          </option>
        ))}
      </select>
    </div>
  );
}

export function DecimalSeparatorField(props: FieldProps<'decimalSeparator'>) {
  return (
    <div className="field">
      <label htmlFor={`${props.id}-dec`}>Decimal separator</label>
      <select
        id={`${props.id}-dec`}
        className="input"
        value={props.value ?? ''}
        onChange={(e) =>
          props.onChange({
            decimalSeparator: (e.target.value || undefined) as FormatOptions['decimalSeparator'],
          })
        }
        data-testid={props.testId}
      >
        <option value="">{props.inherit}</option>
        <option value=".">Point — 1,234.5</option>
        <option value=",">Comma — 1.234,5</option>
      </select>
    </div>
  );
}

export function PercentField(props: FieldProps<'percent'>) {
  return (
    <div className="field">
      <label htmlFor={`${props.id}-pct`}>Percent values</label>
      <select
        id={`${props.id}-pct`}
        className="input"
        value={props.value ?? ''}
        onChange={(e) =>
          props.onChange({ percent: (e.target.value || undefined) as FormatOptions['percent'] })
        }
        data-testid={props.testId}
      >
        <option value="">{props.inherit}</option>
        <option value="keep">Keep the number: 12.5% → 12.5</option>
        <option value="fraction">As a fraction: 12.5% → 0.125</option>
      </select>
    </div>
  );
}

export function TimeZoneField(props: FieldProps<'timeZone'> & { label: string }) {
  return (
    <div className="field">
      <label htmlFor={`${props.id}-tz`}>{props.label}</label>
      <input
        id={`${props.id}-tz`}
        className="input mono"
        value={props.value ?? ''}
        placeholder={props.inherit}
        onChange={(e) => props.onChange({ timeZone: e.target.value.trim() || undefined })}
        data-testid={props.testId}
      />
    </div>
  );
}

/** Keeps the text as typed (so `"", N/A` can be edited freely) and reports the parsed list. */
export function NullTokensField(props: FieldProps<'nullTokens'>) {
  const [text, setText] = useState(props.value ? formatNullTokens(props.value) : '');
  return (
    <div className="field">
      <label htmlFor={`${props.id}-null`}>Null tokens (comma-separated; "" = empty)</label>
      <input
        id={`${props.id}-null`}
        className="input mono"
        value={text}
        placeholder={props.inherit}
        onChange={(e) => {
          setText(e.target.value);
          props.onChange({ nullTokens: e.target.value.trim() ? parseNullTokens(e.target.value) : undefined });
        }}
        data-testid={props.testId}
      />
    </div>
  );
}

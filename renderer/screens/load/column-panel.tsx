import { useId, useState } from 'react';
import type { PreviewColumnDto } from '../../../core/common/contract/index.ts';
import { columnSpecSchema } from '../../../core/common/spec/job-spec.ts';
import { COLUMN_TYPES, type ColumnType } from '../../../core/common/types.ts';
import { formatCount } from '../../components/format.ts';
import {
  DateOrderField,
  DecimalSeparatorField,
  NullTokensField,
  PercentField,
  TimeZoneField,
} from './format-fields.tsx';
import { ColumnFormatOrigin } from './format-origin.tsx';
import { type ColumnEdit, formatNullTokens } from './wizard-state.ts';

const NUMERIC: readonly ColumnType[] = ['integer', 'bigint', 'numeric'];
const DATES: readonly ColumnType[] = ['date', 'timestamptz'];

/** Validates a target name with the job spec's own rule, so the panel and the engine agree. */
function nameProblem(name: string): string | null {
  if (name === '') return null;
  const r = columnSpecSchema.shape.name.safeParse(name);
  return r.success ? null : (r.error.issues[0]?.message ?? 'invalid name');
}

/**
 * Edits one column: target name, type, skip, and the format options that apply to its type.
 * The parent keys it by column (and reset count), so text fields start from the column's own values.
 */
export function ColumnPanel(props: {
  column: PreviewColumnDto;
  /** Sampled rows whose value in this column would be rejected (the header's "N bad"), and that in words. */
  rejected: number;
  rejectedText: string;
  edit: ColumnEdit | undefined;
  onChange: (patch: Partial<ColumnEdit>) => void;
  onReset: () => void;
  onClose: () => void;
  /** Folds the panel to a rail beside the grid (narrow windows keep their columns). */
  onCollapse: () => void;
}) {
  const { column: c, edit = {}, onChange } = props;
  const id = useId();
  const [nameText, setNameText] = useState(edit.name ?? '');

  const problem = nameProblem(nameText);
  const type = edit.type ?? c.type;
  // A control the operator set stays where it is whatever the type: it is how they undo it.
  const dates = DATES.includes(type) || edit.dateOrder !== undefined;
  const numbers = NUMERIC.includes(type) || edit.decimalSeparator !== undefined || edit.percent !== undefined;
  const zone = type === 'timestamptz' || edit.timeZone !== undefined;
  const text = type === 'text' || edit.keepText !== undefined;

  return (
    <aside
      className="column-panel"
      aria-labelledby={`${id}-title`}
      data-testid="column-panel"
      data-source={c.source}
    >
      <div className="panel-head">
        <h3 id={`${id}-title`} className="panel-title">
          Column <span className="mono">{c.source}</span>
        </h3>
        <span className="panel-head-actions">
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
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={props.onClose}
            aria-label="Close column panel"
          >
            ✕
          </button>
        </span>
      </div>
      <dl className="facts facts-compact">
        <dt>Type</dt>
        <dd data-testid="column-panel-type" data-type={c.type}>
          {c.type} {c.declared ? '(set by you)' : '(inferred)'}
        </dd>
        <dt>Sample</dt>
        <dd>
          {formatCount(c.sampleSize)} values, {formatCount(c.nullCount)} null
        </dd>
        <dt>Rejected</dt>
        <dd
          className={props.rejected > 0 ? 'text-bad' : undefined}
          data-testid="column-nonfitting"
          data-count={props.rejected}
        >
          {props.rejectedText}
        </dd>
        <ColumnFormatOrigin column={c} />
      </dl>
      {c.warnings.length > 0 ? (
        <ul className="warnings" data-testid="column-warnings">
          {c.warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      ) : null}

      <div className="field">
        <label htmlFor={`${id}-name`}>Target name</label>
        <input
          id={`${id}-name`}
          className="input mono"
          value={nameText}
          placeholder={c.name}
          spellCheck={false}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-name-err` : undefined}
          onChange={(e) => {
            const v = e.target.value;
            setNameText(v);
            if (nameProblem(v) === null) onChange({ name: v === '' ? undefined : v });
          }}
          data-testid="column-name"
        />
        {problem ? (
          <p id={`${id}-name-err`} className="field-error" role="alert">
            Not applied: {problem}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Type</label>
        <select
          id={`${id}-type`}
          className="input"
          value={edit.type ?? ''}
          onChange={(e) => onChange({ type: (e.target.value || undefined) as ColumnType | undefined })}
          data-testid="column-type-select"
        >
          <option value="">Inferred{edit.type ? '' : ` (${c.type})`}</option>
          {COLUMN_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={edit.skip ?? false}
          onChange={(e) => onChange({ skip: e.target.checked || undefined })}
          data-testid="column-skip"
        />
        Skip this column (not loaded)
      </label>

      <fieldset className="subfields">
        <legend>Format</legend>
        {dates ? (
          <DateOrderField
            id={id}
            value={edit.dateOrder}
            onChange={onChange}
            inherit={`File default (${c.format.dateOrder})`}
            testId="column-date-order"
          />
        ) : null}
        {zone ? (
          <TimeZoneField
            id={id}
            label="Time zone for values without an offset"
            value={edit.timeZone}
            onChange={onChange}
            inherit={c.format.timeZone}
            testId="column-time-zone"
          />
        ) : null}
        {numbers ? (
          <>
            <DecimalSeparatorField
              id={id}
              value={edit.decimalSeparator}
              onChange={onChange}
              inherit={`Detected (${c.format.decimalSeparator === ',' ? 'comma' : 'point'})`}
              testId="column-decimal"
            />
            <PercentField
              id={id}
              value={edit.percent}
              onChange={onChange}
              inherit={`File default (${c.format.percent === 'keep' ? '12.5% → 12.5' : '12.5% → 0.125'})`}
              testId="column-percent"
            />
          </>
        ) : null}
        {text ? (
          <div className="field">
            <label htmlFor={`${id}-keep-text`}>Text</label>
            <select
              id={`${id}-keep-text`}
              className="input"
              value={edit.keepText === undefined ? '' : edit.keepText ? 'keep' : 'trim'}
              onChange={(e) =>
                onChange({ keepText: e.target.value === '' ? undefined : e.target.value === 'keep' })
              }
              data-testid="column-keep-text"
            >
              <option value="">
                By source ({c.format.keepText ? 'kept as written' : 'trimmed, null tokens apply'})
              </option>
              <option value="keep">Kept as written (spaces kept; only its own null tokens are NULL)</option>
              <option value="trim">Trimmed, the null tokens apply (as a CSV cell)</option>
            </select>
          </div>
        ) : null}
        <NullTokensField
          id={id}
          value={edit.nullTokens}
          onChange={onChange}
          inherit={formatNullTokens(c.format.nullTokens)}
          testId="column-null-tokens"
        />
      </fieldset>
      <div className="step-actions">
        <button type="button" className="btn btn-small" onClick={props.onReset} data-testid="column-reset">
          Reset column
        </button>
      </div>
    </aside>
  );
}

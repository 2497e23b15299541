import { useId, useMemo, useState } from 'react';
import type { SettingsViewDto } from '../../../core/common/contract/index.ts';
import { DATE_ORDERS } from '../../../core/common/spec/job-spec.ts';
import { useCommand, useCommandMutation } from '../../api/queries.ts';
import { describeError, ErrorBox, Loading } from '../../components/states.tsx';
import { AlertsPanel } from './alerts-panel.tsx';

function useSettingsSave() {
  return useCommandMutation('settings.set', { invalidates: ['settings'] });
}

/** Settings: where the data lives, default time zone and date order, run retention. */
export function SettingsScreen() {
  const info = useCommand('app.info', {});
  const settings = useCommand('settings.get', {});
  // Owned here, not by the form: the form is re-created from the engine's answer after a save, and
  // the "Saved" confirmation (or the error) must survive that.
  const save = useSettingsSave();
  return (
    <div className="screen" data-testid="screen-settings">
      <header className="screen-head">
        <h1 className="screen-title">Settings</h1>
      </header>
      <section className="panel" aria-label="Application">
        {info.isPending ? (
          <Loading />
        ) : info.isError ? (
          <ErrorBox title="Cannot read app info" error={info.error} />
        ) : (
          <dl className="facts facts-wide">
            <dt>Data folder</dt>
            <dd className="mono" data-testid="data-dir">
              {info.data.dataDir}
            </dd>
            <dt>Version</dt>
            <dd>{info.data.version}</dd>
            <dt>Connected through</dt>
            <dd>{info.data.transport === 'electron' ? 'the desktop app' : 'the local browser host'}</dd>
          </dl>
        )}
      </section>
      {settings.isPending ? (
        <Loading label="Loading settings…" />
      ) : settings.isError ? (
        <ErrorBox title="Cannot read settings" error={settings.error} onRetry={() => settings.refetch()} />
      ) : (
        <SettingsForm key={JSON.stringify(settings.data)} initial={settings.data} save={save} />
      )}
      <AlertsPanel />
    </div>
  );
}

/** Which field an issue of `settings.set` is about (its control shows it, once). */
const FIELD_OF: Record<string, 'timeZone' | 'dateOrder' | 'keepRuns' | 'keepDays'> = {
  timeZone: 'timeZone',
  dateOrder: 'dateOrder',
  'retention.keepRuns': 'keepRuns',
  'retention.keepDays': 'keepDays',
};

function SettingsForm(props: { initial: SettingsViewDto; save: ReturnType<typeof useSettingsSave> }) {
  const id = useId();
  const { builtIn } = props.initial;
  // Empty: nothing saved, the built-in default applies (and the CLI does the same).
  const [timeZone, setTimeZone] = useState(props.initial.timeZone ?? '');
  const [dateOrder, setDateOrder] = useState<string>(props.initial.dateOrder ?? '');
  const [keepRuns, setKeepRuns] = useState(props.initial.retention.keepRuns?.toString() ?? '');
  const [keepDays, setKeepDays] = useState(props.initial.retention.keepDays?.toString() ?? '');
  const { save } = props;
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  }, []);
  const positive = (text: string) => (text.trim() === '' ? null : Number(text));
  const invalid = [keepRuns, keepDays].some(
    (t) => t.trim() !== '' && !(Number.isInteger(Number(t)) && Number(t) > 0),
  );
  // The engine's refusal, shown once: under the control it is about, or (if about none) in a box.
  const refusal = save.isError ? describeError(save.error) : null;
  const fieldErrors = new Map<string, string>();
  for (const issue of refusal?.issues ?? []) {
    const field = FIELD_OF[issue.path];
    if (field) fieldErrors.set(field, issue.message);
  }
  const edited = () => save.reset();

  return (
    <form
      className="panel"
      aria-label="Defaults and retention"
      data-testid="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          timeZone: timeZone.trim() === '' ? null : timeZone.trim(),
          dateOrder: dateOrder === '' ? null : (dateOrder as (typeof DATE_ORDERS)[number]),
          retention: { keepRuns: positive(keepRuns), keepDays: positive(keepDays) },
        });
      }}
    >
      <p className="hint">
        Previews, loads, saved jobs and the <code>loadstone</code> CLI (which reads this data folder) use
        these defaults wherever a job and its columns say nothing; a job’s own setting always wins.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-tz`}>Default time zone</label>
          <input
            id={`${id}-tz`}
            className="input mono"
            list={`${id}-zones`}
            value={timeZone}
            placeholder={`${builtIn.timeZone} (built-in)`}
            aria-invalid={fieldErrors.has('timeZone')}
            aria-describedby={`${id}-tz-hint`}
            onChange={(e) => {
              edited();
              setTimeZone(e.target.value);
            }}
            data-testid="settings-time-zone"
          />
          <datalist id={`${id}-zones`}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          {fieldErrors.has('timeZone') ? (
            <p className="field-error" role="alert" data-testid="settings-time-zone-error">
              ‘{timeZone}’ {fieldErrors.get('timeZone')}
            </p>
          ) : null}
          <p className="hint" id={`${id}-tz-hint`} data-testid="settings-time-zone-applies">
            For timestamps written without an offset.{' '}
            {props.initial.timeZone === null
              ? `Not set: the built-in ${builtIn.timeZone} applies.`
              : `Saved: ${props.initial.timeZone}. Empty it to go back to the built-in ${builtIn.timeZone}.`}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-order`}>Default date order</label>
          <select
            id={`${id}-order`}
            className="input"
            value={dateOrder}
            onChange={(e) => {
              edited();
              setDateOrder(e.target.value);
            }}
            data-testid="settings-date-order"
          >
            <option value="">Not set — built-in {builtIn.dateOrder}</option>
            {DATE_ORDERS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          {fieldErrors.has('dateOrder') ? (
            <p className="field-error" role="alert">
              {fieldErrors.get('dateOrder')}
            </p>
          ) : null}
          <p className="hint">How 05/03/2024 is read when a column’s values do not make it clear.</p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-runs`}>Keep the last N runs</label>
          <input
            id={`${id}-runs`}
            className="input input-small"
            inputMode="numeric"
            value={keepRuns}
            placeholder="all"
            onChange={(e) => {
              edited();
              setKeepRuns(e.target.value);
            }}
            data-testid="settings-keep-runs"
          />
          {fieldErrors.has('keepRuns') ? <p className="field-error">{fieldErrors.get('keepRuns')}</p> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-days`}>Keep runs for N days</label>
          <input
            id={`${id}-days`}
            className="input input-small"
            inputMode="numeric"
            value={keepDays}
            placeholder="forever"
            onChange={(e) => {
              edited();
              setKeepDays(e.target.value);
            }}
            data-testid="settings-keep-days"
          />
          {fieldErrors.has('keepDays') ? <p className="field-error">{fieldErrors.get('keepDays')}</p> : null}
        </div>
      </div>
      {invalid ? (
        <p className="field-error">Retention values must be whole numbers above 0, or empty.</p>
      ) : null}
      {save.isError && fieldErrors.size === 0 ? (
        <ErrorBox title="Could not save the settings" error={save.error} testId="settings-error" />
      ) : null}
      <div className="step-actions">
        {save.isSuccess ? (
          <span className="text-ok" role="status" data-testid="settings-saved">
            ✓ Saved
          </span>
        ) : null}
        <button
          type="submit"
          className="btn btn-primary"
          disabled={invalid || save.isPending}
          data-testid="settings-save"
        >
          Save settings
        </button>
      </div>
    </form>
  );
}

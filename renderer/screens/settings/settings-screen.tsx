import { useId, useMemo, useState } from 'react';
import type { SettingsDto } from '../../../core/common/contract/index.ts';
import { DATE_ORDERS } from '../../../core/common/spec/job-spec.ts';
import { useCommand, useCommandMutation } from '../../api/queries.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';

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
    </div>
  );
}

function SettingsForm(props: { initial: SettingsDto; save: ReturnType<typeof useSettingsSave> }) {
  const id = useId();
  const [timeZone, setTimeZone] = useState(props.initial.timeZone);
  const [dateOrder, setDateOrder] = useState(props.initial.dateOrder);
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

  return (
    <form
      className="panel"
      aria-label="Defaults and retention"
      data-testid="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          timeZone: timeZone.trim(),
          dateOrder,
          retention: { keepRuns: positive(keepRuns), keepDays: positive(keepDays) },
        });
      }}
    >
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-tz`}>Default time zone</label>
          <input
            id={`${id}-tz`}
            className="input mono"
            list={`${id}-zones`}
            value={timeZone}
            onChange={(e) => {
              save.reset();
              setTimeZone(e.target.value);
            }}
            data-testid="settings-time-zone"
          />
          <datalist id={`${id}-zones`}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <p className="hint">For timestamps written without an offset.</p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-order`}>Default date order</label>
          <select
            id={`${id}-order`}
            className="input"
            value={dateOrder}
            onChange={(e) => {
              save.reset();
              setDateOrder(e.target.value as SettingsDto['dateOrder']);
            }}
            data-testid="settings-date-order"
          >
            {DATE_ORDERS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <p className="hint">How 05/03/2024 is read when a file does not make it clear.</p>
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
              save.reset();
              setKeepRuns(e.target.value);
            }}
            data-testid="settings-keep-runs"
          />
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
              save.reset();
              setKeepDays(e.target.value);
            }}
            data-testid="settings-keep-days"
          />
        </div>
      </div>
      {invalid ? (
        <p className="field-error">Retention values must be whole numbers above 0, or empty.</p>
      ) : null}
      {save.isError ? (
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

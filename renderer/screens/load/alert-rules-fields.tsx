import { useId } from 'react';
import {
  ALERT_TRIGGERS,
  type AlertRules,
  type AlertTrigger,
  DEFAULT_ALERT_TRIGGERS,
} from '../../../core/common/alerts/rules.ts';
import { useCommand } from '../../api/queries.ts';
import { href } from '../../router.ts';

const TRIGGER_LABELS: Record<AlertTrigger, string> = {
  failure: 'fails',
  threshold: 'is aborted by the error threshold',
  warning: 'passes the warning rate',
  success: 'succeeds',
  interrupted: 'is found interrupted',
  schedule: 'misses or overruns its schedule',
};

/** The job's alert rule on the target step: which channels, when, and the warning rate. */
export function AlertRulesFields(props: {
  value: AlertRules | null;
  maxErrorRate: number;
  onChange: (value: AlertRules | null) => void;
}) {
  const id = useId();
  const list = useCommand('alerts.list', {});
  const channels = list.data?.channels ?? [];
  const rule = props.value;
  const chosen = rule?.channels ?? [];
  const on = rule?.on ?? [...DEFAULT_ALERT_TRIGGERS];
  const update = (patch: Partial<AlertRules>) => {
    const next: AlertRules = {
      channels: chosen,
      on,
      ...(rule?.warnErrorRate !== undefined ? { warnErrorRate: rule.warnErrorRate } : {}),
      ...patch,
    };
    props.onChange(next.channels.length === 0 ? null : next);
  };
  const toggle = <T,>(list: readonly T[], item: T) =>
    list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
  const warnPct =
    rule?.warnErrorRate === undefined ? '' : String(Math.round(rule.warnErrorRate * 10_000) / 100);
  const warnTooHigh = rule?.warnErrorRate !== undefined && rule.warnErrorRate >= props.maxErrorRate;
  return (
    <fieldset className="field" data-testid="target-alerts">
      <legend>Alerts</legend>
      {channels.length === 0 ? (
        <p className="hint">
          No alert channels. Add one in <a href={href({ name: 'settings' })}>Settings → Alerts</a>.
        </p>
      ) : (
        <>
          <div>
            {channels.map((c) => (
              <label key={c.name} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(c.name)}
                  onChange={() => update({ channels: toggle(chosen, c.name) })}
                  data-testid={`target-alert-${c.name}`}
                />{' '}
                {c.name}
              </label>
            ))}
          </div>
          {chosen.length === 0 ? (
            <p className="hint">
              {list.data?.defaults
                ? `None chosen: the default rule in Settings applies (${list.data.defaults.channels.join(', ')}).`
                : 'None chosen: this job sends no alerts.'}
            </p>
          ) : (
            <>
              <div>
                <span className="hint">When the run </span>
                {ALERT_TRIGGERS.map((t) => (
                  <label key={t} className="check">
                    <input
                      type="checkbox"
                      checked={on.includes(t)}
                      onChange={() => {
                        const next = toggle(on, t);
                        if (next.length > 0) update({ on: next });
                      }}
                      data-testid={`target-alert-on-${t}`}
                    />{' '}
                    {TRIGGER_LABELS[t]}
                  </label>
                ))}
              </div>
              <label htmlFor={`${id}-warn`}>Warning rate (%)</label>
              <input
                id={`${id}-warn`}
                className="input input-small"
                type="number"
                min={0}
                max={100}
                step={0.1}
                value={warnPct}
                placeholder="0.5"
                aria-invalid={warnTooHigh}
                onChange={(e) => {
                  const text = e.target.value.trim();
                  const pct = Number(text);
                  if (text === '') props.onChange({ channels: chosen, on });
                  else if (Number.isFinite(pct) && pct >= 0 && pct <= 100)
                    update({ warnErrorRate: pct / 100 });
                }}
                data-testid="target-alert-warn-rate"
              />
              {warnTooHigh ? (
                <p className="field-error" role="alert">
                  The warning rate must be below the maximum error rate, or the load aborts before it warns.
                </p>
              ) : (
                <p className="hint">A loaded run with more rejected rows than this sends a warning.</p>
              )}
            </>
          )}
        </>
      )}
    </fieldset>
  );
}

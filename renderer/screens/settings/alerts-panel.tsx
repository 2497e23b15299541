import { useId, useState } from 'react';
import {
  ALERT_CHANNEL_KINDS,
  ALERT_TRIGGERS,
  type AlertChannelKind,
  type AlertRules,
  type AlertTrigger,
  DEFAULT_ALERT_TRIGGERS,
} from '../../../core/common/alerts/rules.ts';
import type { AlertChannelDto } from '../../../core/common/contract/alert-schemas.ts';
import { useCommand, useCommandMutation } from '../../api/queries.ts';
import { ErrorBox, Loading } from '../../components/states.tsx';

const KIND_LABELS: Record<AlertChannelKind, string> = {
  webhook: 'Webhook (signed JSON)',
  slack: 'Slack incoming webhook',
  telegram: 'Telegram bot',
  desktop: 'Desktop notification',
  email: 'E-mail (SMTP)',
};

/** Settings → Alerts: channels (add, edit, test, delete) and the rule for jobs without their own. */
export function AlertsPanel() {
  const list = useCommand('alerts.list', {});
  const [editing, setEditing] = useState<AlertChannelDto | 'new' | null>(null);
  return (
    <section className="panel" aria-label="Alerts" data-testid="settings-alerts">
      <h2 className="panel-title">Alerts</h2>
      <p className="hint">
        Messages when a run fails, is aborted by its error threshold, passes its warning rate, or is found
        interrupted. Secrets are saved encrypted and never shown again. No cell value is sent unless a channel
        includes a sample.
      </p>
      {list.isPending ? (
        <Loading label="Loading alert channels…" />
      ) : list.isError ? (
        <ErrorBox title="Cannot read alert channels" error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <>
          <ChannelList channels={list.data.channels} onEdit={setEditing} />
          {editing ? (
            <ChannelForm
              key={editing === 'new' ? 'new' : editing.name}
              initial={editing === 'new' ? null : editing}
              onDone={() => setEditing(null)}
            />
          ) : (
            <div className="step-actions">
              <button type="button" className="btn" onClick={() => setEditing('new')} data-testid="alert-add">
                Add a channel
              </button>
            </div>
          )}
          <DefaultRule
            key={JSON.stringify(list.data.defaults)}
            channels={list.data.channels.map((c) => c.name)}
            initial={list.data.defaults}
          />
        </>
      )}
    </section>
  );
}

function ChannelList(props: { channels: AlertChannelDto[]; onEdit: (c: AlertChannelDto) => void }) {
  const test = useCommandMutation('alerts.test');
  const remove = useCommandMutation('alerts.delete', { invalidates: ['alerts'] });
  if (props.channels.length === 0) return <p className="hint">No alert channels yet.</p>;
  return (
    <>
      <table className="grid" data-testid="alert-channels">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Where</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.channels.map((c) => (
            <tr key={c.name} data-testid={`alert-channel-${c.name}`}>
              <td className="mono">{c.name}</td>
              <td>{KIND_LABELS[c.kind]}</td>
              <td className="mono">{where(c)}</td>
              <td>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => test.mutate({ name: c.name })}
                  disabled={test.isPending}
                  data-testid={`alert-test-${c.name}`}
                >
                  Test
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => props.onEdit(c)}
                  data-testid={`alert-edit-${c.name}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => remove.mutate({ name: c.name })}
                  data-testid={`alert-delete-${c.name}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {test.isPending ? <p className="hint">Sending a test message…</p> : null}
      {test.isSuccess ? (
        <p
          className={test.data.status === 'sent' ? 'text-ok' : 'field-error'}
          role="status"
          data-testid="alert-test-result"
          data-ok={test.data.status === 'sent'}
        >
          {test.data.status === 'sent'
            ? `✓ Sent to ${test.data.channel}: ${test.data.answer ?? ''}`
            : `Not delivered to ${test.data.channel} after ${test.data.attempts} attempt(s): ${test.data.lastError ?? test.data.status}`}
        </p>
      ) : null}
      {test.isError ? <ErrorBox title="Could not test the channel" error={test.error} /> : null}
      {remove.isError ? <ErrorBox title="Could not delete the channel" error={remove.error} /> : null}
    </>
  );
}

function where(c: AlertChannelDto): string {
  const secret = c.hasSavedSecret ? ' (secret saved)' : '';
  switch (c.kind) {
    case 'webhook':
      return `${c.url ?? ''}${secret}${c.secretEnv ? ` (secret from $${c.secretEnv})` : ''}`;
    case 'slack':
      return c.webhookUrlEnv
        ? `URL from $${c.webhookUrlEnv}`
        : `URL saved${c.hasSavedSecret ? '' : ': missing'}`;
    case 'telegram':
      return `chat ${c.chatId ?? '?'}${c.apiBase ? ` via ${c.apiBase}` : ''}${c.tokenEnv ? ` (token from $${c.tokenEnv})` : secret}`;
    case 'email':
      return `to ${c.to ?? '?'}${c.smtpUrlEnv ? ` (SMTP URL from $${c.smtpUrlEnv})` : secret}`;
    case 'desktop':
      return 'this computer';
  }
}

function ChannelForm(props: { initial: AlertChannelDto | null; onDone: () => void }) {
  const id = useId();
  const init = props.initial;
  const [kind, setKind] = useState<AlertChannelKind>(init?.kind ?? 'webhook');
  const [name, setName] = useState(init?.name ?? '');
  const [url, setUrl] = useState(init?.url ?? '');
  const [chatId, setChatId] = useState(init?.chatId ?? '');
  const [apiBase, setApiBase] = useState(init?.apiBase ?? '');
  const [to, setTo] = useState(init?.to ?? '');
  const [from, setFrom] = useState(init?.from ?? '');
  const [secret, setSecret] = useState('');
  const [includeSample, setIncludeSample] = useState(init?.includeSample ?? false);
  const save = useCommandMutation('alerts.save', { invalidates: ['alerts'], onSuccess: props.onDone });
  const kept = init?.hasSavedSecret ? 'saved: leave empty to keep' : '';
  const SECRET_LABELS: Record<AlertChannelKind, string> = {
    webhook: 'Signing secret (whsec_…)',
    slack: 'Incoming webhook URL',
    telegram: 'Bot token',
    email: 'SMTP URL (smtps://user:password@host:465)',
    desktop: '',
  };
  const SECRET_FIELDS = {
    webhook: 'secret',
    slack: 'webhookUrl',
    telegram: 'token',
    email: 'smtpUrl',
    desktop: '',
  };
  const secretLabel = SECRET_LABELS[kind];
  return (
    <form
      className="panel-inner"
      aria-label={init ? `Edit ${init.name}` : 'New alert channel'}
      data-testid="alert-form"
      onSubmit={(e) => {
        e.preventDefault();
        const secretField = SECRET_FIELDS[kind];
        save.mutate({
          ...(init ? { previousName: init.name } : {}),
          name: name.trim(),
          kind,
          includeSample,
          ...(kind === 'webhook' && url ? { url: url.trim() } : {}),
          ...(kind === 'telegram' && chatId ? { chatId: chatId.trim() } : {}),
          ...(kind === 'telegram' && apiBase ? { apiBase: apiBase.trim() } : {}),
          ...(kind === 'email' && to ? { to: to.trim() } : {}),
          ...(kind === 'email' && from ? { from: from.trim() } : {}),
          ...(kind !== 'desktop' && secret ? { [secretField]: secret } : {}),
        });
      }}
    >
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select
            id={`${id}-kind`}
            className="input"
            value={kind}
            onChange={(e) => setKind(e.target.value as AlertChannelKind)}
            data-testid="alert-kind"
          >
            {ALERT_CHANNEL_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            className="input mono"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="alert-name"
          />
        </div>
        {kind === 'webhook' ? (
          <div className="field">
            <label htmlFor={`${id}-url`}>URL</label>
            <input
              id={`${id}-url`}
              className="input mono"
              value={url}
              placeholder="https://example.com/loadstone"
              onChange={(e) => setUrl(e.target.value)}
              data-testid="alert-url"
            />
          </div>
        ) : null}
        {kind === 'telegram' ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-chat`}>Chat id</label>
              <input
                id={`${id}-chat`}
                className="input mono"
                value={chatId}
                onChange={(e) => setChatId(e.target.value)}
                data-testid="alert-chat-id"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-api`}>Bot API base (optional)</label>
              <input
                id={`${id}-api`}
                className="input mono"
                value={apiBase}
                placeholder="https://api.telegram.org"
                onChange={(e) => setApiBase(e.target.value)}
                data-testid="alert-api-base"
              />
            </div>
          </>
        ) : null}
        {kind === 'email' ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-to`}>To (comma-separated)</label>
              <input
                id={`${id}-to`}
                className="input mono"
                value={to}
                onChange={(e) => setTo(e.target.value)}
                data-testid="alert-to"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-from`}>From (optional)</label>
              <input
                id={`${id}-from`}
                className="input mono"
                value={from}
                placeholder="loadstone@localhost"
                onChange={(e) => setFrom(e.target.value)}
                data-testid="alert-from"
              />
            </div>
          </>
        ) : null}
        {kind !== 'desktop' ? (
          <div className="field">
            <label htmlFor={`${id}-secret`}>{secretLabel}</label>
            <input
              id={`${id}-secret`}
              className="input mono"
              type="password"
              autoComplete="off"
              value={secret}
              placeholder={kept}
              onChange={(e) => setSecret(e.target.value)}
              data-testid="alert-secret"
            />
          </div>
        ) : null}
        <div className="field">
          <label>
            <input
              type="checkbox"
              checked={includeSample}
              onChange={(e) => setIncludeSample(e.target.checked)}
              data-testid="alert-include-sample"
            />{' '}
            Include one example value per reason (sends cell values)
          </label>
        </div>
      </div>
      {save.isError ? (
        <ErrorBox title="Could not save the channel" error={save.error} testId="alert-save-error" />
      ) : null}
      <div className="step-actions">
        <button type="button" className="btn btn-ghost" onClick={props.onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="alert-save">
          Save channel
        </button>
      </div>
    </form>
  );
}

/** The rule for jobs without their own alerts. */
function DefaultRule(props: { channels: string[]; initial: AlertRules | null }) {
  const id = useId();
  const [chosen, setChosen] = useState<string[]>(props.initial?.channels ?? []);
  const [on, setOn] = useState<AlertTrigger[]>(props.initial?.on ?? [...DEFAULT_ALERT_TRIGGERS]);
  const [warn, setWarn] = useState(props.initial?.warnErrorRate?.toString() ?? '');
  const save = useCommandMutation('alerts.setDefaults', { invalidates: ['alerts'] });
  const toggle = <T,>(list: T[], item: T) =>
    list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
  if (props.channels.length === 0) return null;
  return (
    <form
      className="panel-inner"
      aria-label="Default alert rule"
      data-testid="alert-defaults"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          rules:
            chosen.length === 0
              ? null
              : { channels: chosen, on, ...(warn.trim() ? { warnErrorRate: Number(warn) } : {}) },
        });
      }}
    >
      <h3>For jobs without their own alert rule</h3>
      <fieldset className="field">
        <legend>Channels</legend>
        {props.channels.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(c)}
              onChange={() => setChosen(toggle(chosen, c))}
            />{' '}
            {c}
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>When</legend>
        {ALERT_TRIGGERS.map((t) => (
          <label key={t} className="check">
            <input type="checkbox" checked={on.includes(t)} onChange={() => setOn(toggle(on, t))} /> {t}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-warn`}>Warn above this share of rejected rows</label>
        <input
          id={`${id}-warn`}
          className="input input-small"
          inputMode="decimal"
          value={warn}
          placeholder="0.005"
          onChange={(e) => setWarn(e.target.value)}
        />
      </div>
      {save.isError ? <ErrorBox title="Could not save the rule" error={save.error} /> : null}
      <div className="step-actions">
        {save.isSuccess ? (
          <span className="text-ok" role="status">
            ✓ Saved
          </span>
        ) : null}
        <button type="submit" className="btn" disabled={save.isPending}>
          Save the default rule
        </button>
      </div>
    </form>
  );
}

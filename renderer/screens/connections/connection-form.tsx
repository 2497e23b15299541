import { useEffect, useId, useRef, useState } from 'react';
import type { CommandInput, ConnectionDto } from '../../../core/common/contract/index.ts';
import { useCommandMutation } from '../../api/queries.ts';
import { ErrorBox } from '../../components/states.tsx';
import { type OptionFields, optionProblems, optionsInput } from './connection-options.ts';
import { ConnectionOptionsFields } from './connection-options-fields.tsx';
import { connectionUrl, fieldsFromUrl, fieldsOf, urlText } from './connection-url.ts';

type SaveInput = CommandInput<'connections.save'>;
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
/**
 * The server a Test reached, in words: a PostgreSQL server answers its bare version (`18.4`), a
 * MySQL one its product and version (`MariaDB 10.11.19`).
 */
export function serverText(version: string | null): string {
  return version && /^\d/.test(version) ? `PostgreSQL ${version}` : (version ?? 'the server');
}

/**
 * Why the Port field cannot be sent, in the control's words (null when it can): the engine would
 * refuse it as "expected number, received null".
 */
export function portText(port: string): string | null {
  const text = port.trim();
  if (text === '') return 'Port: enter the port the server listens on (PostgreSQL 5432, MySQL 3306)';
  if (!/^\d+$/.test(text)) return `Port: '${text}' is not a whole number`;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? null : `Port: ${text} is not a port (1 to 65535)`;
}

/** What a MySQL connection takes (mysql2 has no "prefer" and no CA-only check): the engine refuses the rest. */
const MYSQL_SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/**
 * Adds or edits a PostgreSQL or MySQL/MariaDB connection, by fields or by URL. Editing shows the
 * connection as saved in both (the URL box holds its URL, without a password); switching between
 * them carries what was typed across. The password is write-only: it is never shown, and leaving it
 * empty keeps the saved one. The focus goes to the form's first field when it opens.
 */
export function ConnectionForm(props: {
  existing: ConnectionDto | null;
  onDone: (name: string, test: boolean) => void;
  onCancel: () => void;
}) {
  const e = props.existing;
  const id = useId();
  const [byUrl, setByUrl] = useState(false);
  const [kind, setKind] = useState<ConnectionDto['kind']>(e?.kind ?? 'postgres');
  const [name, setName] = useState(e?.name ?? '');
  const [url, setUrl] = useState(e ? connectionUrl(fieldsOf(e)) : '');
  const [host, setHost] = useState(e?.host ?? 'localhost');
  const [port, setPort] = useState(String(e?.port ?? 5432));
  const [database, setDatabase] = useState(e?.database ?? '');
  const [user, setUser] = useState(e?.user ?? '');
  const [password, setPassword] = useState('');
  const [sslMode, setSslMode] = useState<(typeof SSL_MODES)[number]>(
    (SSL_MODES as readonly string[]).includes(e?.sslMode ?? '')
      ? (e?.sslMode as (typeof SSL_MODES)[number])
      : 'prefer',
  );
  // A PostgreSQL connection's options (CA file, application name, connect timeout), as saved.
  const [options, setOptions] = useState<OptionFields>(() => {
    const f = e ? fieldsOf(e) : null;
    return {
      sslRootCert: f?.sslRootCert ?? '',
      applicationName: f?.applicationName ?? '',
      connectTimeout: f?.connectTimeout ?? '',
    };
  });
  const [andTest, setAndTest] = useState(true);
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);
  const save = useCommandMutation('connections.save', {
    invalidates: ['connections'],
    onSuccess: (c) => props.onDone(c.name, andTest),
  });

  const test = useCommandMutation('connections.test');

  /** The form as `connections.save` takes it (and `connections.test`, before saving). */
  const formInput = (): SaveInput => {
    const input: SaveInput = { name: name.trim() };
    // Editing always names the connection being edited (a new name renames it); without it the
    // engine treats the save as a new connection and refuses an existing name. A test of the form
    // uses that connection's saved password when none is typed.
    if (e) input.previousName = e.name;
    if (byUrl)
      input.url = url.trim(); // the URL's scheme says the kind
    else {
      input.kind = kind;
      input.host = host.trim();
      input.port = Number(port);
      input.database = database.trim();
      input.user = user.trim();
      input.sslMode = sslMode;
      // Every option the fields hold, so one emptied is dropped (MySQL has none).
      if (kind === 'postgres') input.options = optionsInput(options);
    }
    if (password) input.password = password;
    return input;
  };
  const submit = () => {
    if (problem === null) save.mutate(formInput());
  };
  const portProblem = byUrl ? null : portText(port);
  const urlProblem = byUrl ? urlText(url) : null;
  const optionProblem =
    byUrl || kind !== 'postgres'
      ? null
      : (Object.values(optionProblems(options, sslMode)).find((p) => p !== null) ?? null);
  const problem = portProblem ?? urlProblem ?? optionProblem;
  const edited = () => test.reset();

  /** To the URL box: the fields as a URL, unless the URL there already says what they say. */
  const showUrl = () => {
    const fields = { kind, host, port, database, user, sslMode, ...options };
    const typed = fieldsFromUrl(url);
    // A URL typed before stays as typed when it says what the fields say (its parameters in its own order).
    if (!typed || connectionUrl(typed.fields) !== connectionUrl(fields)) setUrl(connectionUrl(fields));
    setByUrl(true);
    edited();
  };
  /** To the fields: what the URL box holds, its password into the password box. */
  const showFields = () => {
    const typed = fieldsFromUrl(url);
    if (typed) {
      const f = typed.fields;
      setKind(f.kind);
      setHost(f.host);
      setPort(f.port);
      setDatabase(f.database);
      setUser(f.user);
      const modes: readonly string[] = f.kind === 'mysql' ? MYSQL_SSL_MODES : SSL_MODES;
      if (modes.includes(f.sslMode)) setSslMode(f.sslMode as (typeof SSL_MODES)[number]);
      setOptions({
        sslRootCert: f.sslRootCert,
        applicationName: f.applicationName,
        connectTimeout: f.connectTimeout,
      });
      if (typed.password && !password) setPassword(typed.password);
    }
    setByUrl(false);
    edited();
  };

  return (
    <form
      className="panel connection-form"
      aria-labelledby={`${id}-title`}
      data-testid="connection-form"
      onSubmit={(ev) => {
        ev.preventDefault();
        submit();
      }}
    >
      <div className="panel-head">
        <h2 id={`${id}-title`} className="panel-title">
          {e ? `Edit connection ${e.name}` : 'Add a connection'}
        </h2>
        {byUrl ? null : (
          <fieldset className="segmented" aria-label="Database">
            {(
              [
                ['postgres', 'PostgreSQL', '5432'],
                ['mysql', 'MySQL / MariaDB', '3306'],
              ] as const
            ).map(([k, label, defaultPort]) => (
              <label key={k} className={kind === k ? 'seg seg-on' : 'seg'}>
                <input
                  type="radio"
                  name={`${id}-kind`}
                  checked={kind === k}
                  onChange={() => {
                    // The other kind's default port follows the kind; a port typed by hand stays.
                    if (port === (k === 'mysql' ? '5432' : '3306')) setPort(defaultPort);
                    // MySQL has no "prefer" (try TLS, fall back): its nearest is no TLS; verify-ca → verify-full.
                    if (k === 'mysql' && sslMode === 'prefer') setSslMode('disable');
                    if (k === 'mysql' && sslMode === 'verify-ca') setSslMode('verify-full');
                    setKind(k);
                    edited();
                  }}
                  data-testid={`conn-kind-${k}`}
                />
                {label}
              </label>
            ))}
          </fieldset>
        )}
        <fieldset className="segmented" aria-label="Enter as">
          <label className={byUrl ? 'seg' : 'seg seg-on'}>
            <input
              type="radio"
              name={`${id}-by`}
              checked={!byUrl}
              onChange={showFields}
              data-testid="conn-by-fields"
            />
            Fields
          </label>
          <label className={byUrl ? 'seg seg-on' : 'seg'}>
            <input
              type="radio"
              name={`${id}-by`}
              checked={byUrl}
              onChange={showUrl}
              data-testid="conn-by-url"
            />
            URL
          </label>
        </fieldset>
      </div>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            ref={nameRef}
            id={`${id}-name`}
            className="input mono"
            value={name}
            required
            onChange={(ev) => setName(ev.target.value)}
            placeholder="warehouse"
            data-testid="conn-name"
          />
        </div>
        {byUrl ? (
          <div className="field span-2">
            <label htmlFor={`${id}-url`}>URL</label>
            <input
              id={`${id}-url`}
              className="input mono"
              value={url}
              aria-invalid={urlProblem !== null}
              aria-describedby={urlProblem ? `${id}-url-err` : undefined}
              onChange={(ev) => {
                edited();
                setUrl(ev.target.value);
              }}
              placeholder="postgres://user@host:5432/db?sslmode=require or mysql://user@host:3306/db"
              spellCheck={false}
              data-testid="conn-url"
            />
            {urlProblem ? (
              <p id={`${id}-url-err`} className="field-error" role="alert" data-testid="conn-url-error">
                {urlProblem}
              </p>
            ) : null}
            <p className="hint">
              A password in the URL is stored as the secret and never shown again
              {e?.hasSecret ? '; without one, the saved password is kept' : ''}.
            </p>
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-host`}>Host</label>
              <input
                id={`${id}-host`}
                className="input mono"
                value={host}
                onChange={(ev) => {
                  edited();
                  setHost(ev.target.value);
                }}
                data-testid="conn-host"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-port`}>Port</label>
              <input
                id={`${id}-port`}
                className="input mono input-small"
                inputMode="numeric"
                aria-invalid={portProblem !== null}
                aria-describedby={portProblem ? `${id}-port-err` : undefined}
                value={port}
                onChange={(ev) => {
                  edited();
                  setPort(ev.target.value);
                }}
                data-testid="conn-port"
              />
              {portProblem ? (
                <p id={`${id}-port-err`} className="field-error" role="alert" data-testid="conn-port-error">
                  {portProblem}
                </p>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor={`${id}-db`}>Database</label>
              <input
                id={`${id}-db`}
                className="input mono"
                value={database}
                onChange={(ev) => {
                  edited();
                  setDatabase(ev.target.value);
                }}
                data-testid="conn-database"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-user`}>User</label>
              <input
                id={`${id}-user`}
                className="input mono"
                value={user}
                autoComplete="off"
                onChange={(ev) => {
                  edited();
                  setUser(ev.target.value);
                }}
                data-testid="conn-user"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-ssl`}>SSL mode</label>
              <select
                id={`${id}-ssl`}
                className="input"
                value={sslMode}
                onChange={(ev) => {
                  edited();
                  setSslMode(ev.target.value as (typeof SSL_MODES)[number]);
                }}
                data-testid="conn-ssl"
              >
                {(kind === 'mysql' ? MYSQL_SSL_MODES : SSL_MODES).map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </div>
            {kind === 'postgres' ? (
              <ConnectionOptionsFields
                id={id}
                sslMode={sslMode}
                value={options}
                onChange={(patch) => {
                  edited();
                  setOptions((o) => ({ ...o, ...patch }));
                }}
              />
            ) : null}
          </>
        )}
        <div className="field">
          <label htmlFor={`${id}-pw`}>Password</label>
          <input
            id={`${id}-pw`}
            className="input mono"
            type="password"
            value={password}
            autoComplete="new-password"
            onChange={(ev) => {
              edited();
              setPassword(ev.target.value);
            }}
            placeholder={e?.hasSecret ? 'saved — leave empty to keep' : ''}
            data-testid="conn-password"
          />
        </div>
      </div>
      {save.isError ? (
        <ErrorBox title="Could not save the connection" error={save.error} testId="conn-save-error" />
      ) : null}
      {test.isSuccess ? (
        test.data.ok ? (
          <p className="text-ok" data-testid="form-test-result" data-ok="true" role="status">
            ✓ {serverText(test.data.serverVersion)},{' '}
            {test.data.tls ? `encrypted (${test.data.tls})` : 'not encrypted'} — not saved yet
          </p>
        ) : (
          <p className="text-bad" data-testid="form-test-result" data-ok="false" role="alert">
            ✗ {test.data.error}
          </p>
        )
      ) : null}
      {test.isError ? <ErrorBox title="Cannot test" error={test.error} testId="form-test-error" /> : null}
      <div className="step-actions">
        <label className="check">
          <input type="checkbox" checked={andTest} onChange={(ev) => setAndTest(ev.target.checked)} />
          Test after saving
        </label>
        <span className="spacer" />
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="btn"
          disabled={test.isPending || problem !== null}
          onClick={() => {
            const { name: _name, ...draft } = formInput();
            test.mutate({ draft: name.trim() ? { ...draft, name: name.trim() } : draft });
          }}
          data-testid="conn-test"
        >
          {test.isPending ? 'Testing…' : 'Test'}
        </button>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={save.isPending || problem !== null}
          data-testid="conn-save"
        >
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

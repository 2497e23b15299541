import { CA_SSL_MODES, type OptionFields, optionProblems } from './connection-options.ts';

/**
 * A PostgreSQL connection's options in the form's Fields mode: the CA certificate file (in the SSL
 * modes that use one), the application name and the connect timeout, each with its problem under it.
 */
export function ConnectionOptionsFields(props: {
  id: string;
  sslMode: string;
  value: OptionFields;
  onChange: (patch: Partial<OptionFields>) => void;
}) {
  const { id, sslMode, value, onChange } = props;
  const problems = optionProblems(value, sslMode);
  const field = (
    key: keyof OptionFields,
    label: string,
    testId: string,
    extra: { placeholder?: string; hint?: string; small?: boolean; numeric?: boolean },
  ) => {
    const problem = problems[key];
    return (
      <div className={extra.small ? 'field' : 'field span-2'}>
        <label htmlFor={`${id}-${key}`}>{label}</label>
        <input
          id={`${id}-${key}`}
          className={extra.small ? 'input mono input-small' : 'input mono'}
          value={value[key]}
          inputMode={extra.numeric ? 'numeric' : undefined}
          spellCheck={false}
          placeholder={extra.placeholder}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-${key}-err` : undefined}
          onChange={(ev) => onChange({ [key]: ev.target.value })}
          data-testid={testId}
        />
        {problem ? (
          <p id={`${id}-${key}-err`} className="field-error" role="alert" data-testid={`${testId}-error`}>
            {problem}
          </p>
        ) : extra.hint ? (
          <p className="hint">{extra.hint}</p>
        ) : null}
      </div>
    );
  };
  return (
    <>
      {CA_SSL_MODES.includes(sslMode)
        ? field('sslRootCert', 'CA certificate file', 'conn-sslrootcert', {
            placeholder: '/etc/ssl/certs/db-ca.pem',
            hint:
              sslMode === 'require'
                ? "Optional: with one, the server's certificate is checked against it (not its host name)."
                : "Optional: the server's certificate is checked against this CA (system: the system's CAs).",
          })
        : null}
      {field('applicationName', 'Application name', 'conn-application-name', {
        placeholder: 'loadstone',
        hint: 'What the server shows for the session (pg_stat_activity).',
      })}
      {field('connectTimeout', 'Connect timeout (s)', 'conn-connect-timeout', {
        small: true,
        numeric: true,
        hint: 'Empty or 0: the default, 15 s.',
      })}
    </>
  );
}

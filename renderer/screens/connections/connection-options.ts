import type { CommandInput } from '../../../core/common/contract/index.ts';

/** What `connections.save` takes as a PostgreSQL connection's options. */
export type OptionsInput = NonNullable<CommandInput<'connections.save'>['options']>;

/** The SSL modes that use a CA certificate file (`require` checks the chain only when one is given). */
export const CA_SSL_MODES: readonly string[] = ['require', 'verify-ca', 'verify-full'];

/** The longest application name the server keeps whole (NAMEDATALEN - 1 bytes). */
const APPLICATION_NAME_MAX = 63;
/** The longest timeout a Node timer can hold, in seconds. */
const CONNECT_TIMEOUT_MAX = 2_147_483;

/** What the three option fields hold, as typed. */
export interface OptionFields {
  sslRootCert: string;
  applicationName: string;
  connectTimeout: string;
}

/**
 * Why the CA certificate file field cannot be sent, in the control's words (null when it can): the
 * engine reads the file where it runs, so a relative path would be read from wherever that is.
 */
export function caFileText(text: string): string | null {
  const path = text.trim();
  if (path === '' || path === 'system') return null;
  if (path.includes('-----BEGIN') || /[\r\n]/.test(path)) {
    return 'CA certificate file: give the path of the certificate file, not its text';
  }
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path)) {
    return `CA certificate file: '${path}' is not a full path (such as /etc/ssl/certs/db-ca.pem); or write system for the system's CAs`;
  }
  return null;
}

/**
 * Why the Application name field cannot be sent (null when it can): the server shows only printable
 * ASCII and cuts the name at 63 bytes, so the session would not be found under the name typed.
 */
export function applicationNameText(text: string): string | null {
  const name = text.trim();
  const odd = /[^\x20-\x7e]/.exec(name);
  if (odd) {
    return `Application name: '${odd[0]}' is not a printable ASCII character (the server would show it escaped)`;
  }
  if (name.length > APPLICATION_NAME_MAX) {
    return `Application name: at most ${APPLICATION_NAME_MAX} characters (this one has ${name.length}; the server cuts the rest)`;
  }
  return null;
}

/** Why the Connect timeout field cannot be sent (null when it can: empty, or whole seconds). */
export function connectTimeoutText(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return `Connect timeout (s): '${t}' is not a whole number of seconds`;
  if (Number(t) > CONNECT_TIMEOUT_MAX) {
    return `Connect timeout (s): ${t} is too long (at most ${CONNECT_TIMEOUT_MAX.toLocaleString('en-US')} seconds)`;
  }
  return null;
}

/** Each field's problem, by field; a CA file counts only in the SSL modes that show it. */
export function optionProblems(
  fields: OptionFields,
  sslMode: string,
): { sslRootCert: string | null; applicationName: string | null; connectTimeout: string | null } {
  return {
    sslRootCert: CA_SSL_MODES.includes(sslMode) ? caFileText(fields.sslRootCert) : null,
    applicationName: applicationNameText(fields.applicationName),
    connectTimeout: connectTimeoutText(fields.connectTimeout),
  };
}

/**
 * The fields as `connections.save` takes them: every option the form holds, so one emptied is
 * dropped. The CA file is kept in the SSL modes that hide its field (nothing reads it there, and a
 * move to `disable` and back should not lose it without a word); it is checked only where shown.
 */
export function optionsInput(fields: OptionFields): OptionsInput {
  const out: OptionsInput = {};
  const ca = fields.sslRootCert.trim();
  if (ca) out.sslRootCert = ca;
  const name = fields.applicationName.trim();
  if (name) out.applicationName = name;
  const timeout = fields.connectTimeout.trim();
  if (timeout) out.connectTimeoutSeconds = Number(timeout);
  return out;
}

import { describe, expect, it } from 'vitest';
import {
  applicationNameText,
  caFileText,
  connectTimeoutText,
  optionProblems,
  optionsInput,
} from './connection-options.ts';

describe('option fields', () => {
  it('takes a full CA file path or system, and names anything else by its control', () => {
    for (const ok of [
      '',
      '/etc/ssl/certs/ca.pem',
      'C:\\certs\\ca.pem',
      '\\\\server\\share\\ca.pem',
      'system',
    ]) {
      expect(caFileText(ok)).toBeNull();
    }
    expect(caFileText('certs/ca.pem')).toMatch(/^CA certificate file: 'certs\/ca.pem' is not a full path/);
    expect(caFileText('-----BEGIN CERTIFICATE-----\nMIIB')).toMatch(/^CA certificate file: give the path/);
  });

  it('takes an application name the server keeps as typed', () => {
    expect(applicationNameText('nightly etl')).toBeNull();
    expect(applicationNameText('x'.repeat(64))).toMatch(
      /^Application name: at most 63 characters \(this one has 64/,
    );
    expect(applicationNameText('café')).toMatch(/^Application name: 'é' is not a printable ASCII character/);
  });

  it('takes whole seconds for the connect timeout', () => {
    expect(connectTimeoutText('')).toBeNull();
    expect(connectTimeoutText(' 10 ')).toBeNull();
    expect(connectTimeoutText('1.5')).toBe("Connect timeout (s): '1.5' is not a whole number of seconds");
    expect(connectTimeoutText('abc')).toBe("Connect timeout (s): 'abc' is not a whole number of seconds");
    expect(connectTimeoutText('9999999')).toMatch(/^Connect timeout \(s\): 9999999 is too long/);
  });

  it('checks the CA file only in the SSL modes that show it, and sends what the fields hold', () => {
    const fields = { sslRootCert: 'ca.pem', applicationName: ' etl ', connectTimeout: '7' };
    expect(optionProblems(fields, 'prefer').sslRootCert).toBeNull();
    expect(optionProblems(fields, 'verify-full').sslRootCert).toMatch(/not a full path/);
    expect(optionsInput({ ...fields, sslRootCert: '/ca.pem' })).toEqual({
      sslRootCert: '/ca.pem',
      applicationName: 'etl',
      connectTimeoutSeconds: 7,
    });
    // Emptied fields send no option: the save drops the saved ones.
    expect(optionsInput({ sslRootCert: ' ', applicationName: '', connectTimeout: '' })).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { portText, serverText } from './connection-form.tsx';

describe('the server a connection test reached', () => {
  it('names PostgreSQL before its bare version; a MySQL server names itself', () => {
    expect(serverText('18.4')).toBe('PostgreSQL 18.4');
    expect(serverText('MariaDB 10.11.19')).toBe('MariaDB 10.11.19');
    expect(serverText('MySQL 8.4.0')).toBe('MySQL 8.4.0');
  });
});

describe('the Port field', () => {
  it('says in words why a port cannot be sent, by its control', () => {
    expect(portText('5432')).toBeNull();
    expect(portText(' 3306 ')).toBeNull();
    expect(portText('abc')).toBe("Port: 'abc' is not a whole number");
    expect(portText('54.32')).toBe("Port: '54.32' is not a whole number");
    expect(portText('0')).toBe('Port: 0 is not a port (1 to 65535)');
    expect(portText('70000')).toBe('Port: 70000 is not a port (1 to 65535)');
    expect(portText('')).toContain('Port: enter the port');
  });
});

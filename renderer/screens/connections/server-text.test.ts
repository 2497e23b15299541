import { describe, expect, it } from 'vitest';
import { serverText } from './connection-form.tsx';

describe('the server a connection test reached', () => {
  it('names PostgreSQL before its bare version; a MySQL server names itself', () => {
    expect(serverText('18.4')).toBe('PostgreSQL 18.4');
    expect(serverText('MariaDB 10.11.19')).toBe('MariaDB 10.11.19');
    expect(serverText('MySQL 8.4.0')).toBe('MySQL 8.4.0');
  });
});

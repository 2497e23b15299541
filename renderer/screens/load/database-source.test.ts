import { describe, expect, it } from 'vitest';
import { connectionOption, sameRead, sameWhere } from './database-source.tsx';

describe('the Database picker', () => {
  it('names each saved connection by its real kind', () => {
    const at = { user: 'ro', host: 'db.test', port: 3306, database: 'crm' };
    expect(connectionOption({ name: 'my', kind: 'mysql', ...at })).toBe(
      'my — MySQL / MariaDB ro@db.test:3306/crm',
    );
    expect(connectionOption({ name: 'pg', kind: 'postgres', ...at, port: 5432 })).toBe(
      'pg — PostgreSQL ro@db.test:5432/crm',
    );
  });

  it('an opened job whose query ends with a newline, or carries a timeout, is not an edit', () => {
    const saved = {
      kind: 'postgres' as const,
      connection: 'src',
      query: 'select *\nfrom orders\n',
      statementTimeoutMs: 5000,
    };
    expect(sameRead({ kind: 'postgres', connection: 'src', query: 'select *\nfrom orders' }, saved)).toBe(
      true,
    );
    expect(sameRead({ kind: 'postgres', connection: 'src', query: 'select 1' }, saved)).toBe(false);
    expect(sameRead({ kind: 'postgres', connection: 'other', query: 'select *\nfrom orders' }, saved)).toBe(
      false,
    );
    expect(sameRead(null, saved)).toBe(false);
    expect(sameWhere({ kind: 'mysql', connection: 'src' }, saved)).toBe(false);
    expect(sameWhere({ kind: 'sqlite', handle: 'h1' }, { kind: 'sqlite', handle: 'h1', table: 't' })).toBe(
      true,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { connectionOption } from './database-source.tsx';

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
});
